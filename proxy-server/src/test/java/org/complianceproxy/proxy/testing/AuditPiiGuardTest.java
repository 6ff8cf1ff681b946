package org.complianceproxy.proxy.testing;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit PII guard must be able to fail: a corpus value planted in a spool record under a test's
 * data directory is reported by record kind and field, without the value, and clean records pass.
 */
class AuditPiiGuardTest {

  @TempDir Path dataDir;

  @Test
  void tempDirsAreCreatedWhereTheGuardLooks() {
    assertThat(dataDir.toAbsolutePath()).startsWith(AuditPiiGuard.root());
  }

  @Test
  void aPlantedCorpusValueInASpoolRecordIsReportedWithoutTheValue() throws Exception {
    String card = new PiiCorpus(4242).card();
    Path spool = Files.createDirectories(dataDir.resolve("audit"));
    Path file = spool.resolve("spool-planted.jsonl");
    String clean =
        "{\"kind\":\"finding\",\"request_id\":\"r-1\",\"token\":\"<<CARD_7K3QZ9XW2M>>\","
            + "\"fingerprint\":\""
            + "ab".repeat(32)
            + "\"}";
    String planted =
        "{\"kind\":\"finding\",\"request_id\":\"r-2\",\"field_path\":\"/messages/0/content\","
            + "\"token\":\"card "
            + card
            + "\"}";
    // whole or not at all: the guard's background pass may look at any moment
    Path partial = spool.resolve("spool-planted.tmp");
    Files.writeString(partial, clean + "\n" + planted + "\n", UTF_8);
    Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE);

    List<String> problems = AuditPiiGuard.collect();

    assertThat(problems).hasSize(1);
    assertThat(problems.get(0))
        .contains("kind=finding", "field=/token", "entity CARD", "spool-planted.jsonl line 2")
        .doesNotContain(card)
        .doesNotContain(card.replaceAll("[ -]", ""));
    // reported once: the guard's own pass after this test finds nothing new in the file
    assertThat(AuditPiiGuard.collect()).isEmpty();
  }

  @Test
  void compactFormsAndCaseVariantsAreFoundAndHashesAreNot() {
    PiiValues values = new PiiValues();
    values.add("DE89 3704 0044 0532 0130 00", "IBAN");
    values.add("Ann.Lee@Example.com", "EMAIL");
    values.add("02/26", "CARDEXP");

    assertThat(
            AuditPiiGuard.check(
                "{\"kind\":\"restore\",\"x\":\"DE89370400440532013000\"}", "t", values))
        .hasValueSatisfying(p -> assertThat(p).contains("field=/x", "entity IBAN"));
    assertThat(
            AuditPiiGuard.check(
                "{\"kind\":\"restore\",\"a\":[{\"b\":\"ANN.LEE@EXAMPLE.COM\"}]}", "t", values))
        .hasValueSatisfying(p -> assertThat(p).contains("field=/a/0/b", "entity EMAIL"));
    assertThat(AuditPiiGuard.check("not json ann.lee@example.com", "t", values)).isPresent();
    assertThat(
            AuditPiiGuard.check(
                "{\"kind\":\"restore\",\"ts\":\"2026-02-26\",\"n\":\"02/26\"}", "t", values))
        .isEqualTo(Optional.empty());
    assertThat(values.skipped()).isEqualTo(1);
  }

  @Test
  void digitsInsideATimestampOrAHashAreNotTheValueButNextToWordsTheyAre() {
    PiiValues values = new PiiValues();
    values.add("18497553", "ACCOUNT");

    assertThat(
            AuditPiiGuard.check(
                "{\"kind\":\"finding\",\"ts\":\"2026-11-26T03:56:25.184975530Z\"}", "t", values))
        .as("nanoseconds of a timestamp")
        .isEmpty();
    assertThat(
            AuditPiiGuard.check(
                "{\"kind\":\"finding\",\"fingerprint\":\"9fe18497553a0c\"}", "t", values))
        .as("digits inside a hash")
        .isEmpty();
    assertThat(AuditPiiGuard.check("{\"kind\":\"finding\",\"x\":\"acct18497553\"}", "t", values))
        .isPresent();
    assertThat(AuditPiiGuard.check("{\"kind\":\"finding\",\"x\":\"18497553\"}", "t", values))
        .isPresent();
  }

  @Test
  void theSharedValuesHoldTheDlpCorpusAndEveryGeneratedValue() {
    PiiCorpus corpus = new PiiCorpus(77);
    String email = corpus.email();

    assertThat(PiiValues.shared().find("x " + email + " y")).isPresent();
    assertThat(PiiValues.shared().size()).isGreaterThan(3_000);
  }
}
