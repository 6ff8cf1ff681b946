package org.complianceproxy.proxy.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.complianceproxy.proxy.testing.SeededRandom;
import org.junit.jupiter.api.Test;

class AuditVerifierTest {

  private final AuditJson json = new AuditJson("proxy-1");

  private List<String> chain(int requests) {
    List<AuditRecord> records = new ArrayList<>();
    records.add(SampleRecords.lifecycle(0));
    for (int r = 0; r < requests; r++) {
      records.addAll(SampleRecords.request("req-" + r, 2, 1));
    }
    records.add(new LifecycleRecord(SampleRecords.TS, "stop", "0.1.0", null, null));
    return new ArrayList<>(SampleRecords.chained(json, records));
  }

  private static AuditVerifier.Report verify(List<String> lines) {
    AuditVerifier verifier = new AuditVerifier(true);
    for (int i = 0; i < lines.size(); i++) {
      verifier.accept("spool", i, lines.get(i));
    }
    return verifier.report();
  }

  @Test
  void anIntactChainIsOkAndEndsCleanly() {
    AuditVerifier.Report report = verify(chain(5));

    assertThat(report.ok()).isTrue();
    assertThat(report.instances())
        .singleElement()
        .satisfies(c -> assertThat(c.records()).isEqualTo(22))
        .satisfies(c -> assertThat(c.firstSeq()).isZero())
        .satisfies(c -> assertThat(c.lastSeq()).isEqualTo(21))
        .satisfies(c -> assertThat(c.endedCleanly()).isTrue());
  }

  @Test
  void aDeletedRecordIsAGap() {
    List<String> lines = chain(5);
    lines.remove(7);

    assertThat(verify(lines).problems())
        .containsExactly("gap: proxy-1 seq 7 missing (removed records)");
  }

  @Test
  void deletedFirstRecordsAreAGapToo() {
    List<String> lines = chain(2);
    lines.subList(0, 2).clear();

    assertThat(verify(lines).problems())
        .containsExactly("gap: proxy-1 seq 0..1 missing (removed records)");
  }

  @Test
  void aSwappedPairIsAReordering() {
    List<String> lines = chain(5);
    Collections.swap(lines, 4, 5);

    assertThat(verify(lines).problems())
        .singleElement()
        .asString()
        .startsWith("reordered: proxy-1 seq 4 comes after seq 5");
  }

  @Test
  void aSwappedAndRenumberedPairBreaksTheLinks() {
    List<String> lines = chain(5);
    String a = lines.get(4);
    String b = lines.get(5);
    lines.set(4, b.replace("\"seq\":5,", "\"seq\":4,"));
    lines.set(5, a.replace("\"seq\":4,", "\"seq\":5,"));

    assertThat(verify(lines).problems())
        .isNotEmpty()
        .allMatch(p -> p.startsWith("broken link: proxy-1 seq "));
  }

  @Test
  void anAlteredFieldBreaksTheNextLink() {
    List<String> lines = chain(5);
    String original = lines.get(2);
    lines.set(2, original.replace("\"action\":\"TOKENIZE\"", "\"action\":\"ALLOW\""));
    assertThat(lines.get(2)).isNotEqualTo(original);

    assertThat(verify(lines).problems())
        .containsExactly(
            "broken link: proxy-1 seq 3 does not follow seq 2 (a record was altered, replaced or"
                + " moved)");
  }

  @Test
  void anAlteredCopyOfADeliveredRecordIsAConflictAndAnIdenticalCopyADuplicate() {
    List<String> lines = chain(2);
    lines.add(lines.get(3));
    lines.add(lines.get(1).replace("\"start\":0", "\"start\":1"));

    AuditVerifier.Report report = verify(lines);

    assertThat(report.instances().get(0).duplicates()).isEqualTo(1);
    assertThat(report.problems()).singleElement().asString().startsWith("conflict: proxy-1 seq 1");
  }

  @Test
  void everySingleRemovalOrAlterationOfAnyButTheNewestRecordIsDetected() {
    Random random = new Random(SeededRandom.SEED);
    List<String> original = chain(6);
    for (int i = 0; i < 200; i++) {
      List<String> lines = new ArrayList<>(original);
      int at = random.nextInt(lines.size() - 1);
      if (random.nextBoolean()) {
        lines.remove(at);
      } else {
        lines.set(at, lines.get(at).replace("\"tenant\":\"acme\"", "\"tenant\":\"acmf\""));
        if (lines.get(at).equals(original.get(at))) {
          lines.set(at, lines.get(at).replace("\"event\":\"start\"", "\"event\":\"stop\""));
        }
      }
      assertThat(verify(lines).ok()).as("case %d at %d", i, at).isFalse();
    }
  }

  @Test
  void notJsonAndSchemaViolationsAreReported() {
    List<String> lines = chain(1);
    lines.add("not json");

    assertThat(verify(lines).problems()).contains("unreadable: spool at 6 is not JSON");
  }
}
