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
        "tokenize",
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
