package org.complianceproxy.auditschema;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The audit record schemas (JSON Schema draft 2020-12, on the class path under {@code
 * audit-schema/v1/}) and a validator that picks the schema by a record's {@code kind}. Thread-safe;
 * {@link #v1()} is shared.
 */
public final class AuditSchemas {

  /** The schema version these schemas describe, the records' {@code schema_version}. */
  public static final int VERSION = 1;

  /** Every record kind, each with a schema named {@code <kind>.schema.json}. */
  public static final List<String> KINDS =
      List.of(
          "finding",
          "restore",
          "request_summary",
          "policy_refusal",
          "vault_operation",
          "lifecycle");

  private static final String ID_PREFIX = "https://complianceproxy.org/schemas/audit/";
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final AuditSchemas V1 = new AuditSchemas();

  // kind -> compiled schema
  private final Map<String, JsonSchema> schemas = new LinkedHashMap<>();

  private AuditSchemas() {
    JsonSchemaFactory factory =
        JsonSchemaFactory.builder(JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012))
            .schemaMappers(m -> m.mapPrefix(ID_PREFIX, "classpath:audit-schema/"))
            .build();
    SchemaValidatorsConfig config =
        SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build();
    for (String kind : KINDS) {
      JsonSchema schema = factory.getSchema(SchemaLocation.of(schemaId(kind)), config);
      schema.initializeValidators();
      schemas.put(kind, schema);
    }
  }

  /** The version 1 schemas. */
  public static AuditSchemas v1() {
    return V1;
  }

  /** The {@code $id} of a kind's schema, e.g. {@code .../v1/finding.schema.json}. */
  public static String schemaId(String kind) {
    return ID_PREFIX + "v" + VERSION + "/" + kind + ".schema.json";
  }

  /**
   * What is wrong with one record's JSON, one message per problem; empty when it is valid. A record
   * whose {@code kind} is missing or unknown is invalid.
   */
  public List<String> problems(JsonNode record) {
    requireNonNull(record, "record");
    List<String> problems = new ArrayList<>();
    JsonNode kind = record.get("kind");
    if (kind == null || !kind.isTextual()) {
      problems.add("$.kind: missing (expected: one of " + KINDS + ")");
      return problems;
    }
    JsonSchema schema = schemas.get(kind.asText());
    if (schema == null) {
      problems.add("$.kind: '" + kind.asText() + "' (expected: one of " + KINDS + ")");
      return problems;
    }
    Set<ValidationMessage> messages = schema.validate(record);
    messages.stream()
        .sorted(Comparator.comparing(ValidationMessage::getMessage))
        .forEach(m -> problems.add(m.getMessage()));
    return problems;
  }

  /** Like {@link #problems(JsonNode)} for one line of JSON; a line that is not JSON is invalid. */
  public List<String> problems(String json) {
    requireNonNull(json, "json");
    try {
      return problems(MAPPER.readTree(json));
    } catch (JsonProcessingException e) {
      // The parser's message quotes the input, which may be anything: report the position only.
      return List.of(
          "not JSON (at character "
              + (e.getLocation() == null ? -1 : e.getLocation().getCharOffset())
              + ")");
    }
  }

  /** Throws {@link IllegalArgumentException} listing the problems when the record is invalid. */
  public void requireValid(JsonNode record) {
    List<String> problems = problems(record);
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(
          "audit record of kind "
              + record.path("kind").asText("?")
              + " does not match its schema: "
              + String.join("; ", problems));
    }
  }

  /** The schema document of a kind, as JSON, for documentation and tools. */
  public static JsonNode schemaDocument(String kind) {
    if (!KINDS.contains(kind) && !"envelope".equals(kind)) {
      throw new IllegalArgumentException("kind: '" + kind + "' (expected: one of " + KINDS + ")");
    }
    try (var in =
        AuditSchemas.class.getResourceAsStream(
            "/audit-schema/v" + VERSION + "/" + kind + ".schema.json")) {
      return MAPPER.readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
