package org.complianceproxy.proxy.server;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.complianceproxy.proxy.audit.PolicyRefusalRecord;
import org.complianceproxy.proxy.audit.RequestSummary;
import org.complianceproxy.proxy.audit.RestoreRecord;
import org.complianceproxy.proxy.bedrock.AnswerRestorer;
import org.complianceproxy.proxy.bedrock.BedrockUpstream;
import org.complianceproxy.proxy.bedrock.ChatToConverse;
import org.complianceproxy.proxy.bedrock.ConverseToChat;
import org.complianceproxy.proxy.bedrock.EventStreamRestorer;
import org.complianceproxy.proxy.chat.SanitizedChat;
import org.complianceproxy.proxy.error.ProxyError;
import org.complianceproxy.proxy.error.ProxyException;
import org.complianceproxy.proxy.restore.RestoreListener;
import org.complianceproxy.proxy.token.TokenLookup.Restoration;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An OpenAI chat completions request whose model routes to Bedrock, taken over from {@link
 * ChatExchange} once the request is sanitized and its findings audited: check residency, translate
 * to Converse ({@link ChatToConverse}), send upstream, restore tokens in the answer and translate
 * it back ({@link ConverseToChat}): {@code chat.completion.chunk} events for a stream, a {@code
 * chat.completion} otherwise. Errors are OpenAI-shaped, Bedrock's own mapped to fitting statuses.
 *
 * <p>Runs on the client connection's event loop; the AWS SDK's callbacks are handed back to it. One
 * upstream buffer is requested at a time, the next once the client is writable.
 */
final class BedrockChatExchange implements Exchange, RestoreListener, BedrockUpstream.Listener {

  private static final Logger log = LoggerFactory.getLogger(BedrockChatExchange.class);

  static final String ROUTE = "openai.chat.completions";

  /** Upstream buffers requested ahead; each is at most one network read. */
  private static final int WINDOW = 32;

  private enum Phase {
    WAITING_FOR_UPSTREAM,
    STREAMING,
    BUFFERING,
    UPSTREAM_ERROR,
    DONE
  }

  private final ChannelHandlerContext ctx;
  private final Services services;
  private final BedrockServices bedrock;
  private final FrontDoorHandler door;
  private final boolean keepAlive;
  private final String requestId;
  private final long startNanos;
  private final String tenant;
  private final SanitizedChat sanitized;
  private final ConverseToChat translator;

  private Phase phase = Phase.WAITING_FOR_UPSTREAM;
  private boolean reachedUpstream;
  private int upstreamStatus;
  private String upstreamErrorType;
  private Subscription subscription;
  // buffers requested from the upstream and not yet received
  private int outstanding;
  private boolean wantMore;
  private ByteArrayOutputStream buffered;
  private EventStreamRestorer streamRestorer;
  private long firstByteNanos = -1;
  private int restores;
  private RequestSummary.Usage usage;

  BedrockChatExchange(
      ChannelHandlerContext ctx,
      Services services,
      FrontDoorHandler door,
      boolean keepAlive,
      String requestId,
      long startNanos,
      String tenant,
      SanitizedChat sanitized) {
    this.ctx = ctx;
    this.services = services;
    this.bedrock = services.bedrock();
    this.door = door;
    this.keepAlive = keepAlive;
    this.requestId = requestId;
    this.startNanos = startNanos;
    this.tenant = tenant;
    this.sanitized = sanitized;
    boolean includeUsage;
    try {
      includeUsage = ChatToConverse.includeUsage(sanitized.upstreamBody());
    } catch (ProxyException e) {
      includeUsage = false;
    }
    this.translator =
        new ConverseToChat(
            "chatcmpl-" + requestId,
            sanitized.model(),
            Instant.now().getEpochSecond(),
            includeUsage);
  }

  void start() {
    byte[] converse;
    try {
      bedrock.residency().check(sanitized.model());
      converse = ChatToConverse.translate(sanitized.upstreamBody());
    } catch (ProxyException e) {
      fail(e);
      return;
    }
    reachedUpstream = true;
    bedrock
        .upstream()
        .send(
            sanitized.model(),
            sanitized.stream() ? "converse-stream" : "converse",
            converse,
            sanitized.stream(),
            this);
  }

  // --- upstream callbacks, on the SDK's threads

  @Override
  public void onHead(int status, Map<String, List<String>> headers) {
    String errorType = null;
    for (Map.Entry<String, List<String>> header : headers.entrySet()) {
      if (header.getKey().equalsIgnoreCase("x-amzn-ErrorType") && !header.getValue().isEmpty()) {
        String value = header.getValue().get(0);
        errorType = value.contains(":") ? value.substring(0, value.indexOf(':')) : value;
      }
    }
    String type = errorType;
    onLoop(() -> upstreamHead(status, type));
  }

  @Override
  public void onBody(Publisher<ByteBuffer> body) {
    body.subscribe(
        new Subscriber<ByteBuffer>() {
          @Override
          public void onSubscribe(Subscription s) {
            onLoop(
                () -> {
                  subscription = s;
                  if (phase == Phase.DONE) {
                    s.cancel();
                  } else {
                    requestMore();
                  }
                });
          }

          @Override
          public void onNext(ByteBuffer buffer) {
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            onLoop(
                () -> {
                  outstanding--;
                  upstreamBytes(bytes);
                });
          }

          @Override
          public void onError(Throwable t) {
            onLoop(() -> upstreamFailed(t));
          }

          @Override
          public void onComplete() {
            onLoop(BedrockChatExchange.this::upstreamComplete);
          }
        });
  }

  @Override
  public void onError(Throwable error) {
    onLoop(() -> upstreamFailed(error));
  }

  private void upstreamHead(int status, String errorType) {
    if (phase != Phase.WAITING_FOR_UPSTREAM) {
      return;
    }
    upstreamStatus = status;
    if (status < 200 || status >= 300) {
      phase = Phase.UPSTREAM_ERROR;
      upstreamErrorType = errorType;
      buffered = new ByteArrayOutputStream();
    } else if (sanitized.stream()) {
      phase = Phase.STREAMING;
      streamRestorer =
          new EventStreamRestorer(
              EventStreamRestorer.Mode.CONVERSE, sanitized.restoreTable(), this);
      HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
      response
          .headers()
          .set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8")
          .set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED)
          .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE)
          .set(RequestIds.HEADER, requestId);
      HttpUtil.setKeepAlive(response, keepAlive);
      ctx.write(response);
    } else {
      phase = Phase.BUFFERING;
      buffered = new ByteArrayOutputStream();
    }
  }

  private void upstreamBytes(byte[] bytes) {
    try {
      switch (phase) {
        case STREAMING -> {
          ByteArrayOutputStream out = new ByteArrayOutputStream();
          streamRestorer.feed(
              ByteBuffer.wrap(bytes), message -> out.writeBytes(translator.event(message)));
          writeToClient(out.toByteArray());
        }
        case BUFFERING, UPSTREAM_ERROR -> {
          if (buffered.size() + (long) bytes.length
              > services.config().limits().maxResponseBytes()) {
            throw new ProxyException(
                ProxyError.UPSTREAM_BAD_RESPONSE,
                "The upstream answer exceeds the limit of "
                    + services.config().limits().maxResponseBytes()
                    + " bytes.");
          }
          buffered.writeBytes(bytes);
        }
        default -> {
          return;
        }
      }
    } catch (ProxyException e) {
      failAnywhere(e);
      return;
    } catch (RuntimeException e) {
      log.warn("request {}: translating the answer failed: {}", requestId, e.getClass().getName());
      failAnywhere(
          new ProxyException(ProxyError.INTERNAL, "The answer could not be processed safely."));
      return;
    }
    requestMore();
  }

  /**
   * Keeps up to {@link #WINDOW} upstream buffers requested while the client is writable: the SDK
   * hands over each network read as one buffer, and asking for them one by one would cost a thread
   * hop per read.
   */
  private void requestMore() {
    if (phase == Phase.DONE || subscription == null) {
      return;
    }
    if (!ctx.channel().isWritable()) {
      wantMore = true;
      return;
    }
    wantMore = false;
    if (outstanding <= WINDOW / 2) {
      subscription.request(WINDOW - outstanding);
      outstanding = WINDOW;
    }
  }

  private void upstreamComplete() {
    try {
      switch (phase) {
        case STREAMING -> {
          ByteArrayOutputStream out = new ByteArrayOutputStream();
          streamRestorer.finish(message -> out.writeBytes(translator.event(message)));
          out.writeBytes(ConverseToChat.done());
          writeToClient(out.toByteArray());
          usage = translator.usage();
          ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
          done(HttpResponseStatus.OK.code(), "ok");
        }
        case BUFFERING -> {
          byte[] restored =
              new AnswerRestorer(sanitized.restoreTable(), this).converse(buffered.toByteArray());
          byte[] completion = translator.completion(restored);
          usage = translator.usage();
          respond(completion);
          done(HttpResponseStatus.OK.code(), "ok");
        }
        case UPSTREAM_ERROR -> fail(mapped(upstreamStatus, upstreamErrorType));
        case WAITING_FOR_UPSTREAM ->
            fail(
                new ProxyException(
                    ProxyError.UPSTREAM_BAD_RESPONSE,
                    "The Bedrock upstream ended the answer before it began."));
        default -> {}
      }
    } catch (RuntimeException e) {
      failAnywhere(
          e instanceof ProxyException p
              ? p
              : new ProxyException(
                  ProxyError.INTERNAL, "The answer could not be processed safely."));
    }
  }

  /** Bedrock's error, in the OpenAI front door's taxonomy; Bedrock's message is not passed on. */
  static ProxyException mapped(int status, String errorType) {
    String type = errorType == null ? "HTTP " + status : errorType;
    ProxyError error =
        switch (type) {
          case "ThrottlingException", "ServiceQuotaExceededException" ->
              ProxyError.UPSTREAM_THROTTLED;
          case "ValidationException", "ResourceNotFoundException" -> ProxyError.UPSTREAM_REJECTED;
          case "AccessDeniedException", "UnrecognizedClientException" ->
              ProxyError.UPSTREAM_ACCESS_DENIED;
          case "ModelNotReadyException" -> ProxyError.MODEL_NOT_READY;
          case "ModelTimeoutException" -> ProxyError.UPSTREAM_TIMEOUT;
          default ->
              status == 429
                  ? ProxyError.UPSTREAM_THROTTLED
                  : status >= 500 ? ProxyError.UPSTREAM_ERROR : ProxyError.UPSTREAM_REJECTED;
        };
    return new ProxyException(error, "The Bedrock upstream refused the request (" + type + ").");
  }

  private void upstreamFailed(Throwable error) {
    if (phase == Phase.DONE) {
      return;
    }
    log.warn("request {}: Bedrock upstream failed: {}", requestId, error.getClass().getName());
    failAnywhere(
        phase == Phase.WAITING_FOR_UPSTREAM
            ? new ProxyException(
                ProxyError.UPSTREAM_UNREACHABLE, "The Bedrock upstream is unreachable.")
            : new ProxyException(
                ProxyError.UPSTREAM_BAD_RESPONSE,
                "The Bedrock upstream closed the connection mid-answer."));
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
    cancelUpstream();
    done(499, "client_closed");
  }

  @Override
  public void clientWritable() {
    if (wantMore) {
      requestMore();
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
  }

  private void respond(byte[] body) {
    FullHttpResponse response =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.wrappedBuffer(body));
    response
        .headers()
        .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
        .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
        .set(RequestIds.HEADER, requestId);
    HttpUtil.setKeepAlive(response, keepAlive);
    firstByteNanos = System.nanoTime();
    ctx.writeAndFlush(response);
  }

  private void failAnywhere(ProxyException e) {
    if (phase == Phase.DONE) {
      return;
    }
    if (phase == Phase.STREAMING) {
      cancelUpstream();
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

  private void fail(ProxyException e) {
    if (phase == Phase.DONE) {
      return;
    }
    if (e.error() == ProxyError.REGION_NOT_ALLOWED) {
      services
          .audit()
          .emit(
              new PolicyRefusalRecord(
                  requestId,
                  tenant,
                  Instant.now(),
                  ROUTE,
                  e.error().code(),
                  e.error().status(),
                  null,
                  null,
                  sanitized.model(),
                  bedrock.residency().region()));
    }
    cancelUpstream();
    if (ctx.channel().isActive()) {
      FullHttpResponse response = ErrorResponses.openAi(e.error(), e.getMessage(), requestId);
      HttpUtil.setKeepAlive(response, keepAlive);
      firstByteNanos = System.nanoTime();
      ctx.writeAndFlush(response);
    }
    done(e.error().status(), e.error().code());
  }

  private void cancelUpstream() {
    if (subscription != null) {
      subscription.cancel();
    }
  }

  private void done(int status, String outcome) {
    phase = Phase.DONE;
    long latency = System.nanoTime() - startNanos;
    services
        .audit()
        .emit(
            new RequestSummary(
                requestId,
                tenant,
                Instant.now(),
                ROUTE,
                reachedUpstream ? "bedrock" : null,
                reachedUpstream ? bedrock.upstream().region() : null,
                sanitized.model(),
                sanitized.stream(),
                status,
                outcome,
                TimeUnit.NANOSECONDS.toMillis(latency),
                firstByteNanos < 0
                    ? -1
                    : TimeUnit.NANOSECONDS.toMillis(firstByteNanos - startNanos),
                sanitized.findings().size(),
                restores,
                usage));
    services.metrics().requestEnded(ROUTE, status, outcome, latency);
    door.exchangeDone(this, keepAlive && ctx.channel().isActive());
  }

  private void onLoop(Runnable task) {
    if (ctx.executor().inEventLoop()) {
      task.run();
    } else {
      ctx.executor().execute(task);
    }
  }
}
