package org.complianceproxy.proxy.server;

import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.complianceproxy.proxy.bedrock.AnswerRestorer;
import org.complianceproxy.proxy.bedrock.BedrockSanitizer;
import org.complianceproxy.proxy.bedrock.EventStreamRestorer;
import org.complianceproxy.proxy.bedrock.SanitizedBedrock;
import org.complianceproxy.proxy.bedrock.SigV4Verifier;
import org.complianceproxy.proxy.error.ProxyError;
import org.complianceproxy.proxy.error.ProxyException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request of the native Bedrock front door ({@code POST /model/{modelId}/converse}, {@code
 * /converse-stream}, {@code /invoke}, {@code /invoke-with-response-stream}) from the aggregated
 * client request to the last byte of the answer: verify the SigV4 signature of a proxy-issued key
 * pair, check residency, sanitize, send upstream signed with the proxy's own credentials, apply the
 * tenant's output policy and restore tokens in the answer (event-stream frames re-encoded as they
 * come) and audit every step.
 *
 * <p>Runs on the client connection's event loop; the sanitizer's and the AWS SDK's callbacks are
 * handed back to it ({@link BedrockAnswer} also sets the demand on the upstream body). What every
 * exchange shares is in {@link ExchangeLifecycle}. Buffers: the client request is released by
 * {@link FrontDoorHandler}; upstream buffers are copied; everything written to the client is
 * released by the pipeline.
 */
final class BedrockExchange extends AbstractExchange implements BedrockAnswer.Sink {

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

  private final Services services;
  private final BedrockServices bedrock;
  private final Operation operation;
  private final String modelId;
  // the answer's callbacks and demand
  private final BedrockAnswer answer;

  private SanitizedBedrock sanitized;
  private boolean reachedUpstream;
  private int upstreamStatus;
  private String upstreamErrorType;
  private ByteArrayOutputStream buffered;
  private EventStreamRestorer streamRestorer;
  // findings of the output policy in the answer, for the summary
  private int outputFindings;

  BedrockExchange(
      ChannelHandlerContext ctx,
      Services services,
      FrontDoorHandler door,
      boolean keepAlive,
      Operation operation,
      String modelId) {
    super(
        ctx,
        services,
        door,
        keepAlive,
        RequestIds.next(),
        System.nanoTime(),
        Phase.SANITIZING,
        ErrorResponses.Format.BEDROCK);
    this.services = services;
    this.bedrock = services.bedrock();
    this.operation = operation;
    this.modelId = modelId;
    this.answer = new BedrockAnswer(life, ctx.channel(), this);
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
      life.tenant(bedrock.verifier().verify(signedRequest(request, body)));
      life.requireAudit();
      bedrock.residency().check(modelId);
    } catch (ProxyException e) {
      fail(e);
      return;
    }
    CompletableFuture<SanitizedBedrock> sanitizing;
    try {
      sanitizing =
          bedrock.sanitizer().sanitize(life.tenant(), life.requestId(), operation.format, body);
    } catch (RuntimeException e) {
      sanitizing = CompletableFuture.failedFuture(e);
    }
    sanitizing.whenComplete((result, error) -> life.onLoop(() -> sanitized(result, error)));
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
    if (!sanitizingSucceeded(error)) {
      return;
    }
    if (!findingsAudited(result.findings())) {
      return;
    }
    sanitized = result;
    phase = Phase.WAITING_FOR_UPSTREAM;
    reachedUpstream = true;
    bedrock
        .upstream()
        .send(modelId, operation.path, result.upstreamBody(), operation.stream, answer);
  }

  @Override
  public void head(int status, String errorType) {
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
                life,
                life.outputCheck(() -> outputFindings++));
        HttpResponse response =
            new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        response
            .headers()
            .set(HttpHeaderNames.CONTENT_TYPE, EVENT_STREAM)
            .set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED)
            .set("x-amzn-RequestId", life.requestId())
            .set(RequestIds.HEADER, life.requestId());
        life.writeHead(response);
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

  @Override
  public void bytes(byte[] bytes) {
    Runnable step =
        switch (phase) {
          case STREAMING -> () -> life.writeContent(streamRestorer.feed(ByteBuffer.wrap(bytes)));
          case BUFFERING, PASSING_UPSTREAM_ERROR -> () -> life.appendBuffered(buffered, bytes);
          default -> null;
        };
    if (step != null && answerStep("restoring", step)) {
      answer.requestMore();
    }
  }

  @Override
  public void complete() {
    try {
      switch (phase) {
        case STREAMING -> {
          life.writeContent(streamRestorer.finish());
          life.usage(streamRestorer.usage());
          life.writeEnd();
          done(HttpResponseStatus.OK.code(), "ok");
        }
        case BUFFERING -> {
          AnswerRestorer restorer =
              new AnswerRestorer(
                  sanitized.restoreTable(), life, life.outputCheck(() -> outputFindings++));
          byte[] body = buffered.toByteArray();
          byte[] restored =
              operation.format == BedrockSanitizer.Format.CONVERSE
                  ? restorer.converse(body)
                  : restorer.anthropic(body);
          life.usage(restorer.usage());
          respond(upstreamStatus, null, restored);
          done(upstreamStatus, "ok");
        }
        case PASSING_UPSTREAM_ERROR -> {
          // Bedrock's own error; it saw tokens only, so it can only quote tokens back.
          respond(upstreamStatus, upstreamErrorType, buffered.toByteArray());
          done(upstreamStatus, "upstream_" + upstreamStatus);
        }
        case WAITING_FOR_UPSTREAM -> fail(BedrockAnswer.endedBeforeHead());
        default -> {}
      }
    } catch (RuntimeException e) {
      failAnywhere(asProxyException(e));
    }
  }

  @Override
  public void failed(Throwable error) {
    if (phase == Phase.DONE) {
      return;
    }
    Throwable cause = ExchangeLifecycle.unwrap(error);
    log.warn(
        "request {}: Bedrock upstream failed: {}", life.requestId(), cause.getClass().getName());
    boolean timeout =
        cause instanceof java.util.concurrent.TimeoutException
            || cause.getClass().getName().contains("Timeout");
    failAnywhere(
        timeout
            ? new ProxyException(
                ProxyError.UPSTREAM_TIMEOUT, "The Bedrock upstream did not answer in time.")
            : BedrockAnswer.lost(phase == Phase.WAITING_FOR_UPSTREAM));
  }

  @Override
  public void clientWritable() {
    answer.clientWritable();
  }

  private void respond(int status, String errorType, byte[] body) {
    FullHttpResponse response = ExchangeLifecycle.fullResponse(status, "application/json", body);
    response
        .headers()
        .set("x-amzn-RequestId", life.requestId())
        .set(RequestIds.HEADER, life.requestId());
    if (errorType != null) {
      response.headers().set("x-amzn-ErrorType", errorType);
    }
    life.respond(response);
  }

  @Override
  void stopUpstream() {
    answer.cancel();
  }

  @Override
  void beforeErrorResponse(ProxyException e) {
    if (bedrock != null) {
      life.auditRegionRefusal(e, operation.route, modelId, bedrock.residency().region());
    }
  }

  @Override
  String route() {
    return operation.route;
  }

  @Override
  ExchangeLifecycle.Target target() {
    return new ExchangeLifecycle.Target(
        reachedUpstream ? "bedrock" : null,
        reachedUpstream ? bedrock.upstream().region() : null,
        modelId,
        operation.stream,
        sanitized == null ? 0 : sanitized.findings().size() + outputFindings);
  }

  /** Decodes the model id of {@code /model/{modelId}/...}, which arrives percent-encoded. */
  static String decodeModelId(String rawSegment) {
    return QueryStringDecoder.decodeComponent(rawSegment);
  }
}
