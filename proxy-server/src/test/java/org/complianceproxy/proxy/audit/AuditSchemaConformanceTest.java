package org.complianceproxy.proxy.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.complianceproxy.auditschema.AuditSchemas;
import org.complianceproxy.proxy.testing.SeededRandom;
import org.junit.jupiter.api.Test;

/** Every record kind the proxy writes, as {@link AuditJson} writes it, matches its schema. */
class AuditSchemaConformanceTest {

  private final AuditJson json = new AuditJson("proxy-1");

  @Test
  void everyKindAsWrittenMatchesItsSchema() {
    List<AuditRecord> records = SampleRecords.everyKind("req-1");
    Set<String> kinds = new HashSet<>();
    for (String line : SampleRecords.chained(json, records)) {
      AuditRecords.assertValid(line);
      kinds.add(AuditRecords.parse(line).path("kind").asText());
    }
    assertThat(kinds).containsExactlyInAnyOrderElementsOf(AuditSchemas.KINDS);
  }

  @Test
  void recordsWithEveryOptionalValueMissingMatchTheirSchema() {
    List<AuditRecord> records =
        List.of(
            new FindingRecord(
                "r",
                null,
                Instant.now(),
                "IBAN",
                "iban",
                "MASK",
                null,
                "ab12cd34ef56ab78",
                "/messages/1/content",
                0,
                22,
                1.0),
            new RequestSummary(
                "r",
                null,
                Instant.now(),
                "openai.chat.completions",
                null,
                null,
                null,
                false,
                401,
                "invalid_api_key",
                3,
                -1,
                0,
                0,
                null),
            new PolicyRefusalRecord(
                "r",
                null,
                Instant.now(),
                "openai.chat.completions",
                "audit_unavailable",
                503,
                null,
                null,
                null,
                null),
            new VaultOperationRecord(
                "r", "acme", Instant.now(), "shred", "admin-1", null, null, null, 12L, null, "ok"));

    AuditRecords.assertAllValid(SampleRecords.chained(json, records));
  }

  @Test
  void randomRecordsOfEveryKindMatchTheirSchemas() {
    Random random = new Random(SeededRandom.SEED);
    AuditChain chain = new AuditChain(json);
    String[] actions = {"TOKENIZE", "MASK", "REDACT", "BLOCK", "ALLOW"};
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      String requestId = "req-" + random.nextInt(1_000_000);
      String tenant = random.nextBoolean() ? "acme" : null;
      Instant ts =
          Instant.ofEpochSecond(
              1_700_000_000L + random.nextInt(100_000_000), random.nextInt(1_000_000_000));
      int start = random.nextInt(5000);
      String action = actions[random.nextInt(actions.length)];
      AuditRecord record =
          switch (random.nextInt(6)) {
            case 0 ->
                new FindingRecord(
                    requestId,
                    tenant,
                    ts,
                    "EMAIL",
                    "email",
                    action,
                    action.equals("TOKENIZE") ? "<<EMAIL_AB12CD34>>" : null,
                    Long.toHexString(random.nextLong() | Long.MIN_VALUE),
                    "/messages/0/content",
                    start,
                    start + 1 + random.nextInt(40),
                    random.nextDouble());
            case 1 ->
                new RestoreRecord(
                    requestId,
                    tenant,
                    ts,
                    "PHONE",
                    "<<PHONE_X1>>",
                    random.nextBoolean() ? "request" : "vault",
                    "choices/0/message/content");
            case 2 ->
                new RequestSummary(
                    requestId,
                    tenant,
                    ts,
                    "openai.chat.completions",
                    "openai",
                    "us",
                    "gpt-4o",
                    random.nextBoolean(),
                    200 + random.nextInt(400),
                    "ok",
                    random.nextInt(100_000),
                    random.nextInt(1000) - 1,
                    random.nextInt(50),
                    random.nextInt(50),
                    random.nextBoolean()
                        ? null
                        : new RequestSummary.Usage(
                            random.nextInt(9999), random.nextInt(9999), random.nextInt(19999)));
            case 3 ->
                new PolicyRefusalRecord(
                    requestId,
                    tenant,
                    ts,
                    "openai.chat.completions",
                    "region_not_allowed",
                    403,
                    null,
                    null,
                    "eu.anthropic.claude",
                    "eu-west-1");
            case 4 ->
                new VaultOperationRecord(
                    requestId,
                    tenant,
                    ts,
                    random.nextBoolean() ? "rotate" : "reveal",
                    "admin-9",
                    null,
                    null,
                    random.nextInt(9),
                    null,
                    null,
                    random.nextBoolean() ? "ok" : "denied");
            default ->
                new LifecycleRecord(
                    ts, "config_change", "0.1.0", "0".repeat(64), List.of("openai.base_url"));
          };
      lines.add(new String(chain.next(record), java.nio.charset.StandardCharsets.UTF_8));
    }

    assertThat(AuditRecords.assertAllValid(lines)).isEqualTo(300);
  }

  @Test
  void anInvalidRecordIsReportedByTheHelper() {
    JsonNode broken =
        AuditRecords.parse(
            SampleRecords.chained(json, List.of(SampleRecords.finding("r", 0)))
                .get(0)
                .replace("\"TOKENIZE\"", "\"tokenize\""));

    org.assertj.core.api.Assertions.assertThatThrownBy(() -> AuditRecords.assertValid(broken))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("action");
  }
}
