package org.complianceproxy.proxy.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.complianceproxy.proxy.bedrock.AnswerRestorer;
import org.complianceproxy.proxy.bedrock.ChatToConverse;
import org.complianceproxy.proxy.bedrock.ConverseToChat;
import org.complianceproxy.proxy.bedrock.EventStreamRestorer;
import org.complianceproxy.proxy.chat.SanitizedChat;
import org.complianceproxy.proxy.error.ProxyError;
import org.complianceproxy.proxy.error.ProxyException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An OpenAI chat completions request whose model routes to Bedrock, taken over from {@link
 * ChatExchange} once the request is sanitized and its findings audited: check residency, translate
 * to Converse ({@link ChatToConverse}), send upstream, apply the output policy and restore tokens
 * in the answer and translate it back ({@link ConverseToChat}): {@code chat.completion.chunk}
 * events for a stream, a {@code chat.completion} otherwise. Errors are OpenAI-shaped, Bedrock's own
 * mapped to fitting statuses.
 *
 * <p>Runs on the client connection's event loop; the AWS SDK's callbacks are handed back to it by
 * {@link BedrockAnswer}, which also sets the demand on the upstream body. What every exchange
 * shares is in {@link ExchangeLifecycle}. Buffers: upstream buffers are copied; everything written
 * to the client is released by the pipeline.
 */
final class BedrockChatExchange extends AbstractExchange implements BedrockAnswer.Sink {

  private static final Logger log = LoggerFactory.getLogger(BedrockChatExchange.class);

  static final String ROUTE = "openai.chat.completions";

  private final BedrockServices bedrock;
  private final SanitizedChat sanitized;
  private final ConverseToChat translator;
  // the answer's callbacks and demand
  private final BedrockAnswer answer;

  private boolean reachedUpstream;
  private int upstreamStatus;
  private String upstreamErrorType;
  private ByteArrayOutputStream buffered;
  private EventStreamRestorer streamRestorer;
  // findings of the output policy in the answer, for the summary
  private int outputFindings;

  BedrockChatExchange(
      ChannelHandlerContext ctx,
      Services services,
      FrontDoorHandler door,
      boolean keepAlive,
      String requestId,
      long startNanos,
      String tenant,
      SanitizedChat sanitized) {
    super(
        ctx,
        services,
        door,
        keepAlive,
        requestId,
        startNanos,
        Phase.WAITING_FOR_UPSTREAM,
        ErrorResponses.Format.OPENAI);
    this.bedrock = services.bedrock();
    this.sanitized = sanitized;
    life.tenant(tenant);
    this.answer = new BedrockAnswer(life, ctx.channel(), this);
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
            answer);
  }

  @Override
  public void head(int status, String errorType) {
    if (phase != Phase.WAITING_FOR_UPSTREAM) {
      return;
    }
    upstreamStatus = status;
    if (status < 200 || status >= 300) {
      phase = Phase.MAPPING_UPSTREAM_ERROR;
      upstreamErrorType = errorType;
      buffered = new ByteArrayOutputStream();
    } else if (sanitized.stream()) {
      phase = Phase.STREAMING;
      streamRestorer =
          new EventStreamRestorer(
              EventStreamRestorer.Mode.CONVERSE,
              sanitized.restoreTable(),
              life,
              life.outputCheck(() -> outputFindings++));
      life.writeHead(life.eventStreamHead("text/event-stream; charset=utf-8"));
    } else {
      phase = Phase.BUFFERING;
      buffered = new ByteArrayOutputStream();
    }
  }

  @Override
  public void bytes(byte[] bytes) {
    Runnable step =
        switch (phase) {
          case STREAMING -> () -> stream(bytes);
          case BUFFERING, MAPPING_UPSTREAM_ERROR -> () -> life.appendBuffered(buffered, bytes);
          default -> null;
        };
    if (step != null && answerStep("translating", step)) {
      answer.requestMore();
    }
  }

  private void stream(byte[] bytes) {
    // the translated events go out side by side in one chunk, each array as the translator made it
    List<byte[]> out = new ArrayList<>(2);
    streamRestorer.feed(ByteBuffer.wrap(bytes), message -> out.add(translator.event(message)));
    life.writeContent(out);
  }

  @Override
  public void complete() {
    try {
      switch (phase) {
        case STREAMING -> {
          List<byte[]> out = new ArrayList<>(2);
          streamRestorer.finish(message -> out.add(translator.event(message)));
          out.add(ConverseToChat.done());
          life.writeContent(out);
          life.usage(translator.usage());
          life.writeEnd();
          done(HttpResponseStatus.OK.code(), "ok");
        }
        case BUFFERING -> {
          byte[] restored =
              new AnswerRestorer(
                      sanitized.restoreTable(), life, life.outputCheck(() -> outputFindings++))
                  .converse(buffered.toByteArray());
          byte[] completion = translator.completion(restored);
          life.usage(translator.usage());
          respond(completion);
          done(HttpResponseStatus.OK.code(), "ok");
        }
        case MAPPING_UPSTREAM_ERROR -> fail(mapped(upstreamStatus, upstreamErrorType));
        case WAITING_FOR_UPSTREAM -> fail(BedrockAnswer.endedBeforeHead());
        default -> {}
      }
    } catch (RuntimeException e) {
      failAnywhere(asProxyException(e));
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

  @Override
  public void failed(Throwable error) {
    if (phase == Phase.DONE) {
      return;
    }
    log.warn(
        "request {}: Bedrock upstream failed: {}", life.requestId(), error.getClass().getName());
    failAnywhere(BedrockAnswer.lost(phase == Phase.WAITING_FOR_UPSTREAM));
  }

  @Override
  public void clientWritable() {
    answer.clientWritable();
  }

  private void respond(byte[] body) {
    FullHttpResponse response =
        ExchangeLifecycle.fullResponse(
            HttpResponseStatus.OK.code(), HttpHeaderValues.APPLICATION_JSON, body);
    response.headers().set(RequestIds.HEADER, life.requestId());
    life.respond(response);
  }

  @Override
  void stopUpstream() {
    answer.cancel();
  }

  @Override
  void beforeErrorResponse(ProxyException e) {
    life.auditRegionRefusal(e, ROUTE, sanitized.model(), bedrock.residency().region());
  }

  @Override
  String route() {
    return ROUTE;
  }

  @Override
  ExchangeLifecycle.Target target() {
    return new ExchangeLifecycle.Target(
        reachedUpstream ? "bedrock" : null,
        reachedUpstream ? bedrock.upstream().region() : null,
        sanitized.model(),
        sanitized.stream(),
        sanitized.findings().size() + outputFindings);
  }
}
