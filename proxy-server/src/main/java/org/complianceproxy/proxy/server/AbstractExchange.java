package org.complianceproxy.proxy.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.List;
import org.complianceproxy.proxy.audit.FindingRecord;
import org.complianceproxy.proxy.error.ProxyError;
import org.complianceproxy.proxy.error.ProxyException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The skeleton every exchange shares, whatever its front door and upstream: where it stands ({@link
 * Phase}), the sanitizer's verdict, steps on the answer that fail closed, and how it ends: failing
 * before the response head (an error response in the front door's format), failing after it (an
 * error chunk, then a clean end of the chunked answer), the client leaving early. Subclasses say
 * how to let go of their upstream and what the summary reports; {@link ExchangeLifecycle} does the
 * writing and the audit.
 *
 * <p>Runs on the client connection's event loop only. Buffers: none are held here; error bodies are
 * written through {@link ExchangeLifecycle} and released by the pipeline.
 */
abstract class AbstractExchange implements Exchange {

  /**
   * Where an exchange stands; every step checks it, so late callbacks after the end do nothing.
   * Each exchange passes through the ones its upstream needs.
   */
  enum Phase {
    SANITIZING,
    WAITING_FOR_UPSTREAM,
    // the head of a chunked answer went to the client; content follows as it is restored
    STREAMING,
    // a complete answer is collected, to be restored as a whole
    BUFFERING,
    // the upstream's own error is collected, to be passed on as it came
    PASSING_UPSTREAM_ERROR,
    // the upstream's own error is collected, to be mapped to the front door's taxonomy
    MAPPING_UPSTREAM_ERROR,
    // a 5xx body is read and dropped: it may describe upstream internals
    DISCARDING,
    DONE
  }

  // identity, client writes, restore audit and the closing summary
  final ExchangeLifecycle life;
  // the front door's error shapes
  private final ErrorResponses.Format errors;
  Phase phase;

  AbstractExchange(
      ChannelHandlerContext ctx,
      Services services,
      FrontDoorHandler door,
      boolean keepAlive,
      String requestId,
      long startNanos,
      Phase initial,
      ErrorResponses.Format errors) {
    this.phase = initial;
    this.errors = errors;
    this.life = new ExchangeLifecycle(this, ctx, services, door, keepAlive, requestId, startNanos);
  }

  /** Whether the request is over. */
  public final boolean ended() {
    return phase == Phase.DONE;
  }

  /** Lets go of the upstream, which will not be read again (released broken or cancelled). */
  abstract void stopUpstream();

  /** Audit that must precede the error response; none by default. */
  void beforeErrorResponse(ProxyException e) {}

  /** Marks the exchange over and closes the request ({@link ExchangeLifecycle#finish}). */
  void done(int status, String outcome) {
    phase = Phase.DONE;
    life.finish(route(), target(), status, outcome);
  }

  /** The route the request summary and the metrics name. */
  abstract String route();

  /** Where the request went, as far as it got. */
  abstract ExchangeLifecycle.Target target();

  /**
   * Runs one step on the answer and fails the exchange if it throws: a {@link ProxyException} as it
   * is, anything else as an internal error, logged by class only (messages of parsers quote their
   * input).
   *
   * @param action what the step does to the answer, for the log: "restoring", "translating"
   * @return whether the step completed
   */
  final boolean answerStep(String action, Runnable step) {
    try {
      step.run();
      return true;
    } catch (ProxyException e) {
      failAnywhere(e);
    } catch (RuntimeException e) {
      // named after the concrete exchange; looked up on this rare path only, not per request
      Logger log = LoggerFactory.getLogger(getClass());
      log.warn(
          "request {}: {} the answer failed: {}", life.requestId(), action, e.getClass().getName());
      failAnywhere(asProxyException(e));
    }
    return false;
  }

  /** A failure while processing the answer, as the client sees it: unexpected ones are internal. */
  static ProxyException asProxyException(RuntimeException e) {
    return e instanceof ProxyException p
        ? p
        : new ProxyException(ProxyError.INTERNAL, "The answer could not be processed safely.");
  }

  /**
   * Whether sanitizing succeeded and the exchange goes on: fails it when the sanitizer did, and
   * ignores a result that comes after the end.
   */
  final boolean sanitizingSucceeded(Throwable error) {
    if (phase != Phase.SANITIZING) {
      return false;
    }
    if (error != null) {
      fail(life.sanitizeFailure(error));
      return false;
    }
    return true;
  }

  /**
   * Audits the request's findings; false, with the exchange failed, when the audit trail refuses
   * them (it holds as many records as it may): nothing goes upstream without its findings recorded.
   */
  final boolean findingsAudited(List<FindingRecord> findings) {
    try {
      life.auditFindings(findings);
      return true;
    } catch (ProxyException e) {
      fail(e);
      return false;
    }
  }

  /** Fails the exchange whether or not the client has already received the response head. */
  final void failAnywhere(ProxyException e) {
    if (ended()) {
      return;
    }
    if (phase == Phase.STREAMING) {
      stopUpstream();
      // The status line is gone; an error chunk in the front door's format tells SDKs what
      // happened, and the chunked answer still ends cleanly so the connection stays usable.
      life.writeContent(errors.streamChunk(e.error(), e.getMessage()));
      life.writeEnd();
      done(HttpResponseStatus.OK.code(), e.error().code());
      return;
    }
    fail(e);
  }

  /** Fails before any response byte was sent: an error response in the front door's format. */
  final void fail(ProxyException e) {
    if (ended()) {
      return;
    }
    beforeErrorResponse(e);
    stopUpstream();
    life.respondError(e, errors);
    done(e.error().status(), e.error().code());
  }

  @Override
  public final void clientClosed() {
    if (ended()) {
      return;
    }
    stopUpstream();
    done(499, "client_closed");
  }
}
