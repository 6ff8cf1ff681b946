package org.complianceproxy.proxy.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;
import org.complianceproxy.proxy.config.ProxyConfig;

/**
 * The client connection's pipeline, stage by stage; reading {@link #initChannel} tells the story of
 * a request up to its front door. Everything after that (sanitize, forward, restore, audit) is the
 * exchange's work, see {@link ChatExchange}.
 */
final class ClientChannelInitializer extends ChannelInitializer<Channel> {

  private final Services services;

  ClientChannelInitializer(Services services) {
    this.services = services;
  }

  @Override
  protected void initChannel(Channel ch) {
    ChannelPipeline p = ch.pipeline();
    ProxyConfig.Limits limits = services.config().limits();
    addTimeoutHandlers(p, limits);
    addHttp1Handlers(p, limits);
    addBodyLimit(p, limits);
    addFrontDoor(p);
  }

  /** Closes connections that stay silent, so idle clients cannot hold sockets forever. */
  private static void addTimeoutHandlers(ChannelPipeline p, ProxyConfig.Limits limits) {
    p.addLast(
        "idle",
        new IdleStateHandler(0, 0, limits.clientIdleTimeout().toMillis(), TimeUnit.MILLISECONDS));
  }

  /** HTTP/1.1 framing with bounded heads, and keep-alive bookkeeping. */
  private static void addHttp1Handlers(ChannelPipeline p, ProxyConfig.Limits limits) {
    p.addLast("http", new HttpServerCodec(8192, limits.maxHeaderBytes(), 64 * 1024));
    p.addLast("keep-alive", new HttpServerKeepAliveHandler());
  }

  /** Aggregates the JSON body up to the configured limit; larger ones are answered 413. */
  private static void addBodyLimit(ChannelPipeline p, ProxyConfig.Limits limits) {
    p.addLast("body-limit", new BodyLimitAggregator(limits.maxBodyBytes()));
  }

  /** Routes to the OpenAI front door and runs one exchange at a time. */
  private void addFrontDoor(ChannelPipeline p) {
    p.addLast("front-door", new FrontDoorHandler(services));
  }
}
