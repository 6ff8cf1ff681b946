package org.complianceproxy.proxy.audit;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.format.DateTimeFormatter;

/**
 * The wire form of audit records: one JSON object per record, UTF-8, on one line (no newline inside
 * or after it), the same on Kafka and in the local spool.
 *
 * <p>Every object starts with the envelope {@code kind}, {@code schema_version} ({@value
 * #SCHEMA_VERSION}), {@code instance} (the proxy instance that wrote it), {@code seq} and {@code
 * prev_hash} (its link in the instance's chain, see {@link AuditChain}), {@code request_id}, {@code
 * tenant} and {@code ts} (ISO-8601 in UTC, e.g. {@code 2025-01-31T09:30:00.123Z}, with as many
 * fraction digits as the instant has), followed by the fields of its kind in snake_case, in the
 * order of the record's components.
 *
 * <p>Nulls are explicit: every field of a kind is always present, and a missing value is JSON
 * {@code null}. Consumers (and the schemas in {@code audit-schema/}) see one fixed set of keys per
 * kind and tell "absent" from "not written by this version" by {@code schema_version}, not by a
 * missing key.
 *
 * <p>Fields are written one by one rather than by reflection, so that the JSON form is a reviewed
 * contract: renaming a Java component cannot silently rename a field that compliance queries use.
 * Thread-safe.
 */
public final class AuditJson {

  /** The version of the record schemas this class writes. */
  public static final int SCHEMA_VERSION = 1;

  private static final JsonFactory FACTORY = new JsonFactory();

  // Written into every record as "instance".
  private final String instanceId;

  public AuditJson(String instanceId) {
    requireNonNull(instanceId, "instanceId");
    if (instanceId.isBlank()) {
      throw new IllegalArgumentException(
          "instanceId: '' (expected: a non-blank proxy instance id)");
    }
    this.instanceId = instanceId;
  }

  public String instanceId() {
    return instanceId;
  }

  /**
   * The record as UTF-8 JSON, without a trailing newline, as link {@code seq} of this instance's
   * chain whose previous link hashes to {@code prevHash} (see {@link AuditChain}).
   */
  public byte[] toJsonBytes(AuditRecord record, long seq, String prevHash) {
    requireNonNull(record, "record");
    requireNonNull(prevHash, "prevHash");
    if (seq < 0) {
      throw new IllegalArgumentException("seq: " + seq + " (expected: >= 0)");
    }
    ByteArrayBuilder out = new ByteArrayBuilder(512);
    try (JsonGenerator json = FACTORY.createGenerator(out, JsonEncoding.UTF8)) {
      json.writeStartObject();
      writeEnvelope(json, record, seq, prevHash);
      if (record instanceof FindingRecord finding) {
        writeFinding(json, finding);
      } else if (record instanceof RestoreRecord restore) {
        writeRestore(json, restore);
      } else if (record instanceof RequestSummary summary) {
        writeSummary(json, summary);
      } else if (record instanceof PolicyRefusalRecord refusal) {
        writeRefusal(json, refusal);
      } else if (record instanceof VaultOperationRecord operation) {
        writeVaultOperation(json, operation);
      } else if (record instanceof LifecycleRecord lifecycle) {
        writeLifecycle(json, lifecycle);
      } else {
        throw new IllegalArgumentException(
            "record: "
                + record.getClass().getName()
                + " (expected: a permitted subtype of AuditRecord)");
      }
      json.writeEndObject();
    } catch (IOException e) {
      // Writing to memory does not fail; this would be a Jackson bug.
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** The Kafka key of a record: its request id, or this instance's id for records of no request. */
  public String keyOf(AuditRecord record) {
    String requestId = record.requestId();
    return requestId == null ? instanceId : requestId;
  }

  private void writeEnvelope(JsonGenerator json, AuditRecord record, long seq, String prevHash)
      throws IOException {
    json.writeStringField("kind", record.kind());
    json.writeNumberField("schema_version", SCHEMA_VERSION);
    json.writeStringField("instance", instanceId);
    json.writeNumberField("seq", seq);
    json.writeStringField("prev_hash", prevHash);
    json.writeStringField("request_id", record.requestId());
    json.writeStringField("tenant", record.tenant());
    Instant ts = record.timestamp();
    json.writeStringField("ts", ts == null ? null : DateTimeFormatter.ISO_INSTANT.format(ts));
  }

  private static void writeFinding(JsonGenerator json, FindingRecord r) throws IOException {
    json.writeStringField("entity_type", r.entityType());
    json.writeStringField("rule_id", r.ruleId());
    json.writeStringField("action", r.action());
    json.writeStringField("token", r.token());
    json.writeStringField("fingerprint", r.fingerprint());
    json.writeStringField("field_path", r.fieldPath());
    json.writeNumberField("start", r.start());
    json.writeNumberField("end", r.end());
    json.writeNumberField("confidence", r.confidence());
  }

  private static void writeRestore(JsonGenerator json, RestoreRecord r) throws IOException {
    json.writeStringField("entity_type", r.entityType());
    json.writeStringField("token", r.token());
    json.writeStringField("source", r.source());
    json.writeStringField("field", r.field());
  }

  private static void writeSummary(JsonGenerator json, RequestSummary r) throws IOException {
    json.writeStringField("route", r.route());
    json.writeStringField("upstream", r.upstream());
    json.writeStringField("region", r.region());
    json.writeStringField("model", r.model());
    json.writeBooleanField("stream", r.stream());
    json.writeNumberField("status", r.status());
    json.writeStringField("outcome", r.outcome());
    json.writeNumberField("latency_millis", r.latencyMillis());
    json.writeNumberField("ttfb_millis", r.ttfbMillis());
    json.writeNumberField("findings", r.findings());
    json.writeNumberField("restores", r.restores());
    RequestSummary.Usage usage = r.usage();
    if (usage == null) {
      json.writeNullField("usage");
    } else {
      json.writeObjectFieldStart("usage");
      json.writeNumberField("prompt_tokens", usage.promptTokens());
      json.writeNumberField("completion_tokens", usage.completionTokens());
      json.writeNumberField("total_tokens", usage.totalTokens());
      json.writeEndObject();
    }
  }

  private static void writeRefusal(JsonGenerator json, PolicyRefusalRecord r) throws IOException {
    json.writeStringField("route", r.route());
    json.writeStringField("code", r.code());
    json.writeNumberField("status", r.status());
    json.writeStringField("rule_id", r.ruleId());
    json.writeStringField("entity_type", r.entityType());
    json.writeStringField("model", r.model());
    json.writeStringField("region", r.region());
  }

  private static void writeVaultOperation(JsonGenerator json, VaultOperationRecord r)
      throws IOException {
    json.writeStringField("operation", r.operation());
    json.writeStringField("actor", r.actor());
    json.writeStringField("token", r.token());
    json.writeStringField("entity_type", r.entityType());
    if (r.keyVersion() == null) {
      json.writeNullField("key_version");
    } else {
      json.writeNumberField("key_version", r.keyVersion());
    }
    if (r.entries() == null) {
      json.writeNullField("entries");
    } else {
      json.writeNumberField("entries", r.entries());
    }
    json.writeStringField("reason", r.reason());
    json.writeStringField("outcome", r.outcome());
  }

  private static void writeLifecycle(JsonGenerator json, LifecycleRecord r) throws IOException {
    json.writeStringField("event", r.event());
    json.writeStringField("proxy_version", r.proxyVersion());
    json.writeStringField("config_sha256", r.configSha256());
    if (r.changedKeys() == null) {
      json.writeNullField("changed_keys");
    } else {
      json.writeArrayFieldStart("changed_keys");
      for (String key : r.changedKeys()) {
        json.writeString(key);
      }
      json.writeEndArray();
    }
    json.writeStringField("previous_config_sha256", r.previousConfigSha256());
  }
}
