package org.complianceproxy.proxy.admin;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.util.function.BooleanSupplier;

/**
 * The admin listener's only handler, after {@code HttpServerCodec} and a small {@code
 * HttpObjectAggregator}: answers {@code GET /healthz} (the process is up), {@code GET /readyz} (it
 * can take traffic: listening, audit writable, not draining) and {@code GET /metrics}. The request
 * is released by {@link SimpleChannelInboundHandler}.
 */
public final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

  private final Metrics metrics;
  private final BooleanSupplier ready;

  public AdminHandler(Metrics metrics, BooleanSupplier ready) {
    this.metrics = metrics;
    this.ready = ready;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
    String path = request.uri();
    int query = path.indexOf('?');
    if (query >= 0) {
      path = path.substring(0, query);
    }
    FullHttpResponse response;
    if (!HttpMethod.GET.equals(request.method()) && !HttpMethod.HEAD.equals(request.method())) {
      response = text(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, "method not allowed\n");
    } else {
      response =
          switch (path) {
            case "/healthz" -> text(ctx, HttpResponseStatus.OK, "ok\n");
            case "/readyz" ->
                ready.getAsBoolean()
                    ? text(ctx, HttpResponseStatus.OK, "ready\n")
                    : text(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, "not ready\n");
            case "/metrics" -> {
              FullHttpResponse r = text(ctx, HttpResponseStatus.OK, metrics.render());
              r.headers()
                  .set(HttpHeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
              yield r;
            }
            default -> text(ctx, HttpResponseStatus.NOT_FOUND, "not found\n");
          };
    }
    boolean keepAlive = HttpUtil.isKeepAlive(request);
    HttpUtil.setKeepAlive(response, keepAlive);
    var future = ctx.writeAndFlush(response);
    if (!keepAlive) {
      future.addListener(ChannelFutureListener.CLOSE);
    }
  }

  private static FullHttpResponse text(
      ChannelHandlerContext ctx, HttpResponseStatus status, String body) {
    ByteBuf buf = ByteBufUtil.writeUtf8(ctx.alloc(), body);
    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, buf);
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
    response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, buf.readableBytes());
    return response;
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }
}
