package org.complianceproxy.proxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.complianceproxy.dlp.Scanner;
import org.complianceproxy.proxy.admin.Metrics;
import org.complianceproxy.proxy.audit.AuditRecord;
import org.complianceproxy.proxy.audit.AuditSink;
import org.complianceproxy.proxy.auth.ApiKeyAuthenticator;
import org.complianceproxy.proxy.bedrock.BedrockSanitizer;
import org.complianceproxy.proxy.bedrock.BedrockUpstream;
import org.complianceproxy.proxy.bedrock.ModelRoutes;
import org.complianceproxy.proxy.bedrock.ResidencyPolicy;
import org.complianceproxy.proxy.bedrock.SigV4Verifier;
import org.complianceproxy.proxy.chat.ChatRequestSanitizer;
import org.complianceproxy.proxy.config.ConfigLoader;
import org.complianceproxy.proxy.config.ProxyConfig;
import org.complianceproxy.proxy.token.Keyring;
import org.complianceproxy.proxy.token.TokenMinter;
import org.complianceproxy.proxy.upstream.OpenAiUpstream;
import org.complianceproxy.proxy.vault.LocalVault;

/**
 * The client pipeline of the proxy in an {@link EmbeddedChannel}, over a real keyring, embedded
 * vault and the bundled rules, for tests of the front doors without sockets: {@link #channel()}
 * takes raw HTTP in and gives the proxy's bytes out. {@link #close()} checks that nothing was left
 * in the pipeline.
 */
final class EmbeddedFrontDoor implements AutoCloseable {

  /** An audit sink that keeps every record in memory, always healthy. */
  static final class RecordingSink implements AuditSink {

    final List<AuditRecord> records = new CopyOnWriteArrayList<>();

    @Override
    public void emit(AuditRecord record) {
      records.add(record);
    }

    @Override
    public boolean healthy() {
      return true;
    }

    @Override
    public void close() {}
  }

  private final LocalVault vault;
  private final OpenAiUpstream openAi;
  private final BedrockUpstream bedrock;
  private final EmbeddedChannel channel;

  private EmbeddedFrontDoor(ProxyConfig config, AuditSink sink, String bedrockRegion)
      throws IOException {
    Keyring keyring = Keyring.openOrCreate(config.dataDir());
    vault = LocalVault.open(config.dataDir(), keyring);
    openAi = new OpenAiUpstream(config.openAi(), NioSocketChannel.class);
    TokenMinter minter = new TokenMinter(keyring);
    ApiKeyAuthenticator keys = new ApiKeyAuthenticator(config.apiKeys());
    ChatRequestSanitizer chats = new ChatRequestSanitizer(Scanner.defaults(), minter, vault);
    Services services;
    if (bedrockRegion == null) {
      bedrock = null;
      services = new Services(config, keys, chats, openAi, sink, new Metrics());
    } else {
      bedrock = BedrockUpstream.create(config.bedrock(), bedrockRegion);
      services =
          new Services(
              config,
              keys,
              chats,
              openAi,
              sink,
              new Metrics(),
              new BedrockServices(
                  new SigV4Verifier(config.bedrock().awsKeys(), Clock.systemUTC()),
                  new BedrockSanitizer(Scanner.defaults(), minter, vault),
                  bedrock,
                  ResidencyPolicy.of(config.bedrock(), bedrockRegion),
                  new ModelRoutes(config.bedrock().modelRoutes())));
    }
    channel = new EmbeddedChannel(new ClientChannelInitializer(services));
  }

  /** The OpenAI front door only. */
  /**
   * The configuration of an OpenAI front door for tests: tenant {@code acme} with key {@code
   * sk-acme}, data under {@code dataDir}, an upstream nobody listens on.
   */
  static ProxyConfig openAiConfig(Path dataDir) {
    return ConfigLoader.load(
        Optional.empty(),
        Map.of(
            "PROXY_DATA_DIR", dataDir.toString(),
            "PROXY_API_KEYS", "acme:sk-acme",
            "OPENAI_BASE_URL", "http://127.0.0.1:9/v1"));
  }

  static EmbeddedFrontDoor openAi(ProxyConfig config, AuditSink sink) throws IOException {
    return new EmbeddedFrontDoor(config, sink, null);
  }

  /** Both front doors, Bedrock pinned to {@code region}. */
  static EmbeddedFrontDoor withBedrock(ProxyConfig config, AuditSink sink, String region)
      throws IOException {
    return new EmbeddedFrontDoor(config, sink, region);
  }

  EmbeddedChannel channel() {
    return channel;
  }

  @Override
  public void close() {
    try {
      assertThat(channel.finishAndReleaseAll()).as("messages left in the pipeline").isFalse();
    } finally {
      openAi.close();
      if (bedrock != null) {
        bedrock.close();
      }
      vault.close();
    }
  }
}
