package org.complianceproxy.proxy.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Collection;
import java.util.List;
import org.complianceproxy.auditschema.AuditSchemas;

/**
 * Assertions over audit records that integration tests read back (from Kafka or the spool): each
 * must match its schema in {@code audit-schema/}, and none may hold a PII value of a test corpus.
 */
public final class AuditRecords {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private AuditRecords() {}

  /** Fails naming the record's kind, seq and the schema problems when one record is invalid. */
  public static void assertValid(JsonNode record) {
    List<String> problems = AuditSchemas.v1().problems(record);
    assertThat(problems)
        .as(
            "schema problems of %s record seq %s of %s",
            record.path("kind").asText("?"),
            record.path("seq").asText("?"),
            record.path("request_id").asText("?"))
        .isEmpty();
  }

  /** {@link #assertValid(JsonNode)} for one record's JSON text. */
  public static void assertValid(String json) {
    assertValid(parse(json));
  }

  /** Validates every record (JSON text or {@link JsonNode}); returns how many there were. */
  public static int assertAllValid(Collection<?> records) {
    for (Object record : records) {
      if (record instanceof JsonNode node) {
        assertValid(node);
      } else {
        assertValid(record.toString());
      }
    }
    return records.size();
  }

  /** Fails if any record's text contains any of the values (the PII of a test corpus). */
  public static void assertNoPii(Collection<?> records, Collection<String> piiValues) {
    for (Object record : records) {
      String text = record.toString();
      for (String pii : piiValues) {
        if (!pii.isEmpty() && text.contains(pii)) {
          throw new AssertionError(
              "an audit record contains a PII value of the test corpus (record "
                  + parse(text).path("kind").asText("?")
                  + " seq "
                  + parse(text).path("seq").asText("?")
                  + ")");
        }
      }
    }
  }

  /**
   * A chained trail as one proxy instance writes it: a start record, then {@code requests} requests
   * of two findings (CARD, TOKENIZE), one restore and a summary each (model gpt-4o-mini, region
   * eu-central-1, tenant acme), then a stop record.
   */
  public static List<String> sampleTrail(String instance, int requests) {
    List<AuditRecord> records = new java.util.ArrayList<>();
    records.add(SampleRecords.lifecycle(0));
    for (int r = 0; r < requests; r++) {
      records.addAll(SampleRecords.request(instance + "-req-" + r, 2, 1));
    }
    records.add(new LifecycleRecord(SampleRecords.TS, "stop", "0.1.0", null, null));
    return SampleRecords.chained(new AuditJson(instance), records);
  }

  public static JsonNode parse(String json) {
    try {
      return MAPPER.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException("not an audit record: not JSON", e);
    }
  }
}
