package org.complianceproxy.proxy.server;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.complianceproxy.proxy.audit.FindingRecord;
import org.complianceproxy.proxy.audit.RequestSummary;
import org.complianceproxy.proxy.audit.RestoreRecord;
import org.complianceproxy.proxy.chat.ChatCompletionRestorer;
import org.complianceproxy.proxy.chat.ChatStreamRestorer;
import org.complianceproxy.proxy.chat.SanitizedChat;
import org.complianceproxy.proxy.error.ProxyError;
import org.complianceproxy.proxy.error.ProxyException;
import org.complianceproxy.proxy.restore.RestoreListener;
import org.complianceproxy.proxy.sse.SseDecoder;
import org.complianceproxy.proxy.sse.SseEventTooLargeException;
import org.complianceproxy.proxy.token.TokenLookup.Restoration;
import org.complianceproxy.proxy.upstream.OpenAiUpstream;
import org.complianceproxy.proxy.upstream.UpstreamListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One OpenAI chat completions request, from the aggregated client request to the last byte of the
 * answer: authenticate, sanitize (scan, tokenize, vault), forward on a pooled upstream connection,
 * restore tokens in the answer as it streams, and audit every step. Runs on the client connection's
 * event loop; the only other thread involved completes the sanitizer's future, and its result is
 * handed back to the loop.
 *
 * <p>Buffers: the client request is released by {@link FrontDoorHandler} after {@link #start}
 * copied the body; every upstream message is released in {@link #onUpstreamMessage}; every buffer
 * written to the client is released by the pipeline.
 */
final class ChatExchange implements Exchange, UpstreamListener, RestoreListener {

  private static final Logger log = LoggerFactory.getLogger(ChatExchange.class);

  /**
   * Where the exchange stands; every step checks it, so late callbacks after the end do nothing.
   */
  private enum Phase {
    SANITIZING,
    WAITING_FOR_UPSTREAM,
    STREAMING,
    BUFFERING,
    PASSING_UPSTREAM_ERROR,
    DISCARDING,
    DONE
  }

  private final ChannelHandlerContext ctx;
  private final Services services;
  private final FrontDoorHandler door;
  private final boolean keepAlive;
  private final String requestId = RequestIds.next();
  private final long startNanos = System.nanoTime();

  private Phase phase = Phase.SANITIZING;
  private String tenant;
  private SanitizedChat sanitized;
  private Channel upstream;
  private boolean upstreamReused;
  private boolean retried;
  private ScheduledFuture<?> responseTimeout;
  private HttpResponse upstreamHead;
  private boolean upstreamKeepAlive;
  private ByteArrayOutputStream buffered;
  private SseDecoder sseDecoder;
  private ChatStreamRestorer streamRestorer;
  private long firstByteNanos = -1;
  private int restores;
  private RequestSummary.Usage usage;

  ChatExchange(
      ChannelHandlerContext ctx, Services services, FrontDoorHandler door, boolean keepAlive) {
    this.ctx = ctx;
    this.services = services;
    this.door = door;
    this.keepAlive = keepAlive;
  }

  /** Authenticates and starts sanitizing; the request stays owned by the caller. */
  void start(FullHttpRequest request) {
    services.metrics().requestStarted();
    try {
      tenant =
          services
              .authenticator()
              .authenticate(request.headers().get(HttpHeaderNames.AUTHORIZATION));
    } catch (ProxyException e) {
      fail(e);
      return;
    }
    if (services.config().audit().strict() && !services.audit().healthy()) {
      fail(
          new ProxyException(
              ProxyError.AUDIT_UNAVAILABLE,
              "The audit trail cannot be written right now, so the request was refused."));
      return;
    }
    byte[] body = ByteBufUtil.getBytes(request.content());
    CompletableFuture<SanitizedChat> sanitizing;
    try {
      sanitizing = services.sanitizer().sanitize(tenant, requestId, body);
    } catch (RuntimeException e) {
      sanitizing = CompletableFuture.failedFuture(e);
    }
    sanitizing.whenComplete(
        (result, error) -> {
          if (ctx.executor().inEventLoop()) {
            sanitized(result, error);
          } else {
            ctx.executor().execute(() -> sanitized(result, error));
          }
        });
  }

  private void sanitized(SanitizedChat result, Throwable error) {
    if (phase != Phase.SANITIZING) {
      return;
    }
    if (error != null) {
      fail(asProxyException(error));
      return;
    }
    sanitized = result;
    for (FindingRecord finding : result.findings()) {
      services.audit().emit(finding);
      services.metrics().finding(finding.entityType(), finding.action());
    }
    if (services.bedrock() != null && services.bedrock().routes().toBedrock(result.model())) {
      // Routed to Bedrock: the sanitized chat and the request's identity move to that exchange.
      phase = Phase.DONE;
      door.handOver(
          this,
          new BedrockChatExchange(
              ctx, services, door, keepAlive, requestId, startNanos, tenant, result));
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
                    requestId))
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
      if (phase == Phase.DONE) {
        return;
      }
      if (msg instanceof HttpResponse head) {
        upstreamHead(head);
      }
      if (msg instanceof HttpContent content && phase != Phase.DONE) {
        upstreamContent(content);
        if (msg instanceof LastHttpContent && phase != Phase.DONE) {
          upstreamComplete();
        }
      }
    } catch (ProxyException e) {
      failAnywhere(e);
    } catch (RuntimeException e) {
      log.warn("request {}: restoring the answer failed: {}", requestId, e.getClass().getName());
      failAnywhere(
          new ProxyException(ProxyError.INTERNAL, "The answer could not be processed safely."));
    } finally {
      ReferenceCountUtil.release(msg);
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
        streamRestorer = new ChatStreamRestorer(sanitized.restoreTable(), this);
        HttpResponse response =
            new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        response
            .headers()
            .set(HttpHeaderNames.CONTENT_TYPE, contentType)
            .set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED)
            .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE)
            .set(RequestIds.HEADER, requestId);
        HttpUtil.setKeepAlive(response, keepAlive);
        ctx.write(response);
      } else {
        phase = Phase.BUFFERING;
        buffered = new ByteArrayOutputStream();
      }
    } else if (status >= 500) {
      phase = Phase.DISCARDING;
    } else {
      phase = Phase.PASSING_UPSTREAM_ERROR;
      buffered = new ByteArrayOutputStream();
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
        ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length + 64);
        try {
          sseDecoder.decode(
              bytes, 0, bytes.length, event -> out.writeBytes(streamRestorer.restore(event)));
        } catch (SseEventTooLargeException e) {
          throw new ProxyException(
              ProxyError.UPSTREAM_BAD_RESPONSE,
              "The upstream model service sent an oversized event.");
        }
        writeToClient(out.toByteArray());
      }
      case BUFFERING, PASSING_UPSTREAM_ERROR -> {
        if (buffered.size() + (long) buf.readableBytes()
            > services.config().limits().maxResponseBytes()) {
          throw new ProxyException(
              ProxyError.UPSTREAM_BAD_RESPONSE,
              "The upstream answer exceeds the limit of "
                  + services.config().limits().maxResponseBytes()
                  + " bytes.");
        }
        buffered.writeBytes(ByteBufUtil.getBytes(buf));
      }
      default -> {
        // DISCARDING: a 5xx body is not shown to clients; it may describe upstream internals.
      }
    }
  }

  private void upstreamComplete() {
    switch (phase) {
      case STREAMING -> {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] incomplete = sseDecoder.finish();
        out.writeBytes(streamRestorer.finish());
        // An event without its closing blank line is passed on as it came; restorers flushed first.
        out.writeBytes(incomplete);
        writeToClient(out.toByteArray());
        usage = streamRestorer.usage();
        releaseUpstream(upstreamKeepAlive);
        ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        done(HttpResponseStatus.OK.code(), "ok");
      }
      case BUFFERING -> {
        byte[] body = buffered.toByteArray();
        ChatCompletionRestorer restorer =
            new ChatCompletionRestorer(sanitized.restoreTable(), this);
        byte[] restored = restorer.restore(body);
        usage = restorer.usage();
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
        byte[] body = buffered.toByteArray();
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

  @Override
  public void restored(String token, Restoration restoration, String field) {
    restores++;
    services.metrics().restore(restoration.type().name());
    services
        .audit()
        .emit(
            new RestoreRecord(
                requestId,
                tenant,
                Instant.now(),
                restoration.type().name(),
                token,
                restoration.source(),
                field));
  }

  @Override
  public void clientClosed() {
    if (phase == Phase.DONE) {
      return;
    }
    releaseUpstream(false);
    done(499, "client_closed");
  }

  /** Resumes reading the upstream (backpressure, see writeToClient). */
  @Override
  public void clientWritable() {
    if (upstream != null) {
      upstream.config().setAutoRead(true);
    }
  }

  private void writeToClient(byte[] bytes) {
    if (bytes.length == 0) {
      return;
    }
    if (firstByteNanos < 0) {
      firstByteNanos = System.nanoTime();
    }
    ctx.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(bytes)));
    if (!ctx.channel().isWritable() && upstream != null) {
      upstream.config().setAutoRead(false);
    }
  }

  private void respond(int status, String contentType, byte[] body) {
    FullHttpResponse response =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status), Unpooled.wrappedBuffer(body));
    response
        .headers()
        .set(HttpHeaderNames.CONTENT_TYPE, contentType)
        .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
        .set(RequestIds.HEADER, requestId);
    HttpUtil.setKeepAlive(response, keepAlive);
    firstByteNanos = System.nanoTime();
    ctx.writeAndFlush(response);
  }

  /** Fails the exchange whether or not the client has already received the response head. */
  private void failAnywhere(ProxyException e) {
    if (phase == Phase.DONE) {
      return;
    }
    if (phase == Phase.STREAMING) {
      releaseUpstream(false);
      // The status line is gone; an error event in OpenAI's shape tells SDKs what happened, and the
      // chunked response still ends cleanly so the connection stays usable.
      String event =
          "data: "
              + new String(
                  ErrorResponses.openAiJson(e.error(), e.getMessage()), StandardCharsets.UTF_8)
              + "\n\n";
      writeToClient(event.getBytes(StandardCharsets.UTF_8));
      ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
      done(HttpResponseStatus.OK.code(), e.error().code());
      return;
    }
    fail(e);
  }

  /** Fails before any response byte was sent: an error response in the front door's format. */
  private void fail(ProxyException e) {
    if (phase == Phase.DONE) {
      return;
    }
    releaseUpstream(false);
    if (ctx.channel().isActive()) {
      FullHttpResponse response = ErrorResponses.openAi(e.error(), e.getMessage(), requestId);
      HttpUtil.setKeepAlive(response, keepAlive);
      firstByteNanos = System.nanoTime();
      ctx.writeAndFlush(response);
    }
    done(e.error().status(), e.error().code());
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

  private void done(int status, String outcome) {
    phase = Phase.DONE;
    cancelResponseTimeout();
    long now = System.nanoTime();
    long latency = now - startNanos;
    services
        .audit()
        .emit(
            new RequestSummary(
                requestId,
                tenant,
                Instant.now(),
                FrontDoorHandler.CHAT_ROUTE,
                sanitized == null ? null : "openai",
                sanitized == null ? null : services.openAi().region(),
                sanitized == null ? null : sanitized.model(),
                sanitized != null && sanitized.stream(),
                status,
                outcome,
                TimeUnit.NANOSECONDS.toMillis(latency),
                firstByteNanos < 0
                    ? -1
                    : TimeUnit.NANOSECONDS.toMillis(firstByteNanos - startNanos),
                sanitized == null ? 0 : sanitized.findings().size(),
                restores,
                usage));
    services.metrics().requestEnded(FrontDoorHandler.CHAT_ROUTE, status, outcome, latency);
    door.exchangeDone(this, keepAlive && ctx.channel().isActive());
  }

  private ProxyException asProxyException(Throwable error) {
    Throwable cause = error;
    while ((cause instanceof CompletionException || cause instanceof ExecutionException)
        && cause.getCause() != null) {
      cause = cause.getCause();
    }
    if (cause instanceof ProxyException e) {
      return e;
    }
    // Fail closed, and log only the exception's class: messages of parsers quote their input.
    log.warn("request {}: sanitizing failed: {}", requestId, cause.getClass().getName());
    return new ProxyException(
        ProxyError.SANITIZER_FAILED, "The request could not be checked, so it was not forwarded.");
  }
}
