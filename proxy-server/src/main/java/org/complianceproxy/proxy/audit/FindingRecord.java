package org.complianceproxy.proxy.audit;

import java.time.Instant;

/**
 * One piece of sensitive data found on the way in.
 *
 * @param token the token that replaced the value, or {@code null} when the action was not tokenize
 * @param fingerprint a keyed fingerprint (hex HMAC) of the normalized value, so officers can
 *     correlate occurrences without seeing the value
 * @param fieldPath JSON pointer of the field, e.g. {@code /messages/0/content}
 * @param start char offset of the value in that field, inclusive
 * @param end char offset, exclusive
 */
public record FindingRecord(
    String requestId,
    String tenant,
    Instant timestamp,
    String entityType,
    String ruleId,
    String action,
    String token,
    String fingerprint,
    String fieldPath,
    int start,
    int end,
    double confidence)
    implements AuditRecord {

  @Override
  public String kind() {
    return "finding";
  }
}
