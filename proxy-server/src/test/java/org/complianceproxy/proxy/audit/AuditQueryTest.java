package org.complianceproxy.proxy.audit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AuditQueryTest {

  private final AuditJson json = new AuditJson("proxy-1");

  private AuditQuery queryOf(List<AuditRecord> records) {
    AuditQuery query = new AuditQuery();
    for (String line : SampleRecords.chained(json, records)) {
      query.add(null, line.getBytes(UTF_8));
    }
    return query;
  }

  private static AuditQuery.Filter filter(
      String entityType, String model, String region, String kind) {
    return new AuditQuery.Filter(
        null, null, null, null, null, entityType, null, model, region, kind);
  }

  @Test
  void modelAndRegionSelectAFindingThroughItsRequestsSummary() {
    AuditQuery query = queryOf(SampleRecords.request("req-1", 2, 1));

    assertThat(query.matching(filter(null, "gpt-4o-mini", null, "finding"))).hasSize(2);
    assertThat(query.matching(filter(null, null, "eu-central-1", "restore"))).hasSize(1);
    assertThat(query.matching(filter(null, "gpt-5", null, null))).isEmpty();
  }

  @Test
  void aRedeliveredCopyIsCountedOnceAndReported() {
    AuditQuery query = new AuditQuery();
    String line = SampleRecords.chained(json, List.of(SampleRecords.finding("r", 0))).get(0);

    assertThat(query.add("r", line.getBytes(UTF_8))).isTrue();
    assertThat(query.add("r", line.getBytes(UTF_8))).isFalse();
    assertThat(query.add("r", "not json".getBytes(UTF_8))).isFalse();

    assertThat(query.size()).isEqualTo(1);
    assertThat(query.duplicates()).isEqualTo(1);
    assertThat(query.unreadable()).isEqualTo(1);
  }

  @Test
  void timeRangeIsHalfOpenAndActionMatchesFindingsAndVaultOperations() {
    List<AuditRecord> records = new ArrayList<>(SampleRecords.request("req-1", 2, 0));
    records.add(SampleRecords.vaultOperation("adm-1", 10));
    AuditQuery query = queryOf(records);
    Instant second = SampleRecords.TS.plusMillis(1);

    assertThat(
            query.matching(
                new AuditQuery.Filter(
                    second, second.plusMillis(1), null, null, null, null, null, null, null, null)))
        .singleElement()
        .satisfies(i -> assertThat(i.json().path("start").asInt()).isEqualTo(1));
    assertThat(
            query.matching(
                new AuditQuery.Filter(
                    null, null, null, null, null, null, "tokenize", null, null, null)))
        .hasSize(2);
    assertThat(
            query.matching(
                new AuditQuery.Filter(
                    null, null, null, null, null, null, "reveal", null, null, null)))
        .singleElement()
        .satisfies(i -> assertThat(i.kind()).isEqualTo("vault_operation"));
  }

  @Test
  void timelineListsOneRequestInChainOrderAndReportCountsPerTenantTypeAndAction() {
    List<AuditRecord> records = new ArrayList<>(SampleRecords.request("req-1", 2, 1));
    records.addAll(SampleRecords.request("req-2", 1, 0));
    records.add(SampleRecords.refusal("req-3", 0));
    AuditQuery query = queryOf(records);

    assertThat(query.timeline("req-1"))
        .extracting(AuditQuery.Item::kind)
        .containsExactly("finding", "finding", "restore", "request_summary");
    AuditQuery.Report report = query.report(AuditQuery.Filter.ALL);
    assertThat(report.findings()).containsEntry(List.of("acme", "CARD", "TOKENIZE"), 3L);
    assertThat(report.requests()).containsEntry("acme", 2L);
    assertThat(report.refusals()).containsEntry("acme", 1L);
  }
}
