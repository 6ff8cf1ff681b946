package org.complianceproxy.proxy.upstream;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.channel.pool.AbstractChannelPoolHandler;
import io.netty.channel.pool.ChannelHealthChecker;
import io.netty.channel.pool.FixedChannelPool;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.AsciiString;
import io.netty.util.concurrent.Future;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.complianceproxy.proxy.config.ProxyConfig;

/**
 * The OpenAI upstream: keep-alive connections pooled per event loop, so that an exchange and its
 * upstream connection share one thread and no response part crosses threads. Plain http and https
 * (JDK TLS with the default trust store and host name verification).
 */
public final class OpenAiUpstream implements AutoCloseable {

  // Header names and values as AsciiStrings, built once: set per request without re-encoding them.
  /** Response bodies are read by the exchange, never inflated by the proxy. */
  private static final AsciiString IDENTITY = AsciiString.cached("identity");

  private static final AsciiString EVENT_STREAM = AsciiString.cached("text/event-stream");
  private static final AsciiString USER_AGENT = AsciiString.cached("compliance-proxy");
  private static final AsciiString CLIENT_REQUEST_ID = AsciiString.cached("x-client-request-id");

  private final ProxyConfig.OpenAi config;
  private final Bootstrap bootstrap;
  private final SslContext ssl;
  private final String host;
  private final int port;
  private final AsciiString hostHeader;
  // "Bearer <key>", or null without a key
  private final AsciiString authorization;
  private final String chatPath;

  /** One pool per event loop of the client side. */
  private final Map<EventLoop, FixedChannelPool> pools = new ConcurrentHashMap<>();

  public OpenAiUpstream(ProxyConfig.OpenAi config, Class<? extends Channel> channelType) {
    this.config = config;
    URI base = config.baseUrl();
    boolean https = "https".equals(base.getScheme());
    this.host = base.getHost();
    this.port = base.getPort() > 0 ? base.getPort() : (https ? 443 : 80);
    this.hostHeader = new AsciiString(base.getPort() > 0 ? host + ":" + port : host);
    this.authorization = config.apiKey().map(key -> new AsciiString("Bearer " + key)).orElse(null);
    String basePath = base.getRawPath() == null ? "" : base.getRawPath();
    this.chatPath =
        (basePath.endsWith("/") ? basePath.substring(0, basePath.length() - 1) : basePath)
            + "/chat/completions";
    this.ssl = https ? tlsContext(config) : null;
    this.bootstrap =
        new Bootstrap()
            .channel(channelType)
            .option(ChannelOption.TCP_NODELAY, true)
            .option(
                ChannelOption.CONNECT_TIMEOUT_MILLIS,
                (int) Math.min(Integer.MAX_VALUE, config.connectTimeout().toMillis()))
            .remoteAddress(host, port);
  }

  /** The region the base URL is pinned to. */
  public String region() {
    return config.region();
  }

  /** A pooled connection on {@code loop}; the caller must {@link #release} it exactly once. */
  public Future<Channel> acquire(EventLoop loop) {
    return pools.computeIfAbsent(loop, this::newPool).acquire();
  }

  /**
   * Returns a connection to its pool. A connection that must not be reused (the exchange failed, or
   * the response said close) is closed first; the pool's health check then drops it.
   */
  public void release(Channel channel, boolean reusable) {
    channel.attr(UpstreamHandler.LISTENER).set(null);
    if (!reusable) {
      channel.close();
    }
    FixedChannelPool pool = pools.get(channel.eventLoop());
    if (pool != null) {
      pool.release(channel);
    } else {
      channel.close();
    }
  }

  /** Marks {@code channel} as owned by {@code listener} until {@link #release}. */
  public static void attach(Channel channel, UpstreamListener listener) {
    channel.attr(UpstreamHandler.LISTENER).set(listener);
  }

  /** A chat completions request carrying the sanitized body and the proxy's own credential. */
  public FullHttpRequest chatRequest(ByteBuf body, boolean stream, String requestId) {
    FullHttpRequest request =
        new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, chatPath, body);
    var headers = request.headers();
    headers
        .set(HttpHeaderNames.HOST, hostHeader)
        .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
        .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes())
        .set(HttpHeaderNames.ACCEPT, stream ? EVENT_STREAM : HttpHeaderValues.APPLICATION_JSON)
        .set(HttpHeaderNames.ACCEPT_ENCODING, IDENTITY)
        .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE)
        .set(HttpHeaderNames.USER_AGENT, USER_AGENT)
        .set(CLIENT_REQUEST_ID, requestId);
    if (authorization != null) {
      headers.set(HttpHeaderNames.AUTHORIZATION, authorization);
    }
    return request;
  }

  public long responseTimeoutMillis() {
    return config.responseTimeout().toMillis();
  }

  /**
   * TLS 1.2+ with host name verification ({@code newHandler(alloc, host, port)} sets the peer and
   * turns on endpoint identification), trusting the JDK's store or the configured certificates.
   */
  private static SslContext tlsContext(ProxyConfig.OpenAi config) {
    try {
      SslContextBuilder builder = SslContextBuilder.forClient().protocols("TLSv1.3", "TLSv1.2");
      if (config.trustCertFile().isPresent()) {
        builder.trustManager(config.trustCertFile().get().toFile());
      }
      return builder.endpointIdentificationAlgorithm("HTTPS").build();
    } catch (SSLException e) {
      throw new IllegalStateException(
          "cannot build the TLS client context for " + config.baseUrl(), e);
    }
  }

  private FixedChannelPool newPool(EventLoop loop) {
    return new FixedChannelPool(
        bootstrap.clone().group(loop),
        new AbstractChannelPoolHandler() {
          @Override
          public void channelCreated(Channel ch) {
            ChannelPipeline p = ch.pipeline();
            if (ssl != null) {
              p.addLast("tls", ssl.newHandler(ch.alloc(), host, port));
            }
            p.addLast("http", new HttpClientCodec(8192, 64 * 1024, 64 * 1024));
            p.addLast(
                "idle",
                new IdleStateHandler(config.idleTimeout().toMillis(), 0, 0, TimeUnit.MILLISECONDS));
            p.addLast("exchange", new UpstreamHandler());
          }
        },
        ChannelHealthChecker.ACTIVE,
        FixedChannelPool.AcquireTimeoutAction.FAIL,
        config.connectTimeout().toMillis(),
        config.maxConnectionsPerLoop(),
        config.maxConnectionsPerLoop() * 4,
        true,
        true);
  }

  @Override
  public void close() {
    pools.values().forEach(FixedChannelPool::close);
    pools.clear();
  }
}
