package org.complianceproxy.auditschema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class AuditSchemasTest {

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final String ENVELOPE =
      "\"schema_version\":1,\"instance\":\"proxy-1\",\"seq\":7,"
          + "\"prev_hash\":\""
          + "ab".repeat(32)
          + "\","
          + "\"request_id\":\"req-1\",\"tenant\":\"acme\",\"ts\":\"2025-01-31T09:30:00.123Z\"";

  /** One valid record of every kind, as the proxy writes them. */
  static final Map<String, String> VALID =
      Map.of(
          "finding",
          "{\"kind\":\"finding\","
              + ENVELOPE
              + ",\"entity_type\":\"CARD\",\"rule_id\":\"card.luhn\",\"action\":\"TOKENIZE\","
              + "\"token\":\"<<CARD_7K3QZ9XW>>\",\"fingerprint\":\"9f86d081884c7d65\","
              + "\"field_path\":\"/messages/0/content\",\"start\":3,\"end\":19,\"confidence\":0.99}",
          "restore",
          "{\"kind\":\"restore\","
              + ENVELOPE
              + ",\"entity_type\":\"CARD\",\"token\":\"<<CARD_7K3QZ9XW>>\",\"source\":\"vault\","
              + "\"field\":\"choices/0/delta/content\"}",
          "request_summary",
          "{\"kind\":\"request_summary\","
              + ENVELOPE
              + ",\"route\":\"openai.chat.completions\",\"upstream\":\"openai\","
              + "\"region\":\"eu-central-1\",\"model\":\"gpt-4o-mini\",\"stream\":true,"
              + "\"status\":200,\"outcome\":\"ok\",\"latency_millis\":125,\"ttfb_millis\":45,"
              + "\"findings\":2,\"restores\":1,"
              + "\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":20,\"total_tokens\":30}}",
          "policy_refusal",
          "{\"kind\":\"policy_refusal\","
              + ENVELOPE
              + ",\"route\":\"openai.chat.completions\",\"code\":\"blocked_by_policy\","
              + "\"status\":403,\"rule_id\":\"ssn\",\"entity_type\":\"SSN\",\"model\":\"gpt-4o\","
              + "\"region\":null}",
          "vault_operation",
          "{\"kind\":\"vault_operation\","
              + ENVELOPE
              + ",\"operation\":\"reveal\",\"actor\":\"admin-3f2a\","
              + "\"token\":\"<<CARD_7K3QZ9XW>>\",\"entity_type\":\"CARD\",\"key_version\":2,"
              + "\"entries\":null,\"reason\":\"TICKET-4711\",\"outcome\":\"ok\"}",
          "lifecycle",
          "{\"kind\":\"lifecycle\","
              + ENVELOPE.replace(
                  "\"request_id\":\"req-1\",\"tenant\":\"acme\"",
                  "\"request_id\":null,\"tenant\":null")
              + ",\"event\":\"config_change\",\"proxy_version\":\"0.1.0\","
              + "\"config_sha256\":\""
              + "0".repeat(64)
              + "\","
              + "\"changed_keys\":[\"audit.strict\"],"
              + "\"previous_config_sha256\":\""
              + "1".repeat(64)
              + "\"}");

  @Test
  void everyKindHasASampleAndEverySampleIsValid() {
    assertThat(VALID.keySet()).containsExactlyInAnyOrderElementsOf(AuditSchemas.KINDS);
    for (Map.Entry<String, String> sample : VALID.entrySet()) {
      assertThat(AuditSchemas.v1().problems(sample.getValue()))
          .as("problems of %s", sample.getKey())
          .isEmpty();
    }
  }

  static Stream<Arguments> brokenRecords() {
    return Stream.of(
        Arguments.of("finding", "action", "\"tokenise\""),
        Arguments.of("finding", "fingerprint", "\"4111 1111 1111 1111\""),
        Arguments.of("finding", "start", "-1"),
        Arguments.of("finding", "confidence", "1.5"),
        Arguments.of("finding", "request_id", "null"),
        Arguments.of("finding", "seq", "\"7\""),
        Arguments.of("finding", "prev_hash", "\"abc\""),
        Arguments.of("finding", "ts", "\"yesterday\""),
        Arguments.of("finding", "ts", "\"2025-01-31T10:30:00.123+01:00\""),
        Arguments.of("finding", "schema_version", "2"),
        Arguments.of("restore", "source", "\"cache\""),
        Arguments.of("request_summary", "status", "42"),
        Arguments.of("request_summary", "usage", "{\"prompt_tokens\":1}"),
        Arguments.of("request_summary", "outcome", "\"Upstream failed for ann@example.com\""),
        Arguments.of("policy_refusal", "status", "200"),
        Arguments.of("vault_operation", "operation", "\"export\""),
        Arguments.of("vault_operation", "reason", "\"customer John Smith asked\""),
        Arguments.of("lifecycle", "event", "\"crash\""),
        Arguments.of("lifecycle", "request_id", "\"req-1\""),
        Arguments.of("lifecycle", "changed_keys", "[\"openai.api_key=sk-123\"]"));
  }

  @ParameterizedTest(name = "{0}.{1} = {2}")
  @MethodSource("brokenRecords")
  void aWrongValueIsReportedForItsField(String kind, String field, String value) throws Exception {
    ObjectNode record = (ObjectNode) MAPPER.readTree(VALID.get(kind));
    record.set(field, MAPPER.readTree(value));

    List<String> problems = AuditSchemas.v1().problems(record);

    assertThat(problems).isNotEmpty();
    assertThat(String.join("\n", problems)).contains(field);
  }

  @Test
  void everyFieldOfEveryKindIsRequiredSoNoneCanBeLeftOut() throws Exception {
    for (String kind : AuditSchemas.KINDS) {
      JsonNode sample = MAPPER.readTree(VALID.get(kind));
      for (String field : fieldNames(sample)) {
        ObjectNode without = sample.deepCopy();
        without.remove(field);
        assertThat(AuditSchemas.v1().problems(without))
            .as("%s without %s", kind, field)
            .isNotEmpty();
      }
    }
  }

  @Test
  void unknownFieldsAreRejectedSoAKindHasOneFixedSetOfKeys() throws Exception {
    for (String kind : AuditSchemas.KINDS) {
      ObjectNode record = (ObjectNode) MAPPER.readTree(VALID.get(kind));
      record.put("value", "4111111111111111");
      assertThat(AuditSchemas.v1().problems(record)).as(kind).isNotEmpty();
    }
  }

  @Test
  void unknownOrMissingKindAndNonJsonAreInvalid() {
    assertThat(AuditSchemas.v1().problems("{\"kind\":\"gossip\"}"))
        .singleElement()
        .asString()
        .contains("gossip");
    assertThat(AuditSchemas.v1().problems("{}")).singleElement().asString().contains("kind");
    assertThat(AuditSchemas.v1().problems("{not json"))
        .singleElement()
        .asString()
        .startsWith("not JSON");
  }

  @Test
  void requireValidNamesTheKindAndTheProblem() throws Exception {
    ObjectNode record = (ObjectNode) MAPPER.readTree(VALID.get("restore"));
    record.put("source", "cache");

    assertThatThrownBy(() -> AuditSchemas.v1().requireValid(record))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("restore")
        .hasMessageContaining("source");
  }

  @Test
  void everyFieldIsDocumentedForOfficers() {
    List<String> undocumented = new ArrayList<>();
    collectUndocumented("envelope", AuditSchemas.schemaDocument("envelope"), undocumented);
    for (String kind : AuditSchemas.KINDS) {
      JsonNode schema = AuditSchemas.schemaDocument(kind);
      assertThat(schema.path("$id").asText()).isEqualTo(AuditSchemas.schemaId(kind));
      assertThat(schema.path("description").asText()).as(kind).hasSizeGreaterThan(40);
      collectUndocumented(kind, schema, undocumented);
    }
    assertThat(undocumented).isEmpty();
  }

  // A property counts as documented when it has a description or only narrows an envelope field.
  private static void collectUndocumented(String where, JsonNode schema, List<String> out) {
    JsonNode properties = schema.path("properties");
    for (String name : fieldNames(properties)) {
      JsonNode property = properties.get(name);
      boolean narrowsEnvelope =
          !where.equals("envelope")
              && AuditSchemas.schemaDocument("envelope").path("properties").has(name);
      if (!narrowsEnvelope && property.path("description").asText().isBlank()) {
        out.add(where + "." + name);
      }
      for (JsonNode alternative : property.path("oneOf")) {
        collectUndocumented(where + "." + name, alternative, out);
      }
    }
  }

  private static List<String> fieldNames(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }
}
