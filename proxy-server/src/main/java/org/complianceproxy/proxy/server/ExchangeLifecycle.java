package org.complianceproxy.proxy.server;

import io.netty.buffer.ByteBuf;
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
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.complianceproxy.proxy.audit.FindingRecord;
import org.complianceproxy.proxy.audit.PolicyRefusalRecord;
import org.complianceproxy.proxy.audit.RequestSummary;
import org.complianceproxy.proxy.audit.RestoreRecord;
import org.complianceproxy.proxy.error.ProxyError;
import org.complianceproxy.proxy.error.ProxyException;
import org.complianceproxy.proxy.restore.OutputCheck;
import org.complianceproxy.proxy.restore.RestoreListener;
import org.complianceproxy.proxy.sanitize.BlockedByPolicy;
import org.complianceproxy.proxy.token.TokenLookup.Restoration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every exchange does the same way, whatever its front door and upstream: the request's
 * identity and timeline, writing to the client (response heads, content with first-byte timing,
 * complete responses, error responses), the restore audit trail and the closing request summary.
 * The exchange keeps its own phase, upstream and formats, and calls in here.
 *
 * <p>Runs on the client connection's event loop only. Buffers: every message written here wraps
 * bytes the caller handed over and is released by the pipeline; nothing is retained.
 */
final class ExchangeLifecycle implements RestoreListener {

  private static final Logger log = LoggerFactory.getLogger(ExchangeLifecycle.class);

  /** Where the request went, as the summary reports it; nulls where it never got that far. */
  record Target(String provider, String region, String model, boolean stream, int findings) {}

  // the exchange reported to the front door when it is done
  private final Exchange owner;
  // a blocked request's finding records and model, which its exchange never got to see
  private int refusedFindings;
  private String refusedModel;
  private final ChannelHandlerContext ctx;
  private final Services services;
  private final FrontDoorHandler door;
  // whether the client asked to keep the connection open
  private final boolean keepAlive;
  private final String requestId;
  // System.nanoTime() when the request arrived
  private final long startNanos;

  // the authenticated tenant; null until authentication succeeded
  private String tenant;
  // System.nanoTime() of the first byte written to the client, -1 before
  private long firstByteNanos = -1;
  // tokens restored in the answer
  private int restores;
  // token usage reported by the upstream, null if none
  private RequestSummary.Usage usage;

  ExchangeLifecycle(
      Exchange owner,
      ChannelHandlerContext ctx,
      Services services,
      FrontDoorHandler door,
      boolean keepAlive,
      String requestId,
      long startNanos) {
    this.owner = owner;
    this.ctx = ctx;
    this.services = services;
    this.door = door;
    this.keepAlive = keepAlive;
    this.requestId = requestId;
    this.startNanos = startNanos;
  }

  String requestId() {
    return requestId;
  }

  long startNanos() {
    return startNanos;
  }

  boolean keepAlive() {
    return keepAlive;
  }

  String tenant() {
    return tenant;
  }

  void tenant(String tenant) {
    this.tenant = tenant;
  }

  void usage(RequestSummary.Usage usage) {
    this.usage = usage;
  }

  /** Runs the task on the client's event loop: now if already there, else handed over. */
  void onLoop(Runnable task) {
    if (ctx.executor().inEventLoop()) {
      task.run();
    } else {
      ctx.executor().execute(task);
    }
  }

  /**
   * Refuses the request up front when the audit trail is strict and cannot be written, or (strict
   * or not) holds as many records in memory as it may take.
   */
  void requireAudit() {
    if (!services.audit().accepting()
        || services.config().audit().strict() && !services.audit().healthy()) {
      throw new ProxyException(
          ProxyError.AUDIT_UNAVAILABLE,
          "The audit trail cannot be written right now, so the request was refused.");
    }
  }

  /**
   * The sanitizer's failure as the client sees it; fails closed, and logs only the exception's
   * class: messages of parsers quote their input.
   */
  ProxyException sanitizeFailure(Throwable error) {
    Throwable cause = unwrap(error);
    if (cause instanceof BlockedByPolicy blocked) {
      auditBlock(blocked);
      return blocked;
    }
    if (cause instanceof ProxyException e) {
      return e;
    }
    log.warn("request {}: sanitizing failed: {}", requestId, cause.getClass().getName());
    return new ProxyException(
        ProxyError.SANITIZER_FAILED, "The request could not be checked, so it was not forwarded.");
  }

  static Throwable unwrap(Throwable error) {
    Throwable cause = error;
    while ((cause instanceof CompletionException || cause instanceof ExecutionException)
        && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }

  /** Adds to a buffered answer; throws if it would grow beyond the configured response limit. */
  void appendBuffered(ByteArrayOutputStream buffered, byte[] bytes) {
    requireRoom(buffered, bytes.length);
    buffered.writeBytes(bytes);
  }

  /** As {@link #appendBuffered(ByteArrayOutputStream, byte[])}, copying straight from a buffer. */
  void appendBuffered(AnswerBuffer buffered, ByteBuf content) {
    requireRoom(buffered, content.readableBytes());
    buffered.write(content);
  }

  // Throws when a buffered answer would grow beyond the configured response limit.
  private void requireRoom(ByteArrayOutputStream buffered, int length) {
    long max = services.config().limits().maxResponseBytes();
    if (buffered.size() + (long) length > max) {
      throw new ProxyException(
          ProxyError.UPSTREAM_BAD_RESPONSE,
          "The upstream answer exceeds the limit of " + max + " bytes.");
    }
  }

  /**
   * A buffer for a whole answer: sized for the length the upstream announced (within the response
   * limit), so that collecting it copies each byte once.
   */
  AnswerBuffer answerBuffer(HttpResponse head) {
    long announced = HttpUtil.getContentLength(head, -1L);
    long max = services.config().limits().maxResponseBytes();
    return new AnswerBuffer(
        announced > 0 ? (int) Math.min(Math.min(announced, max), 1 << 20) : 1024);
  }

  /** The head of a server-sent events answer in OpenAI's shape. */
  HttpResponse eventStreamHead(String contentType) {
    HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
    response
        .headers()
        .set(HttpHeaderNames.CONTENT_TYPE, contentType)
        .set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED)
        .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE)
        .set(RequestIds.HEADER, requestId);
    return response;
  }

  /** Writes the head of a chunked answer without flushing: its first content flushes it. */
  void writeHead(HttpResponse head) {
    HttpUtil.setKeepAlive(head, keepAlive);
    ctx.write(head);
  }

  /** Writes one chunk of the answer; the bytes are wrapped, not copied, and must not change. */
  void writeContent(byte[] bytes) {
    writeChunk(Unpooled.wrappedBuffer(bytes));
  }

  /**
   * Writes {@code pieces}, in order, as one chunk of the answer (nothing when all are empty): they
   * are wrapped side by side, not copied into one array, and must not change.
   */
  void writeContent(List<byte[]> pieces) {
    // wrappedBuffer skips empty arrays, and gives the empty buffer when nothing is left
    writeChunk(Unpooled.wrappedBuffer(pieces.toArray(new byte[0][])));
  }

  // Writes and flushes one chunk, noting the first byte's time; an empty one is dropped.
  private void writeChunk(ByteBuf content) {
    if (!content.isReadable()) {
      content.release();
      return;
    }
    if (firstByteNanos < 0) {
      firstByteNanos = System.nanoTime();
    }
    ctx.writeAndFlush(new DefaultHttpContent(content));
  }

  /** Ends a chunked answer. */
  void writeEnd() {
    ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
  }

  /**
   * A complete answer wrapping the body, with content type and length; the caller adds the request
   * id headers of its front door.
   */
  static FullHttpResponse fullResponse(int status, CharSequence contentType, byte[] body) {
    FullHttpResponse response =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status), Unpooled.wrappedBuffer(body));
    response
        .headers()
        .set(HttpHeaderNames.CONTENT_TYPE, contentType)
        .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
    return response;
  }

  /** Writes a complete response; the pipeline releases it. */
  void respond(FullHttpResponse response) {
    HttpUtil.setKeepAlive(response, keepAlive);
    firstByteNanos = System.nanoTime();
    ctx.writeAndFlush(response);
  }

  /** Answers with an error in the front door's format, if the client is still there to read it. */
  void respondError(ProxyException e, ErrorResponses.Format format) {
    if (ctx.channel().isActive()) {
      respond(format.response(e.error(), e.getMessage(), requestId));
    }
  }

  /** Audits what the sanitizer found, one record and one metric per finding. */
  void auditFindings(List<FindingRecord> findings) {
    for (FindingRecord finding : findings) {
      services.audit().emit(finding);
      services.metrics().finding(finding.entityType(), finding.action());
    }
  }

  /**
   * Audits a request the tenant's DLP policy blocked, before its error response and summary: every
   * finding with its action (the blocking ones {@code BLOCK}; nothing was stored or forwarded),
   * then the refusal naming the entity type and the rule. Every exchange passes its sanitizer's
   * failure through {@link #sanitizeFailure} exactly once, whatever its front door.
   */
  private void auditBlock(BlockedByPolicy blocked) {
    auditFindings(blocked.findings());
    refusedFindings = blocked.findings().size();
    refusedModel = blocked.model();
    // Only AbstractExchange builds a lifecycle, with itself as the owner.
    AbstractExchange exchange = (AbstractExchange) owner;
    auditRefusal(
        blocked,
        exchange.route(),
        blocked.ruleId(),
        blocked.entityType().name(),
        blocked.model() != null ? blocked.model() : exchange.target().model(),
        null);
  }

  /** One policy_refusal record: the policy that refused, never the data that triggered it. */
  private void auditRefusal(
      ProxyException e,
      String route,
      String ruleId,
      String entityType,
      String model,
      String region) {
    services
        .audit()
        .emit(
            new PolicyRefusalRecord(
                requestId,
                tenant,
                Instant.now(),
                route,
                e.error().code(),
                e.error().status(),
                ruleId,
                entityType,
                model,
                region));
  }

  /**
   * How the answer is checked on its way out: the tenant's output policy ({@code
   * policies().output}), each finding audited as a finding record whose field path starts with
   * {@code /response/} (e.g. {@code /response/choices/0/delta/content}), with the action taken, a
   * fingerprint and no token; {@code counted} runs once per finding, for the summary's count.
   */
  OutputCheck outputCheck(Runnable counted) {
    return new OutputCheck(
        services.policies().output(tenant),
        (finding, value, field) -> {
          counted.run();
          auditFindings(
              List.of(
                  new FindingRecord(
                      requestId,
                      tenant,
                      Instant.now(),
                      finding.type().name(),
                      finding.ruleId(),
                      finding.action().name(),
                      null,
                      services.sanitizer().fingerprint(tenant, finding.type(), value),
                      "/response/" + field,
                      finding.start(),
                      finding.end(),
                      finding.confidence())));
        },
        services.policies().denyTerms(tenant));
  }

  /** Audits a refusal by the residency policy; other errors leave no policy record. */
  void auditRegionRefusal(ProxyException e, String route, String model, String region) {
    if (e.error() != ProxyError.REGION_NOT_ALLOWED) {
      return;
    }
    auditRefusal(e, route, null, null, model, region);
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

  /**
   * Closes the request: the summary to the audit trail, the metrics, and the front door told it may
   * take the next request. Call once; the exchange's phase guards against a second call.
   */
  void finish(String route, Target target, int status, String outcome) {
    long latency = System.nanoTime() - startNanos;
    try {
      services
          .audit()
          .emit(
              new RequestSummary(
                  requestId,
                  tenant,
                  Instant.now(),
                  route,
                  target.provider(),
                  target.region(),
                  target.model() != null ? target.model() : refusedModel,
                  target.stream(),
                  status,
                  outcome,
                  TimeUnit.NANOSECONDS.toMillis(latency),
                  firstByteNanos < 0
                      ? -1
                      : TimeUnit.NANOSECONDS.toMillis(firstByteNanos - startNanos),
                  target.findings() + refusedFindings,
                  restores,
                  usage));
    } catch (ProxyException e) {
      // The audit trail is at its memory limit (its sink logged that): the request was refused or
      // ends anyway, and the front door must still take the next one.
      log.debug("request {}: summary not audited: {}", requestId, e.error().code());
    }
    services.metrics().requestEnded(route, status, outcome, latency);
    door.exchangeDone(owner, keepAlive && ctx.channel().isActive());
  }
}
