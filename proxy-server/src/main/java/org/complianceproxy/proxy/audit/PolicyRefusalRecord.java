package org.complianceproxy.proxy.audit;

import java.time.Instant;

/**
 * A request refused because a policy forbade it; says which policy, never the data that triggered
 * it. The request's {@link RequestSummary} follows.
 *
 * @param route the front door, e.g. {@code openai.chat.completions}
 * @param code the error code the client received, e.g. {@code blocked_by_policy}
 * @param status the HTTP status the client received
 * @param ruleId the rule whose BLOCK action refused the request, or {@code null}
 * @param entityType the entity type that triggered the rule, or {@code null}
 * @param model the model asked for, or {@code null}
 * @param region the region the request would have gone to, or {@code null}
 */
public record PolicyRefusalRecord(
    String requestId,
    String tenant,
    Instant timestamp,
    String route,
    String code,
    int status,
    String ruleId,
    String entityType,
    String model,
    String region)
    implements AuditRecord {

  @Override
  public String kind() {
    return "policy_refusal";
  }
}
