package org.complianceproxy.proxy.cli;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import org.complianceproxy.proxy.audit.AuditQuery;
import picocli.CommandLine.Option;

/** The filters of {@code audit query|tail|report}; a picocli mixin. */
public final class AuditFilterOptions {

  @Option(
      names = "--since",
      paramLabel = "TIME",
      description =
          "Records at or after TIME: ISO-8601 (2025-01-31T09:00:00Z) or an age (24h, 7d).")
  String since;

  @Option(names = "--until", paramLabel = "TIME", description = "Records before TIME.")
  String until;

  @Option(names = "--tenant", description = "Only this tenant.")
  String tenant;

  @Option(names = "--key", description = "Only records with this Kafka key.")
  String key;

  @Option(names = "--request-id", description = "Only this request (its x-request-id).")
  String requestId;

  @Option(names = "--entity-type", description = "Only this entity type, e.g. CARD.")
  String entityType;

  @Option(
      names = "--action",
      description = "Only this action: TOKENIZE, MASK, REDACT, BLOCK, ALLOW, or a vault operation.")
  String action;

  @Option(names = "--model", description = "Only requests to this model.")
  String model;

  @Option(names = "--region", description = "Only requests served in this region.")
  String region;

  @Option(
      names = "--kind",
      description =
          "Only this record kind: finding, restore, request_summary, policy_refusal,"
              + " vault_operation, lifecycle.")
  String kind;

  AuditQuery.Filter toFilter(Instant now) {
    return new AuditQuery.Filter(
        time("--since", since, now),
        time("--until", until, now),
        tenant,
        key,
        requestId,
        entityType,
        action,
        model,
        region,
        kind);
  }

  static Instant time(String option, String value, Instant now) {
    if (value == null) {
      return null;
    }
    try {
      return Instant.parse(value);
    } catch (DateTimeParseException notAnInstant) {
      // An age instead.
    }
    try {
      String v = value.strip().toLowerCase(java.util.Locale.ROOT);
      long n = Long.parseLong(v.substring(0, v.length() - 1));
      Duration age =
          switch (v.charAt(v.length() - 1)) {
            case 'm' -> Duration.ofMinutes(n);
            case 'h' -> Duration.ofHours(n);
            case 'd' -> Duration.ofDays(n);
            default -> throw new NumberFormatException();
          };
      return now.minus(age);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          option
              + ": '"
              + value
              + "' (expected: an ISO-8601 instant such as 2025-01-31T09:00:00Z, or an age such as"
              + " 30m, 24h, 7d)");
    }
  }
}
