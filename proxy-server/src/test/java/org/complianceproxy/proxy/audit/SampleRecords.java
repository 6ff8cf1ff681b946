package org.complianceproxy.proxy.audit;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Audit records for tests, one of each kind, with {@code seq} telling them apart. */
final class SampleRecords {

  static final Instant TS = Instant.parse("2025-01-31T09:30:00.123Z");

  private SampleRecords() {}

  static FindingRecord finding(String requestId, int seq) {
    return new FindingRecord(
        requestId,
        "acme",
        TS.plusMillis(seq),
        "CARD",
        "card.luhn",
        "TOKENIZE",
        "<<CARD_7K3QZ9XW>>",
        "9f86d081884c7d65",
        "/messages/0/content",
        seq,
        seq + 16,
        0.99);
  }

  static RestoreRecord restore(String requestId, int seq) {
    return new RestoreRecord(
        requestId,
        "acme",
        TS.plusMillis(seq),
        "CARD",
        "<<CARD_7K3QZ9XW>>",
        "request",
        "choices/0/delta/content#" + seq);
  }

  static RequestSummary summary(String requestId, int seq) {
    return new RequestSummary(
        requestId,
        "acme",
        TS.plusMillis(seq),
        "openai.chat.completions",
        "openai",
        "eu-central-1",
        "gpt-4o-mini",
        true,
        200,
        "ok",
        120 + seq,
        45,
        2,
        1,
        new RequestSummary.Usage(10, 20, 30));
  }

  static PolicyRefusalRecord refusal(String requestId, int seq) {
    return new PolicyRefusalRecord(
        requestId,
        "acme",
        TS.plusMillis(seq),
        "openai.chat.completions",
        "blocked_by_policy",
        403,
        "ssn",
        "SSN",
        "gpt-4o-mini",
        null);
  }

  static VaultOperationRecord vaultOperation(String requestId, int seq) {
    return new VaultOperationRecord(
        requestId,
        "acme",
        TS.plusMillis(seq),
        "reveal",
        "admin-3f2a9c",
        "<<CARD_7K3QZ9XW>>",
        "CARD",
        2,
        null,
        "TICKET-4711",
        "ok");
  }

  static LifecycleRecord lifecycle(int seq) {
    return new LifecycleRecord(TS.plusMillis(seq), "start", "0.1.0", "ab".repeat(32), null);
  }

  /** One record of every kind. */
  static List<AuditRecord> everyKind(String requestId) {
    return List.of(
        lifecycle(0),
        finding(requestId, 1),
        restore(requestId, 2),
        refusal(requestId, 3),
        summary(requestId, 4),
        vaultOperation("admin-" + requestId, 5),
        new LifecycleRecord(
            TS.plusMillis(6),
            "config_change",
            "0.1.0",
            "cd".repeat(32),
            List.of("audit.strict", "limits.max_body")),
        new LifecycleRecord(TS.plusMillis(7), "stop", "0.1.0", null, null));
  }

  /** The lines a fresh chain of {@code json} writes for {@code records}. */
  static List<String> chained(AuditJson json, List<? extends AuditRecord> records) {
    AuditChain chain = new AuditChain(json);
    return records.stream()
        .map(r -> new String(chain.next(r), java.nio.charset.StandardCharsets.UTF_8))
        .toList();
  }

  /** A request's records in the order the proxy writes them: findings, restores, the summary. */
  static List<AuditRecord> request(String requestId, int findings, int restores) {
    List<AuditRecord> records = new ArrayList<>();
    int seq = 0;
    for (int i = 0; i < findings; i++) {
      records.add(finding(requestId, seq++));
    }
    for (int i = 0; i < restores; i++) {
      records.add(restore(requestId, seq++));
    }
    records.add(summary(requestId, seq));
    return records;
  }
}
