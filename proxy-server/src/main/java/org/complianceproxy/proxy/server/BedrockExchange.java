package org.complianceproxy.proxy.server;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.complianceproxy.proxy.audit.FindingRecord;
import org.complianceproxy.proxy.audit.PolicyRefusalRecord;
import org.complianceproxy.proxy.audit.RequestSummary;
import org.complianceproxy.proxy.audit.RestoreRecord;
import org.complianceproxy.proxy.bedrock.AnswerRestorer;
import org.complianceproxy.proxy.bedrock.BedrockSanitizer;
import org.complianceproxy.proxy.bedrock.BedrockUpstream;
import org.complianceproxy.proxy.bedrock.EventStreamFrames;
import org.complianceproxy.proxy.bedrock.EventStreamRestorer;
import org.complianceproxy.proxy.bedrock.SanitizedBedrock;
import org.complianceproxy.proxy.bedrock.SigV4Verifier;
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
 * One request of the native Bedrock front door ({@code POST /model/{modelId}/converse}, {@code
 * /converse-stream}, {@code /invoke}, {@code /invoke-with-response-stream}) from the aggregated
 * client request to the last byte of the answer: verify the SigV4 signature of a proxy-issued key
 * pair, check residency, sanitize, send upstream signed with the proxy's own credentials, restore
 * tokens in the answer (event-stream frames re-encoded as they come) and audit every step.
 *
 * <p>Runs on the client connection's event loop; the sanitizer's and the AWS SDK's callbacks are
 * handed back to it. Backpressure: one upstream buffer is requested at a time, the next once the
 * client connection is writable. Buffers: the client request is released by {@link
 * FrontDoorHandler}; upstream buffers are copied; everything written to the client is released by
 * the pipeline.
 */
final class BedrockExchange implements Exchange, RestoreListener, BedrockUpstream.Listener {

  private static final Logger log = LoggerFactory.getLogger(BedrockExchange.class);

  static final String EVENT_STREAM = "application/vnd.amazon.eventstream";

  /** The four operations: path segment, audit route, body format, streamed or not. */
  enum Operation {
    CONVERSE("converse", "bedrock.converse", BedrockSanitizer.Format.CONVERSE, false),
    CONVERSE_STREAM(
        "converse-stream", "bedrock.converse_stream", BedrockSanitizer.Format.CONVERSE, true),
    INVOKE("invoke", "bedrock.invoke", BedrockSanitizer.Format.ANTHROPIC_MESSAGES, false),
    INVOKE_STREAM(
        "invoke-with-response-stream",
        "bedrock.invoke_with_response_stream",
        BedrockSanitizer.Format.ANTHROPIC_MESSAGES,
        true);

    final String path;
    final String route;
    final BedrockSanitizer.Format format;
    final boolean stream;

    Operation(String path, String route, BedrockSanitizer.Format format, boolean stream) {
      this.path = path;
      this.route = route;
      this.format = format;
      this.stream = stream;
    }

    static Operation of(String path) {
      for (Operation operation : values()) {
        if (operation.path.equals(path)) {
          return operation;
        }
      }
      return null;
    }
  }

  /** Upstream buffers requested ahead; each is at most one network read. */
  private static final int WINDOW = 32;

  private enum Phase {
    SANITIZING,
    WAITING_FOR_UPSTREAM,
    STREAMING,
    BUFFERING,
    PASSING_UPSTREAM_ERROR,
    DONE
  }

  private final ChannelHandlerContext ctx;
  private final Services services;
  private final BedrockServices bedrock;
  private final FrontDoorHandler door;
  private final boolean keepAlive;
  private final Operation operation;
  private final String modelId;
  private final String requestId = RequestIds.next();
  private final long startNanos = System.nanoTime();

  private Phase phase = Phase.SANITIZING;
  private String tenant;
  private SanitizedBedrock sanitized;
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

  BedrockExchange(
      ChannelHandlerContext ctx,
      Services services,
      FrontDoorHandler door,
      boolean keepAlive,
      Operation operation,
      String modelId) {
    this.ctx = ctx;
    this.services = services;
    this.bedrock = services.bedrock();
    this.door = door;
    this.keepAlive = keepAlive;
    this.operation = operation;
    this.modelId = modelId;
  }

  /** Verifies, checks and starts sanitizing; the request stays owned by the caller. */
  void start(FullHttpRequest request) {
    services.metrics().requestStarted();
    byte[] body = ByteBufUtil.getBytes(request.content());
    try {
      if (bedrock == null) {
        throw new ProxyException(
            ProxyError.NOT_FOUND, "The Bedrock front door is not configured on this proxy.");
      }
      tenant = bedrock.verifier().verify(signedRequest(request, body));
      if (services.config().audit().strict() && !services.audit().healthy()) {
        throw new ProxyException(
            ProxyError.AUDIT_UNAVAILABLE,
            "The audit trail cannot be written right now, so the request was refused.");
      }
      bedrock.residency().check(modelId);
    } catch (ProxyException e) {
      fail(e);
      return;
    }
    CompletableFuture<SanitizedBedrock> sanitizing;
    try {
      sanitizing = bedrock.sanitizer().sanitize(tenant, requestId, operation.format, body);
    } catch (RuntimeException e) {
      sanitizing = CompletableFuture.failedFuture(e);
    }
    sanitizing.whenComplete((result, error) -> onLoop(() -> sanitized(result, error)));
  }

  private static SigV4Verifier.SignedRequest signedRequest(FullHttpRequest request, byte[] body) {
    Map<String, List<String>> headers = new TreeMap<>();
    for (Map.Entry<String, String> header : request.headers()) {
      headers
          .computeIfAbsent(header.getKey().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
          .add(header.getValue());
    }
    String uri = request.uri();
    int query = uri.indexOf('?');
    return new SigV4Verifier.SignedRequest(
        request.method().name(),
        query < 0 ? uri : uri.substring(0, query),
        query < 0 ? "" : uri.substring(query + 1),
        headers,
        body);
  }

  private void sanitized(SanitizedBedrock result, Throwable error) {
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
    phase = Phase.WAITING_FOR_UPSTREAM;
    reachedUpstream = true;
    bedrock.upstream().send(modelId, operation.path, result.upstreamBody(), operation.stream, this);
  }

  // --- upstream callbacks, on the SDK's threads: each hops to the event loop

  @Override
  public void onHead(int status, Map<String, List<String>> headers) {
    String errorType = first(headers, "x-amzn-ErrorType");
    onLoop(() -> upstreamHead(status, errorType));
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
            onLoop(BedrockExchange.this::upstreamComplete);
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
    if (status >= 200 && status < 300) {
      if (operation.stream) {
        phase = Phase.STREAMING;
        streamRestorer =
            new EventStreamRestorer(
                operation.format == BedrockSanitizer.Format.CONVERSE
                    ? EventStreamRestorer.Mode.CONVERSE
                    : EventStreamRestorer.Mode.INVOKE,
                sanitized.restoreTable(),
                this);
        HttpResponse response =
            new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        response
            .headers()
            .set(HttpHeaderNames.CONTENT_TYPE, EVENT_STREAM)
            .set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED)
            .set("x-amzn-RequestId", requestId)
            .set(RequestIds.HEADER, requestId);
        HttpUtil.setKeepAlive(response, keepAlive);
        ctx.write(response);
      } else {
        phase = Phase.BUFFERING;
        buffered = new ByteArrayOutputStream();
      }
    } else {
      phase = Phase.PASSING_UPSTREAM_ERROR;
      upstreamErrorType = errorType;
      buffered = new ByteArrayOutputStream();
    }
  }

  private void upstreamBytes(byte[] bytes) {
    try {
      switch (phase) {
        case STREAMING -> writeToClient(streamRestorer.feed(ByteBuffer.wrap(bytes)));
        case BUFFERING, PASSING_UPSTREAM_ERROR -> {
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
      log.warn("request {}: restoring the answer failed: {}", requestId, e.getClass().getName());
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
          writeToClient(streamRestorer.finish());
          usage = streamRestorer.usage();
          ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
          done(HttpResponseStatus.OK.code(), "ok");
        }
        case BUFFERING -> {
          AnswerRestorer restorer = new AnswerRestorer(sanitized.restoreTable(), this);
          byte[] body = buffered.toByteArray();
          byte[] restored =
              operation.format == BedrockSanitizer.Format.CONVERSE
                  ? restorer.converse(body)
                  : restorer.anthropic(body);
          usage = restorer.usage();
          respond(upstreamStatus, "application/json", null, restored);
          done(upstreamStatus, "ok");
        }
        case PASSING_UPSTREAM_ERROR -> {
          // Bedrock's own error; it saw tokens only, so it can only quote tokens back.
          respond(upstreamStatus, "application/json", upstreamErrorType, buffered.toByteArray());
          done(upstreamStatus, "upstream_" + upstreamStatus);
        }
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

  private void upstreamFailed(Throwable error) {
    if (phase == Phase.DONE) {
      return;
    }
    Throwable cause = unwrap(error);
    log.warn("request {}: Bedrock upstream failed: {}", requestId, cause.getClass().getName());
    boolean timeout =
        cause instanceof java.util.concurrent.TimeoutException
            || cause.getClass().getName().contains("Timeout");
    failAnywhere(
        timeout
            ? new ProxyException(
                ProxyError.UPSTREAM_TIMEOUT, "The Bedrock upstream did not answer in time.")
            : phase == Phase.WAITING_FOR_UPSTREAM
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

  private void respond(int status, String contentType, String errorType, byte[] body) {
    FullHttpResponse response =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status), Unpooled.wrappedBuffer(body));
    response
        .headers()
        .set(HttpHeaderNames.CONTENT_TYPE, contentType)
        .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
        .set("x-amzn-RequestId", requestId)
        .set(RequestIds.HEADER, requestId);
    if (errorType != null) {
      response.headers().set("x-amzn-ErrorType", errorType);
    }
    HttpUtil.setKeepAlive(response, keepAlive);
    firstByteNanos = System.nanoTime();
    ctx.writeAndFlush(response);
  }

  /**
   * Fails whether or not the response head is gone. Mid-stream, an event-stream exception frame
   * tells the SDK what happened, and the chunked response still ends cleanly.
   */
  private void failAnywhere(ProxyException e) {
    if (phase == Phase.DONE) {
      return;
    }
    if (phase == Phase.STREAMING) {
      cancelUpstream();
      writeToClient(
          EventStreamFrames.exception(ErrorResponses.bedrockErrorType(e.error()), e.getMessage()));
      ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
      done(HttpResponseStatus.OK.code(), e.error().code());
      return;
    }
    fail(e);
  }

  /** Fails before any response byte was sent: an error in Bedrock's shape. */
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
                  operation.route,
                  e.error().code(),
                  e.error().status(),
                  null,
                  null,
                  modelId,
                  bedrock.residency().region()));
    }
    cancelUpstream();
    if (ctx.channel().isActive()) {
      FullHttpResponse response = ErrorResponses.bedrock(e.error(), e.getMessage(), requestId);
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
                operation.route,
                reachedUpstream ? "bedrock" : null,
                reachedUpstream ? bedrock.upstream().region() : null,
                modelId,
                operation.stream,
                status,
                outcome,
                TimeUnit.NANOSECONDS.toMillis(latency),
                firstByteNanos < 0
                    ? -1
                    : TimeUnit.NANOSECONDS.toMillis(firstByteNanos - startNanos),
                sanitized == null ? 0 : sanitized.findings().size(),
                restores,
                usage));
    services.metrics().requestEnded(operation.route, status, outcome, latency);
    door.exchangeDone(this, keepAlive && ctx.channel().isActive());
  }

  private void onLoop(Runnable task) {
    if (ctx.executor().inEventLoop()) {
      task.run();
    } else {
      ctx.executor().execute(task);
    }
  }

  private static String first(Map<String, List<String>> headers, String name) {
    for (Map.Entry<String, List<String>> header : headers.entrySet()) {
      if (header.getKey().equalsIgnoreCase(name) && !header.getValue().isEmpty()) {
        String value = header.getValue().get(0);
        int colon = value.indexOf(':');
        return colon >= 0 ? value.substring(0, colon) : value;
      }
    }
    return null;
  }

  private static Throwable unwrap(Throwable error) {
    Throwable cause = error;
    while ((cause instanceof CompletionException || cause instanceof ExecutionException)
        && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }

  private ProxyException asProxyException(Throwable error) {
    Throwable cause = unwrap(error);
    if (cause instanceof ProxyException e) {
      return e;
    }
    log.warn("request {}: sanitizing failed: {}", requestId, cause.getClass().getName());
    return new ProxyException(
        ProxyError.SANITIZER_FAILED, "The request could not be checked, so it was not forwarded.");
  }

  /** Decodes the model id of {@code /model/{modelId}/...}, which arrives percent-encoded. */
  static String decodeModelId(String rawSegment) {
    return QueryStringDecoder.decodeComponent(rawSegment);
  }
}
