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
                + "\"request_id\":\"req-1\",\"tenant\":\"acme\",\"ts\":\"2025-01-31T09:30:00.126Z\","
                + "\"entity_type\":\"CARD\",\"rule_id\":\"card.luhn\",\"action\":\"tokenize\","
                + "\"token\":\"<<CARD_7K3QZ9XW>>\",\"fingerprint\":\"9f86d081884c7d65\","
                + "\"field_path\":\"/messages/0/content\",\"start\":3,\"end\":19,"
                + "\"confidence\":0.99}"),
        Arguments.of(
            SampleRecords.restore("req-1", 4),
            "{\"kind\":\"restore\",\"schema_version\":1,\"instance\":\"proxy-1\","
                + "\"request_id\":\"req-1\",\"tenant\":\"acme\",\"ts\":\"2025-01-31T09:30:00.127Z\","
                + "\"entity_type\":\"CARD\",\"token\":\"<<CARD_7K3QZ9XW>>\",\"source\":\"request\","
                + "\"field\":\"choices/0/delta/content#4\"}"),
        Arguments.of(
            SampleRecords.summary("req-1", 5),
            "{\"kind\":\"request_summary\",\"schema_version\":1,\"instance\":\"proxy-1\","
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
    assertThat(json.toJson(record)).isEqualTo(expected);
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
            "mask",
            null,
            "ab12",
            "/messages/1/content",
            0,
            22,
            1.0);

    JsonNode summary = MAPPER.readTree(json.toJsonBytes(refused));
    JsonNode finding = MAPPER.readTree(json.toJsonBytes(masked));

    assertThat(summary.get("tenant").isNull()).isTrue();
    assertThat(summary.get("upstream").isNull()).isTrue();
    assertThat(summary.get("region").isNull()).isTrue();
    assertThat(summary.get("model").isNull()).isTrue();
    assertThat(summary.get("usage").isNull()).isTrue();
    assertThat(fieldNames(summary))
        .isEqualTo(fieldNames(MAPPER.readTree(json.toJsonBytes(SampleRecords.summary("r", 0)))));
    assertThat(finding.get("token").isNull()).isTrue();
    assertThat(fieldNames(finding))
        .isEqualTo(fieldNames(MAPPER.readTree(json.toJsonBytes(SampleRecords.finding("r", 0)))));
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

    JsonNode node = MAPPER.readTree(json.toJsonBytes(record));

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

    byte[] bytes = json.toJsonBytes(record);
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

  private static List<String> fieldNames(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }
}
