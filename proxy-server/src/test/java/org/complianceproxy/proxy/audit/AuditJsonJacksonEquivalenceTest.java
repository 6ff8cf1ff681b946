package org.complianceproxy.proxy.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.complianceproxy.proxy.testing.SeededRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link AuditJson} writes its records by hand; the bytes must be those Jackson's generator wrote
 * before (the chain hashes them, and officers' tools read them). Random records of every kind, with
 * strings of every kind of character (quotes, backslashes, control characters, non-ASCII, emoji,
 * lone surrogates), odd doubles and timestamps, against Jackson writing the same fields.
 */
class AuditJsonJacksonEquivalenceTest {

  private static final JsonFactory FACTORY = new JsonFactory();

  @Test
  void everyRandomRecordIsWrittenByteForByteAsJacksonWritesIt() {
    SeededRandom.forEachCase(
        3_000,
        random -> {
          String instance = text(random);
          if (instance.isBlank()) {
            instance = "proxy-" + instance;
          }
          AuditJson json = new AuditJson(instance);
          AuditRecord record = record(random);
          long seq = random.nextInt(3) == 0 ? random.nextLong() & Long.MAX_VALUE : random.nextInt();
          seq = Math.abs(seq);
          String prevHash = random.nextBoolean() ? AuditChain.GENESIS : text(random);

          String expected = jackson(instance, record, seq, prevHash);
          String actual =
              new String(json.toJsonBytes(record, seq, prevHash), StandardCharsets.UTF_8);

          assertThat(actual).isEqualTo(expected);
        });
  }

  @Test
  void aReusedBufferWritesEachRecordAsAFreshOneWould() {
    SeededRandom.forEachCase(
        200,
        random -> {
          AuditJson json = new AuditJson("proxy-1");
          AuditJson.Buffer buffer = new AuditJson.Buffer(16);
          for (int i = 0; i < 20; i++) {
            AuditRecord record = record(random);
            buffer.reset();
            json.write(buffer, record, i, AuditChain.GENESIS);

            assertThat(new String(buffer.toByteArray(), StandardCharsets.UTF_8))
                .isEqualTo(jackson("proxy-1", record, i, AuditChain.GENESIS));
          }
        });
  }

  static AuditRecord record(Random random) {
    Instant ts = instant(random);
    return switch (random.nextInt(6)) {
      case 0 ->
          new FindingRecord(
              maybe(random),
              maybe(random),
              ts,
              maybe(random),
              maybe(random),
              maybe(random),
              maybe(random),
              maybe(random),
              maybe(random),
              random.nextInt(),
              random.nextInt(),
              aDouble(random));
      case 1 ->
          new RestoreRecord(
              maybe(random),
              maybe(random),
              ts,
              maybe(random),
              maybe(random),
              maybe(random),
              maybe(random));
      case 2 ->
          new RequestSummary(
              maybe(random),
              maybe(random),
              ts,
              maybe(random),
              maybe(random),
              maybe(random),
              maybe(random),
              random.nextBoolean(),
              random.nextInt(),
              maybe(random),
              random.nextLong(),
              random.nextLong(),
              random.nextInt(),
              random.nextInt(),
              random.nextBoolean()
                  ? null
                  : new RequestSummary.Usage(
                      random.nextLong(), random.nextInt(), Long.MIN_VALUE + random.nextInt(9)));
      case 3 ->
          new PolicyRefusalRecord(
              maybe(random),
              maybe(random),
              ts,
              maybe(random),
              maybe(random),
              random.nextInt(),
              maybe(random),
              maybe(random),
              maybe(random),
              maybe(random));
      case 4 ->
          new VaultOperationRecord(
              maybe(random),
              maybe(random),
              ts,
              maybe(random),
              maybe(random),
              maybe(random),
              maybe(random),
              random.nextBoolean() ? null : random.nextInt(),
              random.nextBoolean() ? null : random.nextLong(),
              maybe(random),
              maybe(random));
      default -> {
        List<String> keys = null;
        if (random.nextBoolean()) {
          keys = new ArrayList<>();
          for (int i = random.nextInt(4); i > 0; i--) {
            keys.add(text(random));
          }
        }
        yield new LifecycleRecord(
            ts, maybe(random), maybe(random), maybe(random), keys, maybe(random));
      }
    };
  }

  private static Instant instant(Random random) {
    return switch (random.nextInt(8)) {
      case 0 -> null;
      case 1 ->
          Instant.ofEpochSecond(
              random.nextLong() % 400_000_000_000L, random.nextInt(1_000_000_000));
      case 2 -> Instant.ofEpochSecond(random.nextInt(), 0);
      case 3 -> Instant.ofEpochSecond(random.nextInt(), random.nextInt(1000) * 1_000_000);
      case 4 -> Instant.ofEpochSecond(random.nextInt(), random.nextInt(1_000_000) * 1_000);
      case 5 -> random.nextBoolean() ? Instant.MIN : Instant.MAX;
      case 6 -> Instant.parse("9999-12-31T23:59:59.999999999Z").plusNanos(random.nextInt(3));
      default -> Instant.ofEpochMilli(1_700_000_000_000L + random.nextInt(Integer.MAX_VALUE));
    };
  }

  private static double aDouble(Random random) {
    return switch (random.nextInt(7)) {
      case 0 -> random.nextDouble();
      case 1 -> Double.NaN;
      case 2 -> random.nextBoolean() ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
      case 3 -> Double.longBitsToDouble(random.nextLong());
      case 4 -> random.nextBoolean() ? -0.0 : Double.MIN_VALUE;
      case 5 -> random.nextInt(101) / 100.0;
      default -> random.nextGaussian() * 1e20;
    };
  }

  private static String maybe(Random random) {
    return random.nextInt(6) == 0 ? null : text(random);
  }

  // Strings from every class of character the writer treats differently.
  private static String text(Random random) {
    int length = random.nextInt(10) == 0 ? random.nextInt(20_000) : random.nextInt(40);
    StringBuilder s = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      switch (random.nextInt(10)) {
        case 0 -> s.append((char) random.nextInt(0x20));
        case 1 -> s.append("\"\\/\u007f".charAt(random.nextInt(4)));
        case 2 -> s.append((char) (0x80 + random.nextInt(0x780)));
        case 3 -> s.append((char) (0x800 + random.nextInt(0xD800 - 0x800)));
        case 4 -> s.appendCodePoint(0x10000 + random.nextInt(0x100000));
        case 5 -> s.append((char) (0xD800 + random.nextInt(0x800)));
        case 6 -> s.append((char) (0xE000 + random.nextInt(0x2000)));
        default -> s.append((char) (0x20 + random.nextInt(0x5f)));
      }
    }
    return s.toString();
  }

  // The serializer AuditJson had before, with Jackson's generator.
  private static String jackson(String instanceId, AuditRecord record, long seq, String prevHash) {
    ByteArrayBuilder out = new ByteArrayBuilder(512);
    try (JsonGenerator json = FACTORY.createGenerator(out, JsonEncoding.UTF8)) {
      json.writeStartObject();
      json.writeStringField("kind", record.kind());
      json.writeNumberField("schema_version", AuditJson.SCHEMA_VERSION);
      json.writeStringField("instance", instanceId);
      json.writeNumberField("seq", seq);
      json.writeStringField("prev_hash", prevHash);
      json.writeStringField("request_id", record.requestId());
      json.writeStringField("tenant", record.tenant());
      Instant ts = record.timestamp();
      json.writeStringField("ts", ts == null ? null : DateTimeFormatter.ISO_INSTANT.format(ts));
      if (record instanceof FindingRecord r) {
        json.writeStringField("entity_type", r.entityType());
        json.writeStringField("rule_id", r.ruleId());
        json.writeStringField("action", r.action());
        json.writeStringField("token", r.token());
        json.writeStringField("fingerprint", r.fingerprint());
        json.writeStringField("field_path", r.fieldPath());
        json.writeNumberField("start", r.start());
        json.writeNumberField("end", r.end());
        json.writeNumberField("confidence", r.confidence());
      } else if (record instanceof RestoreRecord r) {
        json.writeStringField("entity_type", r.entityType());
        json.writeStringField("token", r.token());
        json.writeStringField("source", r.source());
        json.writeStringField("field", r.field());
      } else if (record instanceof RequestSummary r) {
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
      } else if (record instanceof PolicyRefusalRecord r) {
        json.writeStringField("route", r.route());
        json.writeStringField("code", r.code());
        json.writeNumberField("status", r.status());
        json.writeStringField("rule_id", r.ruleId());
        json.writeStringField("entity_type", r.entityType());
        json.writeStringField("model", r.model());
        json.writeStringField("region", r.region());
      } else if (record instanceof VaultOperationRecord r) {
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
      } else if (record instanceof LifecycleRecord r) {
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
      json.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new String(out.toByteArray(), StandardCharsets.UTF_8);
  }
}
