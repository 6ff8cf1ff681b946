package org.complianceproxy.proxy.server;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.time.Instant;
import java.util.ArrayDeque;
import org.complianceproxy.proxy.audit.RequestSummary;
import org.complianceproxy.proxy.error.ProxyError;

/**
 * Last handler of a client connection, after {@code HttpServerCodec}, the keep-alive handler and
 * {@link BodyLimitAggregator}. It routes each request to its front door ({@code
 * /v1/chat/completions}: {@link ChatExchange}; {@code /model/{modelId}/converse}, {@code
 * /converse-stream}, {@code /invoke}, {@code /invoke-with-response-stream}: {@link
 * BedrockExchange}) and runs one exchange at a time: requests pipelined behind it wait in arrival
 * order, so responses leave in that order too.
 *
 * <p>Input: {@link FullHttpRequest} (released here once its exchange has copied what it needs) and
 * {@link BodyLimitAggregator.Oversized} markers. Output: responses written by the exchanges.
 */
final class FrontDoorHandler extends ChannelInboundHandlerAdapter {

  static final String CHAT_COMPLETIONS = "/v1/chat/completions";
  static final String CHAT_ROUTE = "openai.chat.completions";
  static final String BEDROCK_MODEL_PREFIX = "/model/";

  private final Services services;

  /** Requests that arrived while an exchange was running; each is released when dispatched. */
  private final ArrayDeque<Object> waiting = new ArrayDeque<>();

  private ChannelHandlerContext ctx;

  /** The running exchange, or null between requests. */
  private Exchange active;

  /** True while a response other than a chat exchange is being answered inline. */
  private boolean busy;

  FrontDoorHandler(Services services) {
    this.services = services;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof FullHttpRequest) && !(msg instanceof BodyLimitAggregator.Oversized)) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (active != null || busy || !waiting.isEmpty()) {
      waiting.add(msg);
      ctx.channel().config().setAutoRead(false);
      return;
    }
    dispatch(msg);
  }

  private void dispatch(Object msg) {
    if (msg instanceof BodyLimitAggregator.Oversized oversized) {
      HttpRequest head = oversized.head();
      String route = route(head);
      respondError(
          RequestIds.next(),
          route,
          ProxyError.BODY_TOO_LARGE,
          "Request body exceeds the limit of "
              + services.config().limits().maxBodyBytes()
              + " bytes.",
          oversized.keepAlive());
      return;
    }
    FullHttpRequest request = (FullHttpRequest) msg;
    try {
      String path = path(request.uri());
      boolean keepAlive = HttpUtil.isKeepAlive(request);
      if (request.decoderResult().isFailure()) {
        // The framing is broken, so nothing after this request can be trusted as a boundary.
        respondError(
            RequestIds.next(),
            "unknown",
            ProxyError.INVALID_REQUEST,
            "Malformed HTTP request.",
            false);
      } else if (path.startsWith(BEDROCK_MODEL_PREFIX)) {
        dispatchBedrock(request, path, keepAlive);
      } else if (!CHAT_COMPLETIONS.equals(path)) {
        respondError(
            RequestIds.next(),
            "unknown",
            ProxyError.NOT_FOUND,
            "Unknown request URL: " + request.method() + " " + sanitizePath(path) + ".",
            keepAlive);
      } else if (!HttpMethod.POST.equals(request.method())) {
        respondError(
            RequestIds.next(),
            CHAT_ROUTE,
            ProxyError.METHOD_NOT_ALLOWED,
            "Only POST is supported on " + CHAT_COMPLETIONS + ".",
            keepAlive);
      } else {
        ChatExchange exchange = new ChatExchange(ctx, services, this, keepAlive);
        active = exchange;
        exchange.start(request);
      }
    } finally {
      request.release();
    }
  }

  /**
   * {@code /model/{modelId}/{operation}}: the model id is one percent-encoded path segment (a colon
   * arrives as {@code %3A}), decoded before routing and residency checks.
   */
  private void dispatchBedrock(FullHttpRequest request, String path, boolean keepAlive) {
    String[] segments = path.substring(BEDROCK_MODEL_PREFIX.length()).split("/", -1);
    BedrockExchange.Operation operation =
        segments.length == 2 ? BedrockExchange.Operation.of(segments[1]) : null;
    if (operation == null || segments[0].isEmpty()) {
      respondError(
          RequestIds.next(),
          "bedrock.unknown",
          ProxyError.NOT_FOUND,
          "Unknown request URL: " + request.method() + " " + sanitizePath(path) + ".",
          keepAlive);
      return;
    }
    if (!HttpMethod.POST.equals(request.method())) {
      respondError(
          RequestIds.next(),
          operation.route,
          ProxyError.METHOD_NOT_ALLOWED,
          "Only POST is supported on Bedrock model operations.",
          keepAlive);
      return;
    }
    String modelId;
    try {
      modelId = BedrockExchange.decodeModelId(segments[0]);
    } catch (IllegalArgumentException e) {
      respondError(
          RequestIds.next(),
          operation.route,
          ProxyError.INVALID_REQUEST,
          "The model id is not validly percent-encoded.",
          keepAlive);
      return;
    }
    BedrockExchange exchange =
        new BedrockExchange(ctx, services, this, keepAlive, operation, modelId);
    active = exchange;
    exchange.start(request);
  }

  /** An exchange passes its request on to another one, which starts at once. */
  void handOver(Exchange from, BedrockChatExchange to) {
    if (active != from) {
      return;
    }
    active = to;
    to.start();
  }

  /** Called by the exchange once its response is complete (or the client is gone). */
  void exchangeDone(Exchange exchange, boolean keepAlive) {
    if (active != exchange) {
      return;
    }
    active = null;
    if (!keepAlive) {
      drainWaiting();
      return;
    }
    next();
  }

  private void next() {
    while (active == null && !busy && !waiting.isEmpty()) {
      dispatch(waiting.poll());
    }
    if (active == null && !busy && ctx.channel().isActive()) {
      ctx.channel().config().setAutoRead(true);
    }
  }

  /**
   * Answers a request that never reached an upstream: the error in the OpenAI shape, a summary
   * audit record and the metrics, all with the request id the client sees.
   */
  void respondError(
      String requestId, String route, ProxyError error, String message, boolean keepAlive) {
    long start = System.nanoTime();
    services.metrics().requestStarted();
    FullHttpResponse response =
        route.startsWith("bedrock.")
            ? ErrorResponses.bedrock(error, message, requestId)
            : ErrorResponses.openAi(error, message, requestId);
    HttpUtil.setKeepAlive(response, keepAlive);
    busy = true;
    ctx.writeAndFlush(response)
        .addListener(
            f -> {
              busy = false;
              if (!keepAlive || !f.isSuccess()) {
                ctx.close();
                drainWaiting();
              } else {
                next();
              }
            });
    long latency = System.nanoTime() - start;
    services
        .audit()
        .emit(
            new RequestSummary(
                requestId,
                null,
                Instant.now(),
                route,
                null,
                null,
                null,
                false,
                error.status(),
                error.code(),
                latency / 1_000_000,
                latency / 1_000_000,
                0,
                0,
                null));
    services.metrics().requestEnded(route, error.status(), error.code(), latency);
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (active != null && ctx.channel().isWritable()) {
      active.clientWritable();
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (active != null) {
      Exchange exchange = active;
      active = null;
      exchange.clientClosed();
    }
    drainWaiting();
    ctx.fireChannelInactive();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof IdleStateEvent && active == null) {
      ctx.close();
      return;
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // A broken client connection (reset, TLS or codec failure): nothing useful can be written back.
    ctx.close().addListener(ChannelFutureListener.CLOSE);
  }

  private void drainWaiting() {
    Object msg;
    while ((msg = waiting.poll()) != null) {
      ReferenceCountUtil.release(msg);
    }
  }

  private static String route(HttpRequest head) {
    String path = path(head.uri());
    if (path.startsWith(BEDROCK_MODEL_PREFIX)) {
      String[] segments = path.substring(BEDROCK_MODEL_PREFIX.length()).split("/", -1);
      BedrockExchange.Operation operation =
          segments.length == 2 ? BedrockExchange.Operation.of(segments[1]) : null;
      return operation == null ? "bedrock.unknown" : operation.route;
    }
    return CHAT_COMPLETIONS.equals(path) ? CHAT_ROUTE : "unknown";
  }

  private static String path(String uri) {
    int query = uri.indexOf('?');
    return query >= 0 ? uri.substring(0, query) : uri;
  }

  /** Paths are echoed in 404s; keep them short and printable so the message stays harmless. */
  private static String sanitizePath(String path) {
    String shortened = path.length() > 64 ? path.substring(0, 64) + "..." : path;
    return shortened.replaceAll("[^A-Za-z0-9/._~-]", "_");
  }
}
