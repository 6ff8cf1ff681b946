package org.complianceproxy.proxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
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
import org.complianceproxy.proxy.audit.RequestSummary;
import org.complianceproxy.proxy.auth.ApiKeyAuthenticator;
import org.complianceproxy.proxy.bedrock.BedrockSanitizer;
import org.complianceproxy.proxy.bedrock.BedrockUpstream;
import org.complianceproxy.proxy.bedrock.ModelRoutes;
import org.complianceproxy.proxy.bedrock.ResidencyPolicy;
import org.complianceproxy.proxy.bedrock.SigV4Verifier;
import org.complianceproxy.proxy.chat.ChatRequestSanitizer;
import org.complianceproxy.proxy.config.ConfigLoader;
import org.complianceproxy.proxy.config.ProxyConfig;
import org.complianceproxy.proxy.testing.LeakGuard;
import org.complianceproxy.proxy.token.Keyring;
import org.complianceproxy.proxy.token.TokenMinter;
import org.complianceproxy.proxy.upstream.OpenAiUpstream;
import org.complianceproxy.proxy.vault.LocalVault;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The native Bedrock front door in an {@link EmbeddedChannel}: routing of {@code
 * /model/{modelId}/...}, errors in Bedrock's shape, and refusals (signature, residency) that never
 * reach the upstream, each with its audit summary.
 */
@ExtendWith(LeakGuard.class)
class BedrockFrontDoorTest {

  @TempDir Path dataDir;

  private final List<AuditRecord> audit = new CopyOnWriteArrayList<>();
  private LocalVault vault;
  private OpenAiUpstream openAi;
  private BedrockUpstream bedrock;
  private EmbeddedChannel channel;

  @BeforeEach
  void setUp() throws IOException {
    ProxyConfig config =
        ConfigLoader.load(
            Optional.empty(),
            Map.of(
                "PROXY_DATA_DIR", dataDir.toString(),
                "AWS_REGION", "eu-central-1",
                "BEDROCK_ENDPOINT", "http://127.0.0.1:1",
                "PROXY_AWS_KEYS", "acme:AKIAACME:secret"));
    Keyring keyring = Keyring.openOrCreate(dataDir);
    vault = LocalVault.open(dataDir, keyring);
    openAi = new OpenAiUpstream(config.openAi(), NioSocketChannel.class);
    bedrock = BedrockUpstream.create(config.bedrock(), "eu-central-1");
    AuditSink sink =
        new AuditSink() {
          @Override
          public void emit(AuditRecord record) {
            audit.add(record);
          }

          @Override
          public boolean healthy() {
            return true;
          }

          @Override
          public void close() {}
        };
    TokenMinter minter = new TokenMinter(keyring);
    Services services =
        new Services(
            config,
            new ApiKeyAuthenticator(config.apiKeys()),
            new ChatRequestSanitizer(Scanner.defaults(), minter, vault),
            openAi,
            sink,
            new Metrics(),
            new BedrockServices(
                new SigV4Verifier(config.bedrock().awsKeys(), Clock.systemUTC()),
                new BedrockSanitizer(Scanner.defaults(), minter, vault),
                bedrock,
                ResidencyPolicy.of(config.bedrock(), "eu-central-1"),
                new ModelRoutes(config.bedrock().modelRoutes())));
    channel = new EmbeddedChannel(new ClientChannelInitializer(services));
  }

  @AfterEach
  void tearDown() {
    assertThat(channel.finishAndReleaseAll()).as("messages left in the pipeline").isFalse();
    openAi.close();
    bedrock.close();
    vault.close();
  }

  @Test
  void unsignedConverseIs403InBedrockShapeWithDecodedModelInTheSummary() {
    String response = post("/model/anthropic.claude-v2%3A1/converse", "{\"messages\":[]}", "");

    assertThat(response).startsWith("HTTP/1.1 403 ");
    assertThat(header(response, "x-amzn-ErrorType")).isEqualTo("AccessDeniedException");
    assertThat(response)
        .contains("{\"message\":\"Missing AWS Signature Version 4 authorization.\"}");
    RequestSummary summary = summary();
    assertThat(summary.requestId()).isEqualTo(header(response, "x-request-id"));
    assertThat(summary.route()).isEqualTo("bedrock.converse");
    assertThat(summary.model()).isEqualTo("anthropic.claude-v2:1");
    assertThat(summary.outcome()).isEqualTo("invalid_signature");
    assertThat(summary.upstream()).isNull();
  }

  @Test
  void forgedSignatureIs403() {
    String response =
        post(
            "/model/m/converse-stream",
            "{}",
            "Authorization: AWS4-HMAC-SHA256 Credential=AKIAACME/20260101/eu-central-1/bedrock/aws4_request,"
                + " SignedHeaders=host;x-amz-date, Signature=00\r\nX-Amz-Date: 20260101T000000Z\r\n");

    assertThat(response).startsWith("HTTP/1.1 403 ");
    assertThat(summary().route()).isEqualTo("bedrock.converse_stream");
  }

  @Test
  void unknownOperationAndWrongMethodAnswerInBedrockShape() {
    String unknown = post("/model/m/train", "{}", "");
    assertThat(unknown).startsWith("HTTP/1.1 404 ");
    assertThat(header(unknown, "x-amzn-ErrorType")).isEqualTo("ResourceNotFoundException");

    audit.clear();
    String get = exchange("GET /model/m/invoke HTTP/1.1\r\nHost: x\r\n\r\n");
    assertThat(get).startsWith("HTTP/1.1 405 ");
    assertThat(header(get, "x-amzn-ErrorType")).isEqualTo("ValidationException");
    assertThat(summary().route()).isEqualTo("bedrock.invoke");
  }

  @Test
  void openAiPathsKeepTheirShape() {
    String response = exchange("GET /v1/models HTTP/1.1\r\nHost: x\r\n\r\n");
    assertThat(response).startsWith("HTTP/1.1 404 ").contains("\"code\":\"unknown_url\"");
  }

  private String post(String path, String body, String headers) {
    return exchange(
        "POST "
            + path
            + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + headers
            + "Content-Length: "
            + body.length()
            + "\r\n\r\n"
            + body);
  }

  private String exchange(String raw) {
    channel.writeInbound(Unpooled.copiedBuffer(raw, StandardCharsets.ISO_8859_1));
    channel.runPendingTasks();
    StringBuilder out = new StringBuilder();
    ByteBuf buf;
    while ((buf = channel.readOutbound()) != null) {
      out.append(buf.toString(StandardCharsets.UTF_8));
      buf.release();
    }
    return out.toString();
  }

  private static String header(String response, String name) {
    for (String line : response.split("\r\n")) {
      int colon = line.indexOf(':');
      if (colon > 0 && line.substring(0, colon).equalsIgnoreCase(name)) {
        return line.substring(colon + 1).trim();
      }
    }
    throw new AssertionError("no " + name + " in " + response);
  }

  private RequestSummary summary() {
    return audit.stream()
        .filter(RequestSummary.class::isInstance)
        .map(RequestSummary.class::cast)
        .reduce((a, b) -> b)
        .orElseThrow();
  }
}
