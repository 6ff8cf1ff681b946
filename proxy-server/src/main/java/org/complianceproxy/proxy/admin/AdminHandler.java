package org.complianceproxy.proxy.admin;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
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
 * can take traffic: listening, audit writable, not draining), {@code GET /metrics} and, when given
 * an {@link AuditPage}, the officers' read-only page under {@code /audit}. The request is released
 * by {@link SimpleChannelInboundHandler}; the audit page only keeps its URI string.
 */
public final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

  private final Metrics metrics;
  private final BooleanSupplier ready;
  // The officers' audit page under /audit, or null when not offered.
  private final AuditPage auditPage;
  // Re-identification, rotation and shredding under /admin/vault/, or null when not offered.
  private final VaultAdminRoutes vaultRoutes;

  public AdminHandler(Metrics metrics, BooleanSupplier ready) {
    this(metrics, ready, null, null);
  }

  /** With the officers' read-only audit page under {@code /audit} ({@link AuditPage}). */
  public AdminHandler(Metrics metrics, BooleanSupplier ready, AuditPage auditPage) {
    this(metrics, ready, auditPage, null);
  }

  /** Also with the vault's admin API under {@link VaultAdminRoutes#PREFIX}. */
  public AdminHandler(
      Metrics metrics, BooleanSupplier ready, AuditPage auditPage, VaultAdminRoutes vaultRoutes) {
    this.metrics = metrics;
    this.ready = ready;
    this.auditPage = auditPage;
    this.vaultRoutes = vaultRoutes;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
    String path = request.uri();
    int query = path.indexOf('?');
    if (query >= 0) {
      path = path.substring(0, query);
    }
    if (auditPage != null && AuditPage.handles(path) && HttpMethod.GET.equals(request.method())) {
      // Answered asynchronously; the page reads the trail off the event loop.
      auditPage.handle(ctx, request.uri(), HttpUtil.isKeepAlive(request));
      return;
    }
    if (vaultRoutes != null && path.startsWith(VaultAdminRoutes.PREFIX)) {
      vault(ctx, request, path);
      return;
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

  /**
   * Hands the request to the vault's routes (their work runs off the event loop) and writes the
   * answer back on the loop. Bodies are never logged: a reveal answer holds clear values.
   */
  private void vault(ChannelHandlerContext ctx, FullHttpRequest request, String path) {
    boolean keepAlive = HttpUtil.isKeepAlive(request);
    byte[] body = ByteBufUtil.getBytes(request.content());
    vaultRoutes
        .handle(
            request.method().name(),
            path,
            request.headers().get(HttpHeaderNames.AUTHORIZATION),
            body)
        .whenComplete(
            (answer, error) ->
                ctx.executor()
                    .execute(
                        () -> {
                          FullHttpResponse response;
                          if (error != null) {
                            response =
                                text(
                                    ctx,
                                    HttpResponseStatus.INTERNAL_SERVER_ERROR,
                                    "vault operation failed\n");
                          } else {
                            response =
                                new DefaultFullHttpResponse(
                                    HttpVersion.HTTP_1_1,
                                    HttpResponseStatus.valueOf(answer.status()),
                                    Unpooled.wrappedBuffer(answer.body()));
                            answer.headers().forEach(response.headers()::set);
                            response
                                .headers()
                                .setInt(HttpHeaderNames.CONTENT_LENGTH, answer.body().length);
                          }
                          HttpUtil.setKeepAlive(response, keepAlive);
                          var written = ctx.writeAndFlush(response);
                          if (!keepAlive) {
                            written.addListener(ChannelFutureListener.CLOSE);
                          }
                        }));
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
