package org.complianceproxy.proxy.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.complianceproxy.proxy.admin.AdminHandler;
import org.complianceproxy.proxy.admin.AuditPage;
import org.complianceproxy.proxy.admin.Metrics;
import org.complianceproxy.proxy.admin.VaultAdminRoutes;
import org.complianceproxy.proxy.audit.AuditSink;
import org.complianceproxy.proxy.audit.AuditSinks;
import org.complianceproxy.proxy.audit.ConfigHistory;
import org.complianceproxy.proxy.audit.LifecycleRecord;
import org.complianceproxy.proxy.auth.ApiKeyAuthenticator;
import org.complianceproxy.proxy.bedrock.BedrockSanitizer;
import org.complianceproxy.proxy.bedrock.BedrockUpstream;
import org.complianceproxy.proxy.bedrock.ModelRoutes;
import org.complianceproxy.proxy.bedrock.ResidencyPolicy;
import org.complianceproxy.proxy.bedrock.SigV4Verifier;
import org.complianceproxy.proxy.chat.ChatRequestSanitizer;
import org.complianceproxy.proxy.config.ProxyConfig;
import org.complianceproxy.proxy.sanitize.TenantPolicies;
import org.complianceproxy.proxy.token.TokenMinter;
import org.complianceproxy.proxy.upstream.OpenAiUpstream;
import org.complianceproxy.proxy.vault.AdminCredentials;
import org.complianceproxy.proxy.vault.VaultStack;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running proxy: the client listener, the admin listener and everything they share. Start-up
 * order follows the request path backwards (keys, vault, audit, upstream, then listeners), so the
 * proxy only accepts traffic once every stage can serve it; shutdown runs the other way and drains.
 */
public final class ProxyServer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ProxyServer.class);

  /** How long shutdown waits for in-flight exchanges before closing connections. */
  private static final Duration DRAIN = Duration.ofSeconds(10);

  private final EventLoopGroup loops;
  private final Channel clientListener;
  private final Channel adminListener;
  private final Services services;
  private final VaultStack vault;
  private final AuditPage auditPage;
  private volatile boolean draining;

  private ProxyServer(
      EventLoopGroup loops,
      Channel clientListener,
      Channel adminListener,
      Services services,
      VaultStack vault,
      AuditPage auditPage) {
    this.loops = loops;
    this.clientListener = clientListener;
    this.adminListener = adminListener;
    this.services = services;
    this.vault = vault;
    this.auditPage = auditPage;
  }

  /**
   * Starts everything and binds both listeners; fails (and cleans up) if any stage cannot start.
   */
  public static ProxyServer start(ProxyConfig config) throws IOException, InterruptedException {
    // First, before anything opens: an invalid rule file refuses to start.
    TenantPolicies policies = TenantPolicies.of(config.dlp());
    Transport transport = Transport.best();
    // One event loop per core: more loops than cores only adds context switches and lock hand-offs.
    EventLoopGroup loops =
        new MultiThreadIoEventLoopGroup(
            Integer.getInteger(
                "io.netty.eventLoopThreads", Runtime.getRuntime().availableProcessors()),
            transport.factory());
    Path dataDir = config.dataDir();
    AuditSink audit = null;
    AuditPage auditPage = null;
    VaultStack vault = null;
    OpenAiUpstream openAi = null;
    BedrockUpstream bedrockUpstream = null;
    try {
      audit = AuditSinks.create(config.audit(), dataDir, InstanceId.get());
      // vault operations (reveal, rotate, shred) are records of the same trail
      vault = VaultStack.open(config, audit);
      audit.emit(LifecycleRecord.start(version(), ConfigHistory.sha256(config)));
      ConfigHistory.recordStart(config, version()).ifPresent(audit::emit);
      openAi = new OpenAiUpstream(config.openAi(), transport.channel());
      Metrics metrics = new Metrics();
      metrics.auditHealth(audit::healthy);
      metrics.auditSpool(audit::spoolBytes, audit::spoolMaxBytes);
      auditPage = AuditPage.of(config.audit(), dataDir);
      VaultAdminRoutes vaultRoutes =
          new VaultAdminRoutes(vault.operations(), new AdminCredentials(config.adminKeySha256s()));
      AuditPage page = auditPage;
      ChatRequestSanitizer sanitizer =
          new ChatRequestSanitizer(policies, new TokenMinter(vault.keys()), vault.vault());
      BedrockServices bedrock = null;
      if (config.bedrock().region().isPresent()) {
        String region = config.bedrock().region().get();
        bedrockUpstream = BedrockUpstream.create(config.bedrock(), region);
        bedrock =
            new BedrockServices(
                new SigV4Verifier(config.bedrock().awsKeys(), Clock.systemUTC()),
                new BedrockSanitizer(policies, new TokenMinter(vault.keys()), vault.vault()),
                bedrockUpstream,
                ResidencyPolicy.of(config.bedrock(), region),
                new ModelRoutes(config.bedrock().modelRoutes()));
        if (config.bedrock().awsKeys().isEmpty()) {
          log.warn(
              "no AWS key pairs configured (PROXY_AWS_KEYS or bedrock.aws_keys): every native"
                  + " Bedrock request will get 403");
        }
      }
      Services services =
          new Services(
              config,
              new ApiKeyAuthenticator(config.apiKeys()),
              sanitizer,
              openAi,
              audit,
              metrics,
              bedrock,
              policies);
      if (services.authenticator().isEmpty()) {
        log.warn("no API keys configured (PROXY_API_KEYS or api_keys): every request will get 401");
      }

      Channel client =
          new ServerBootstrap()
              .group(loops)
              .channel(transport.serverChannel())
              .option(ChannelOption.SO_BACKLOG, 4096)
              .childOption(ChannelOption.TCP_NODELAY, true)
              .childHandler(new ClientChannelInitializer(services))
              .bind(config.listen())
              .sync()
              .channel();
      ProxyServer[] self = new ProxyServer[1];
      Channel admin =
          new ServerBootstrap()
              .group(loops)
              .channel(transport.serverChannel())
              .childHandler(
                  new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                      ch.pipeline()
                          .addLast("http", new HttpServerCodec())
                          .addLast(
                              "aggregate",
                              new HttpObjectAggregator(VaultAdminRoutes.MAX_BODY_BYTES))
                          .addLast(
                              "admin",
                              new AdminHandler(
                                  metrics,
                                  () -> self[0] != null && self[0].ready(),
                                  page,
                                  vaultRoutes));
                    }
                  })
              .bind(config.adminListen())
              .sync()
              .channel();
      ProxyServer server = new ProxyServer(loops, client, admin, services, vault, auditPage);
      self[0] = server;
      log.info(
          "compliance proxy listening on {} (admin {}), upstream {} region {}, bedrock {}, audit {},"
              + " rules {}, tenant policies {}, transport {}",
          client.localAddress(),
          admin.localAddress(),
          config.openAi().baseUrl(),
          config.openAi().region(),
          config.bedrock().region().orElse("off"),
          config.audit().kafkaBootstrapServers().map(b -> "kafka " + b).orElse("local spool"),
          config.dlp().rulesFile().map(Path::toString).orElse("bundled"),
          config.dlp().tenants().keySet(),
          transport.name());
      return server;
    } catch (Exception e) {
      if (openAi != null) {
        openAi.close();
      }
      if (bedrockUpstream != null) {
        bedrockUpstream.close();
      }
      if (auditPage != null) {
        auditPage.close();
      }
      if (audit != null) {
        audit.close();
      }
      if (vault != null) {
        vault.close();
      }
      loops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      throw e;
    }
  }

  public InetSocketAddress clientAddress() {
    return (InetSocketAddress) clientListener.localAddress();
  }

  public InetSocketAddress adminAddress() {
    return (InetSocketAddress) adminListener.localAddress();
  }

  /** Ready for traffic: listening, not draining, and audit records can be written. */
  public boolean ready() {
    return !draining && clientListener.isActive() && services.audit().healthy();
  }

  /**
   * Stops accepting, lets in-flight exchanges finish for up to {@link #DRAIN}, then closes the
   * upstream pools, the vault and the audit sink (which flushes).
   */
  @Override
  public void close() {
    draining = true;
    clientListener.close().syncUninterruptibly();
    long deadline = System.nanoTime() + DRAIN.toNanos();
    while (services.metrics().inFlight() > 0 && System.nanoTime() < deadline) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    adminListener.close().syncUninterruptibly();
    services.openAi().close();
    if (services.bedrock() != null) {
      services.bedrock().upstream().close();
    }
    loops.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    auditPage.close();
    vault.close();
    services.audit().emit(LifecycleRecord.stop(version()));
    services.audit().close();
    log.info("compliance proxy stopped");
  }

  /** The jar's version, or {@code dev} when run from classes. */
  static String version() {
    String version = ProxyServer.class.getPackage().getImplementationVersion();
    return version == null ? "dev" : version;
  }

  /** Epoll where the native transport loads, NIO elsewhere. */
  private record Transport(
      String name,
      IoHandlerFactory factory,
      Class<? extends ServerChannel> serverChannel,
      Class<? extends Channel> channel) {

    static Transport best() {
      if (Epoll.isAvailable()) {
        return new Transport(
            "epoll",
            EpollIoHandler.newFactory(),
            EpollServerSocketChannel.class,
            EpollSocketChannel.class);
      }
      return new Transport(
          "nio", NioIoHandler.newFactory(), NioServerSocketChannel.class, NioSocketChannel.class);
    }
  }
}
