package org.complianceproxy.proxy.server;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.complianceproxy.proxy.chat.ChatCompletionRestorer;
import org.complianceproxy.proxy.chat.ChatStreamRestorer;
import org.complianceproxy.proxy.chat.SanitizedChat;
import org.complianceproxy.proxy.error.ProxyError;
import org.complianceproxy.proxy.error.ProxyException;
import org.complianceproxy.proxy.sse.SseDecoder;
import org.complianceproxy.proxy.sse.SseEventTooLargeException;
import org.complianceproxy.proxy.upstream.OpenAiUpstream;
import org.complianceproxy.proxy.upstream.UpstreamListener;

/**
 * One OpenAI chat completions request, from the aggregated client request to the last byte of the
 * answer: authenticate, sanitize (scan, tokenize, vault), forward on a pooled upstream connection,
 * apply the tenant's output policy to the model's own text and restore tokens in the answer as it
 * streams, and audit every step. The summary counts the request's and the answer's findings. Runs
 * on the client connection's event loop; the only other thread involved completes the sanitizer's
 * future, and its result is handed back to the loop.
 *
 * <p>What every exchange shares (client writes, restore audit, the closing summary) is in {@link
 * ExchangeLifecycle}; this class keeps the OpenAI upstream: the pooled connection, its response
 * timeout, the retry on a stale connection and backpressure by its {@code AUTO_READ}.
 *
 * <p>Buffers: the client request is released by {@link FrontDoorHandler} after {@link #start}
 * copied the body; every upstream message is released in {@link #onUpstreamMessage}; every buffer
 * written to the client is released by the pipeline.
 */
final class ChatExchange extends AbstractExchange implements UpstreamListener {

  private final ChannelHandlerContext ctx;
  private final Services services;
  private final FrontDoorHandler door;

  private SanitizedChat sanitized;
  private Channel upstream;
  private boolean upstreamReused;
  private boolean retried;
  private ScheduledFuture<?> responseTimeout;
  private HttpResponse upstreamHead;
  private boolean upstreamKeepAlive;
  private AnswerBuffer buffered;
  private SseDecoder sseDecoder;
  private ChatStreamRestorer streamRestorer;
  // findings of the output policy in the answer, for the summary
  private int outputFindings;

  ChatExchange(
      ChannelHandlerContext ctx, Services services, FrontDoorHandler door, boolean keepAlive) {
    super(
        ctx,
        services,
        door,
        keepAlive,
        RequestIds.next(),
        System.nanoTime(),
        Phase.SANITIZING,
        ErrorResponses.Format.OPENAI);
    this.ctx = ctx;
    this.services = services;
    this.door = door;
  }

  /** Authenticates and starts sanitizing; the request stays owned by the caller. */
  void start(FullHttpRequest request) {
    services.metrics().requestStarted();
    try {
      life.tenant(
          services
              .authenticator()
              .authenticate(request.headers().get(HttpHeaderNames.AUTHORIZATION)));
      life.requireAudit();
    } catch (ProxyException e) {
      fail(e);
      return;
    }
    byte[] body = ByteBufUtil.getBytes(request.content());
    CompletableFuture<SanitizedChat> sanitizing;
    try {
      sanitizing = services.sanitizer().sanitize(life.tenant(), life.requestId(), body);
    } catch (RuntimeException e) {
      sanitizing = CompletableFuture.failedFuture(e);
    }
    sanitizing.whenComplete((result, error) -> life.onLoop(() -> sanitized(result, error)));
  }

  private void sanitized(SanitizedChat result, Throwable error) {
    if (!sanitizingSucceeded(error)) {
      return;
    }
    if (!findingsAudited(result.findings())) {
      return;
    }
    sanitized = result;
    if (services.bedrock() != null && services.bedrock().routes().toBedrock(result.model())) {
      // Routed to Bedrock: the sanitized chat and the request's identity move to that exchange.
      phase = Phase.DONE;
      door.handOver(
          this,
          new BedrockChatExchange(
              ctx,
              services,
              door,
              life.keepAlive(),
              life.requestId(),
              life.startNanos(),
              life.tenant(),
              result));
      return;
    }
    phase = Phase.WAITING_FOR_UPSTREAM;
    acquireUpstream();
  }

  private void acquireUpstream() {
    services
        .openAi()
        .acquire(ctx.channel().eventLoop())
        .addListener((Future<Channel> f) -> upstreamAcquired(f));
  }

  private void upstreamAcquired(Future<Channel> acquired) {
    if (!acquired.isSuccess()) {
      if (phase == Phase.WAITING_FOR_UPSTREAM) {
        fail(
            new ProxyException(
                ProxyError.UPSTREAM_UNREACHABLE, "The upstream model service is unreachable."));
      }
      return;
    }
    Channel channel = acquired.getNow();
    if (phase != Phase.WAITING_FOR_UPSTREAM) {
      services.openAi().release(channel, true);
      return;
    }
    upstream = channel;
    upstreamReused = channel.hasAttr(REUSED) && Boolean.TRUE.equals(channel.attr(REUSED).get());
    channel.attr(REUSED).set(Boolean.TRUE);
    OpenAiUpstream.attach(channel, this);
    channel
        .writeAndFlush(
            services
                .openAi()
                .chatRequest(
                    Unpooled.wrappedBuffer(sanitized.upstreamBody()),
                    sanitized.stream(),
                    life.requestId()))
        .addListener(
            f -> {
              if (!f.isSuccess() && upstream == channel) {
                onUpstreamClosed(f.cause());
              }
            });
    responseTimeout =
        ctx.executor()
            .schedule(
                this::responseTimedOut,
                services.openAi().responseTimeoutMillis(),
                TimeUnit.MILLISECONDS);
  }

  /** Marks pooled connections that served a request before, to retry once on a stale one. */
  private static final io.netty.util.AttributeKey<Boolean> REUSED =
      io.netty.util.AttributeKey.valueOf("upstream.reused");

  private void responseTimedOut() {
    if (phase == Phase.WAITING_FOR_UPSTREAM) {
      fail(
          new ProxyException(
              ProxyError.UPSTREAM_TIMEOUT, "The upstream model service did not answer in time."));
    }
  }

  @Override
  public void onUpstreamMessage(HttpObject msg) {
    try {
      if (phase != Phase.DONE) {
        answerStep("restoring", () -> upstreamMessage(msg));
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  private void upstreamMessage(HttpObject msg) {
    if (msg instanceof HttpResponse head) {
      upstreamHead(head);
    }
    if (msg instanceof HttpContent content && phase != Phase.DONE) {
      upstreamContent(content);
      if (msg instanceof LastHttpContent && phase != Phase.DONE) {
        upstreamComplete();
      }
    }
  }

  private void upstreamHead(HttpResponse head) {
    cancelResponseTimeout();
    if (head.decoderResult().isFailure()) {
      throw new ProxyException(
          ProxyError.UPSTREAM_BAD_RESPONSE,
          "The upstream model service sent a malformed response.");
    }
    if (head.status().code() == HttpResponseStatus.CONTINUE.code()) {
      return;
    }
    upstreamHead = head;
    upstreamKeepAlive = HttpUtil.isKeepAlive(head);
    int status = head.status().code();
    String contentType = head.headers().get(HttpHeaderNames.CONTENT_TYPE, "");
    if (status >= 200 && status < 300) {
      if (contentType.startsWith("text/event-stream")) {
        phase = Phase.STREAMING;
        sseDecoder = new SseDecoder();
        streamRestorer =
            new ChatStreamRestorer(
                sanitized.restoreTable(), life, life.outputCheck(() -> outputFindings++));
        life.writeHead(life.eventStreamHead(contentType));
      } else {
        phase = Phase.BUFFERING;
        buffered = life.answerBuffer(head);
      }
    } else if (status >= 500) {
      phase = Phase.DISCARDING;
    } else {
      phase = Phase.PASSING_UPSTREAM_ERROR;
      buffered = life.answerBuffer(head);
    }
  }

  private void upstreamContent(HttpContent content) {
    var buf = content.content();
    switch (phase) {
      case STREAMING -> {
        if (!buf.isReadable()) {
          return;
        }
        byte[] bytes = ByteBufUtil.getBytes(buf);
        // the events' bytes go out side by side in one chunk, each array as the restorer made it
        List<byte[]> out = new ArrayList<>(2);
        try {
          sseDecoder.decode(
              bytes, 0, bytes.length, event -> out.add(streamRestorer.restore(event)));
        } catch (SseEventTooLargeException e) {
          throw new ProxyException(
              ProxyError.UPSTREAM_BAD_RESPONSE,
              "The upstream model service sent an oversized event.");
        }
        writeToClient(out);
      }
      case BUFFERING, PASSING_UPSTREAM_ERROR -> {
        life.appendBuffered(buffered, buf);
      }
      default -> {
        // DISCARDING: a 5xx body is not shown to clients; it may describe upstream internals.
      }
    }
  }

  private void upstreamComplete() {
    switch (phase) {
      case STREAMING -> {
        byte[] incomplete = sseDecoder.finish();
        // An event without its closing blank line is passed on as it came; restorers flushed first.
        writeToClient(List.of(streamRestorer.finish(), incomplete));
        life.usage(streamRestorer.usage());
        releaseUpstream(upstreamKeepAlive);
        life.writeEnd();
        done(HttpResponseStatus.OK.code(), "ok");
      }
      case BUFFERING -> {
        byte[] body = buffered.bytes();
        ChatCompletionRestorer restorer =
            new ChatCompletionRestorer(
                sanitized.restoreTable(), life, life.outputCheck(() -> outputFindings++));
        byte[] restored = restorer.restore(body);
        life.usage(restorer.usage());
        releaseUpstream(upstreamKeepAlive);
        int status = upstreamHead.status().code();
        respond(
            status,
            upstreamHead.headers().get(HttpHeaderNames.CONTENT_TYPE, "application/json"),
            restored);
        done(status, "ok");
      }
      case PASSING_UPSTREAM_ERROR -> {
        // The upstream's own error (400, 404, 429...) in OpenAI's shape; it saw tokens only, so
        // it can only quote tokens back.
        byte[] body = buffered.bytes();
        releaseUpstream(upstreamKeepAlive);
        int status = upstreamHead.status().code();
        respond(
            status,
            upstreamHead.headers().get(HttpHeaderNames.CONTENT_TYPE, "application/json"),
            body);
        done(status, "upstream_" + status);
      }
      case DISCARDING -> {
        int status = upstreamHead.status().code();
        releaseUpstream(upstreamKeepAlive);
        fail(
            new ProxyException(
                ProxyError.UPSTREAM_ERROR,
                "The upstream model service failed with status " + status + "."));
      }
      default -> {}
    }
  }

  @Override
  public void onUpstreamIdle() {
    ProxyException timeout =
        new ProxyException(
            ProxyError.UPSTREAM_TIMEOUT, "The upstream model service stopped answering.");
    failAnywhere(timeout);
  }

  @Override
  public void onUpstreamClosed(Throwable cause) {
    if (phase == Phase.DONE) {
      return;
    }
    if (phase == Phase.WAITING_FOR_UPSTREAM && upstreamHead == null) {
      Channel stale = upstream;
      boolean retry = upstreamReused && !retried;
      releaseUpstream(false);
      if (retry && stale != null) {
        // A pooled keep-alive connection the upstream had already closed: nothing was answered, so
        // sending the same request once more on a new connection is safe.
        retried = true;
        cancelResponseTimeout();
        acquireUpstream();
        return;
      }
      fail(
          new ProxyException(
              ProxyError.UPSTREAM_UNREACHABLE,
              "The upstream model service closed the connection without answering."));
      return;
    }
    failAnywhere(
        new ProxyException(
            ProxyError.UPSTREAM_BAD_RESPONSE,
            "The upstream model service closed the connection mid-answer."));
  }

  /** Resumes reading the upstream (backpressure, see writeToClient). */
  @Override
  public void clientWritable() {
    if (upstream != null) {
      upstream.config().setAutoRead(true);
    }
  }

  /** Writes a chunk; stops reading the upstream while the client cannot take more. */
  private void writeToClient(List<byte[]> pieces) {
    int length = 0;
    for (byte[] piece : pieces) {
      length += piece.length;
    }
    if (length == 0) {
      return;
    }
    life.writeContent(pieces);
    if (!ctx.channel().isWritable() && upstream != null) {
      upstream.config().setAutoRead(false);
    }
  }

  private void respond(int status, String contentType, byte[] body) {
    FullHttpResponse response = ExchangeLifecycle.fullResponse(status, contentType, body);
    response.headers().set(RequestIds.HEADER, life.requestId());
    life.respond(response);
  }

  /** Releases the upstream connection as broken: it will not be read again. */
  @Override
  void stopUpstream() {
    releaseUpstream(false);
  }

  private void releaseUpstream(boolean reusable) {
    cancelResponseTimeout();
    Channel channel = upstream;
    if (channel != null) {
      upstream = null;
      channel.config().setAutoRead(true);
      services.openAi().release(channel, reusable);
    }
  }

  private void cancelResponseTimeout() {
    if (responseTimeout != null) {
      responseTimeout.cancel(false);
      responseTimeout = null;
    }
  }

  @Override
  void done(int status, String outcome) {
    cancelResponseTimeout();
    super.done(status, outcome);
  }

  @Override
  String route() {
    return FrontDoorHandler.CHAT_ROUTE;
  }

  @Override
  ExchangeLifecycle.Target target() {
    return sanitized == null
        ? new ExchangeLifecycle.Target(null, null, null, false, 0)
        : new ExchangeLifecycle.Target(
            "openai",
            services.openAi().region(),
            sanitized.model(),
            sanitized.stream(),
            sanitized.findings().size() + outputFindings);
  }
}
