package org.complianceproxy.proxy.audit;

import java.time.Instant;

/**
 * One per request, written when the request ends, whatever the outcome.
 *
 * @param route the front door, e.g. {@code openai.chat.completions}
 * @param upstream the upstream adapter, e.g. {@code openai}, or {@code null} when none was reached
 * @param region the region that served the request, or {@code null} when none did
 * @param status the HTTP status sent to the client
 * @param outcome {@code ok}, or the error code that ended the request (e.g. {@code invalid_json})
 * @param ttfbMillis time to the first response byte sent to the client, or {@code -1}
 * @param usage token usage as reported by the upstream, or {@code null}
 */
public record RequestSummary(
    String requestId,
    String tenant,
    Instant timestamp,
    String route,
    String upstream,
    String region,
    String model,
    boolean stream,
    int status,
    String outcome,
    long latencyMillis,
    long ttfbMillis,
    int findings,
    int restores,
    Usage usage)
    implements AuditRecord {

  @Override
  public String kind() {
    return "request_summary";
  }

  /** Token counts as the upstream reported them. */
  public record Usage(long promptTokens, long completionTokens, long totalTokens) {}
}
