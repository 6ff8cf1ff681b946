package org.complianceproxy.proxy.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class AuditJsonTest {

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private final AuditJson json = new AuditJson("proxy-1");

  static Stream<Arguments> everyKind() {
    return Stream.of(
        Arguments.of(
            SampleRecords.finding("req-1", 3),
            "{\"kind\":\"finding\",\"schema_version\":1,\"instance\":\"proxy-1\","
                + "\"seq\":0,\"prev_hash\":\""
                + AuditChain.GENESIS
                + "\","
                + "\"request_id\":\"req-1\",\"tenant\":\"acme\",\"ts\":\"2025-01-31T09:30:00.126Z\","
                + "\"entity_type\":\"CARD\",\"rule_id\":\"card.luhn\",\"action\":\"TOKENIZE\","
                + "\"token\":\"<<CARD_7K3QZ9XW>>\",\"fingerprint\":\"9f86d081884c7d65\","
                + "\"field_path\":\"/messages/0/content\",\"start\":3,\"end\":19,"
                + "\"confidence\":0.99}"),
        Arguments.of(
            SampleRecords.restore("req-1", 4),
            "{\"kind\":\"restore\",\"schema_version\":1,\"instance\":\"proxy-1\","
                + "\"seq\":0,\"prev_hash\":\""
                + AuditChain.GENESIS
                + "\","
                + "\"request_id\":\"req-1\",\"tenant\":\"acme\",\"ts\":\"2025-01-31T09:30:00.127Z\","
                + "\"entity_type\":\"CARD\",\"token\":\"<<CARD_7K3QZ9XW>>\",\"source\":\"request\","
                + "\"field\":\"choices/0/delta/content#4\"}"),
        Arguments.of(
            SampleRecords.summary("req-1", 5),
            "{\"kind\":\"request_summary\",\"schema_version\":1,\"instance\":\"proxy-1\","
                + "\"seq\":0,\"prev_hash\":\""
                + AuditChain.GENESIS
                + "\","
                + "\"request_id\":\"req-1\",\"tenant\":\"acme\",\"ts\":\"2025-01-31T09:30:00.128Z\","
                + "\"route\":\"openai.chat.completions\",\"upstream\":\"openai\","
                + "\"region\":\"eu-central-1\",\"model\":\"gpt-4o-mini\",\"stream\":true,"
                + "\"status\":200,\"outcome\":\"ok\",\"latency_millis\":125,\"ttfb_millis\":45,"
                + "\"findings\":2,\"restores\":1,"
                + "\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":20,\"total_tokens\":30}}"));
  }

  @ParameterizedTest
  @MethodSource("everyKind")
  void eachKindIsOneObjectWithTheEnvelopeFirstAndSnakeCaseFields(
      AuditRecord record, String expected) {
    assertThat(toJson(record)).isEqualTo(expected);
  }

  @Test
  void missingValuesAreExplicitNullsSoEveryKindHasAFixedSetOfKeys() throws Exception {
    RequestSummary refused =
        new RequestSummary(
            "req-2",
            null,
            SampleRecords.TS,
            "openai.chat.completions",
            null,
            null,
            null,
            false,
            401,
            "unauthenticated",
            3,
            -1,
            0,
            0,
            null);
    FindingRecord masked =
        new FindingRecord(
            "req-2",
            "acme",
            SampleRecords.TS,
            "IBAN",
            "iban",
            "MASK",
            null,
            "ab12",
            "/messages/1/content",
            0,
            22,
            1.0);

    JsonNode summary = MAPPER.readTree(toJsonBytes(refused));
    JsonNode finding = MAPPER.readTree(toJsonBytes(masked));

    assertThat(summary.get("tenant").isNull()).isTrue();
    assertThat(summary.get("upstream").isNull()).isTrue();
    assertThat(summary.get("region").isNull()).isTrue();
    assertThat(summary.get("model").isNull()).isTrue();
    assertThat(summary.get("usage").isNull()).isTrue();
    assertThat(fieldNames(summary))
        .isEqualTo(fieldNames(MAPPER.readTree(toJsonBytes(SampleRecords.summary("r", 0)))));
    assertThat(finding.get("token").isNull()).isTrue();
    assertThat(fieldNames(finding))
        .isEqualTo(fieldNames(MAPPER.readTree(toJsonBytes(SampleRecords.finding("r", 0)))));
  }

  @Test
  void timestampIsIsoUtcAndKeepsItsFullPrecision() throws Exception {
    RestoreRecord record =
        new RestoreRecord(
            "req-3",
            "acme",
            Instant.parse("2025-06-01T23:59:59.123456789Z"),
            "EMAIL",
            "<<EMAIL_AB12CD34>>",
            "vault",
            "content");

    JsonNode node = MAPPER.readTree(toJsonBytes(record));

    assertThat(node.get("ts").asText()).isEqualTo("2025-06-01T23:59:59.123456789Z");
    assertThat(Instant.parse(node.get("ts").asText())).isEqualTo(record.timestamp());
  }

  @Test
  void controlCharactersAndUnicodeAreEscapedSoARecordIsOneLine() throws Exception {
    RestoreRecord record =
        new RestoreRecord(
            "req-\n4",
            "t\u00e9nant",
            SampleRecords.TS,
            "PERSON",
            "<<PERSON_X>>",
            "request",
            "line1\r\nline2\t\"quoted\" \u2028 \ud83d\ude00");

    byte[] bytes = toJsonBytes(record);
    JsonNode node = MAPPER.readTree(bytes);

    assertThat(bytes).doesNotContain((byte) '\n', (byte) '\r');
    assertThat(node.get("request_id").asText()).isEqualTo("req-\n4");
    assertThat(node.get("tenant").asText()).isEqualTo("t\u00e9nant");
    assertThat(node.get("field").asText()).isEqualTo(record.field());
  }

  @Test
  void blankInstanceIdIsRejected() {
    assertThatThrownBy(() -> new AuditJson(" "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("instanceId");
  }

  @Test
  void newKindsAreWrittenWithTheirFieldsInOrder() {
    assertThat(toJson(SampleRecords.refusal("req-9", 0)))
        .endsWith(
            "\"request_id\":\"req-9\",\"tenant\":\"acme\",\"ts\":\"2025-01-31T09:30:00.123Z\","
                + "\"route\":\"openai.chat.completions\",\"code\":\"blocked_by_policy\","
                + "\"status\":403,\"rule_id\":\"ssn\",\"entity_type\":\"SSN\","
                + "\"model\":\"gpt-4o-mini\",\"region\":null}");
    assertThat(toJson(SampleRecords.vaultOperation("req-9", 0)))
        .endsWith(
            "\"operation\":\"reveal\",\"actor\":\"admin-3f2a9c\","
                + "\"token\":\"<<CARD_7K3QZ9XW>>\",\"entity_type\":\"CARD\",\"key_version\":2,"
                + "\"entries\":null,\"reason\":\"TICKET-4711\",\"outcome\":\"ok\"}");
    assertThat(toJson(SampleRecords.lifecycle(0)))
        .contains("\"request_id\":null,\"tenant\":null,")
        .endsWith(
            "\"event\":\"start\",\"proxy_version\":\"0.1.0\",\"config_sha256\":\""
                + "ab".repeat(32)
                + "\",\"changed_keys\":null,\"previous_config_sha256\":null}");
  }

  @Test
  void lifecycleRecordsAreKeyedByTheInstance() {
    assertThat(json.keyOf(SampleRecords.lifecycle(0))).isEqualTo("proxy-1");
    assertThat(json.keyOf(SampleRecords.finding("req-1", 0))).isEqualTo("req-1");
  }

  @Test
  void chainNumbersRecordsAndHashesEachIntoItsSuccessor() throws Exception {
    AuditChain chain = new AuditChain(json);
    byte[] first = chain.next(SampleRecords.finding("req-1", 0));
    byte[] second = chain.next(SampleRecords.summary("req-1", 1));

    JsonNode a = MAPPER.readTree(first);
    JsonNode b = MAPPER.readTree(second);
    assertThat(a.get("seq").asLong()).isZero();
    assertThat(a.get("prev_hash").asText()).isEqualTo(AuditChain.GENESIS);
    assertThat(b.get("seq").asLong()).isEqualTo(1);
    assertThat(b.get("prev_hash").asText())
        .isEqualTo(AuditChain.hash(first))
        .matches("[0-9a-f]{64}")
        .isNotEqualTo(AuditChain.hash(second));
    assertThat(chain.length()).isEqualTo(2);
  }

  private String toJson(AuditRecord record) {
    return new String(toJsonBytes(record), java.nio.charset.StandardCharsets.UTF_8);
  }

  private byte[] toJsonBytes(AuditRecord record) {
    return json.toJsonBytes(record, 0, AuditChain.GENESIS);
  }

  private static List<String> fieldNames(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }
}
