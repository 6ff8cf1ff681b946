package org.complianceproxy.proxy.audit;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;

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
 * <p>The bytes are those Jackson's generator wrote in earlier versions (see {@link Buffer}),
 * written by hand into a reusable buffer: the spool writer serializes every record, and this costs
 * a fraction of a generator per record.
 *
 * <p>Fields are written one by one rather than by reflection, so that the JSON form is a reviewed
 * contract: renaming a Java component cannot silently rename a field that compliance queries use.
 * Thread-safe.
 */
public final class AuditJson {

  /** The version of the record schemas this class writes. */
  public static final int SCHEMA_VERSION = 1;

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
    Buffer out = new Buffer(512);
    write(out, record, seq, prevHash);
    return out.toByteArray();
  }

  /**
   * Writes what {@link #toJsonBytes} returns into {@code out}, after what it holds; for a writer
   * that reuses one buffer.
   */
  void write(Buffer out, AuditRecord record, long seq, String prevHash) {
    requireNonNull(prevHash, "prevHash");
    write(out, record, seq, prevHash, null);
  }

  /**
   * As {@link #write(Buffer, AuditRecord, long, String)}, with {@code prevHash} given as the ASCII
   * bytes of its lower-case hex digits (nothing to escape), as {@link AuditChain} keeps it.
   */
  void write(Buffer out, AuditRecord record, long seq, byte[] prevHashHex) {
    requireNonNull(prevHashHex, "prevHashHex");
    write(out, record, seq, null, prevHashHex);
  }

  // exactly one of prevHash and prevHashHex is set
  private void write(
      Buffer out, AuditRecord record, long seq, String prevHash, byte[] prevHashHex) {
    requireNonNull(record, "record");
    if (seq < 0) {
      throw new IllegalArgumentException("seq: " + seq + " (expected: >= 0)");
    }
    writeEnvelope(out, record, seq, prevHash, prevHashHex);
    if (record instanceof FindingRecord finding) {
      writeFinding(out, finding);
    } else if (record instanceof RestoreRecord restore) {
      writeRestore(out, restore);
    } else if (record instanceof RequestSummary summary) {
      writeSummary(out, summary);
    } else if (record instanceof PolicyRefusalRecord refusal) {
      writeRefusal(out, refusal);
    } else if (record instanceof VaultOperationRecord operation) {
      writeVaultOperation(out, operation);
    } else if (record instanceof LifecycleRecord lifecycle) {
      writeLifecycle(out, lifecycle);
    } else {
      throw new IllegalArgumentException(
          "record: "
              + record.getClass().getName()
              + " (expected: a permitted subtype of AuditRecord)");
    }
    out.endObject();
  }

  /** The Kafka key of a record: its request id, or this instance's id for records of no request. */
  public String keyOf(AuditRecord record) {
    String requestId = record.requestId();
    return requestId == null ? instanceId : requestId;
  }

  private void writeEnvelope(
      Buffer json, AuditRecord record, long seq, String prevHash, byte[] prevHashHex) {
    json.startObject();
    json.stringField("kind", record.kind());
    json.numberField("schema_version", SCHEMA_VERSION);
    json.stringField("instance", instanceId);
    json.numberField("seq", seq);
    if (prevHash != null) {
      json.stringField("prev_hash", prevHash);
    } else {
      json.asciiField("prev_hash", prevHashHex);
    }
    json.stringField("request_id", record.requestId());
    json.stringField("tenant", record.tenant());
    json.timeField("ts", record.timestamp());
  }

  private static void writeFinding(Buffer json, FindingRecord r) {
    json.stringField("entity_type", r.entityType());
    json.stringField("rule_id", r.ruleId());
    json.stringField("action", r.action());
    json.stringField("token", r.token());
    json.stringField("fingerprint", r.fingerprint());
    json.stringField("field_path", r.fieldPath());
    json.numberField("start", r.start());
    json.numberField("end", r.end());
    json.numberField("confidence", r.confidence());
  }

  private static void writeRestore(Buffer json, RestoreRecord r) {
    json.stringField("entity_type", r.entityType());
    json.stringField("token", r.token());
    json.stringField("source", r.source());
    json.stringField("field", r.field());
  }

  private static void writeSummary(Buffer json, RequestSummary r) {
    json.stringField("route", r.route());
    json.stringField("upstream", r.upstream());
    json.stringField("region", r.region());
    json.stringField("model", r.model());
    json.booleanField("stream", r.stream());
    json.numberField("status", r.status());
    json.stringField("outcome", r.outcome());
    json.numberField("latency_millis", r.latencyMillis());
    json.numberField("ttfb_millis", r.ttfbMillis());
    json.numberField("findings", r.findings());
    json.numberField("restores", r.restores());
    RequestSummary.Usage usage = r.usage();
    if (usage == null) {
      json.nullField("usage");
    } else {
      json.fieldName("usage");
      json.startObject();
      json.numberField("prompt_tokens", usage.promptTokens());
      json.numberField("completion_tokens", usage.completionTokens());
      json.numberField("total_tokens", usage.totalTokens());
      json.endObject();
    }
  }

  private static void writeRefusal(Buffer json, PolicyRefusalRecord r) {
    json.stringField("route", r.route());
    json.stringField("code", r.code());
    json.numberField("status", r.status());
    json.stringField("rule_id", r.ruleId());
    json.stringField("entity_type", r.entityType());
    json.stringField("model", r.model());
    json.stringField("region", r.region());
  }

  private static void writeVaultOperation(Buffer json, VaultOperationRecord r) {
    json.stringField("operation", r.operation());
    json.stringField("actor", r.actor());
    json.stringField("token", r.token());
    json.stringField("entity_type", r.entityType());
    if (r.keyVersion() == null) {
      json.nullField("key_version");
    } else {
      json.numberField("key_version", r.keyVersion());
    }
    if (r.entries() == null) {
      json.nullField("entries");
    } else {
      json.numberField("entries", r.entries());
    }
    json.stringField("reason", r.reason());
    json.stringField("outcome", r.outcome());
  }

  private static void writeLifecycle(Buffer json, LifecycleRecord r) {
    json.stringField("event", r.event());
    json.stringField("proxy_version", r.proxyVersion());
    json.stringField("config_sha256", r.configSha256());
    if (r.changedKeys() == null) {
      json.nullField("changed_keys");
    } else {
      json.fieldName("changed_keys");
      json.startArray();
      for (String key : r.changedKeys()) {
        json.string(key);
      }
      json.endArray();
    }
    json.stringField("previous_config_sha256", r.previousConfigSha256());
  }

  /**
   * A growable byte buffer that writes compact JSON the way Jackson's UTF-8 generator does with its
   * defaults (so the bytes are those of earlier versions): strings as UTF-8 with {@code \"}, {@code
   * \\}, {@code \b \t \n \f \r}, other control characters and every UTF-16 surrogate as {@code
   * \}{@code uXXXX} (upper-case hex), doubles as {@link Double#toString} (non-finite ones quoted),
   * and no white space. Not thread-safe; reusable after {@link #reset}.
   */
  static final class Buffer {

    private static final byte[] HEX = "0123456789ABCDEF".getBytes(US_ASCII);
    private static final byte[] NULL = "null".getBytes(US_ASCII);
    private static final byte[] TRUE = "true".getBytes(US_ASCII);
    private static final byte[] FALSE = "false".getBytes(US_ASCII);
    // For each ASCII character: 0 written as is, -1 as a unicode escape, else the escape letter.
    private static final byte[] ESCAPES = new byte[128];

    static {
      for (int c = 0; c < 0x20; c++) {
        ESCAPES[c] = -1;
      }
      ESCAPES['"'] = '"';
      ESCAPES['\\'] = '\\';
      ESCAPES['\b'] = 'b';
      ESCAPES['\t'] = 't';
      ESCAPES['\n'] = 'n';
      ESCAPES['\f'] = 'f';
      ESCAPES['\r'] = 'r';
    }

    // Strings up to this long are copied into the kept scratch array, longer ones into their own.
    private static final int MAX_KEPT_CHARS = 1 << 16;
    // string() makes room for this many chars at a time (a power of two).
    private static final int CHUNK = 1024;

    private byte[] bytes;
    private int length;
    private char[] chars = new char[256];
    // Whether the next value in the current object or array needs a comma before it.
    private boolean comma;
    // The date part ("2025-01-31T") of the last timestamp written, by its epoch day.
    private long cachedDay = Long.MIN_VALUE;
    private final byte[] cachedDate = new byte[11];

    Buffer(int capacity) {
      bytes = new byte[capacity];
    }

    /** The bytes written, {@code [0, length())}; valid until the next write. */
    byte[] array() {
      return bytes;
    }

    int length() {
      return length;
    }

    void reset() {
      truncate(0);
    }

    /**
     * Drops what was written from {@code length} on, and starts a new top-level value there: for a
     * record that failed half-way, or for lines written one after another.
     */
    void truncate(int length) {
      if (length < 0 || length > this.length) {
        throw new IllegalArgumentException(
            "length: " + length + " (expected: 0 to " + this.length + ")");
      }
      this.length = length;
      comma = false;
    }

    /** Ends a line: a newline, after which the next value is a new top-level one. */
    void newline() {
      put((byte) '\n');
      comma = false;
    }

    byte[] toByteArray() {
      return Arrays.copyOf(bytes, length);
    }

    void startObject() {
      separator();
      put((byte) '{');
      comma = false;
    }

    void endObject() {
      put((byte) '}');
      comma = true;
    }

    void startArray() {
      separator();
      put((byte) '[');
      comma = false;
    }

    void endArray() {
      put((byte) ']');
      comma = true;
    }

    // Field names are constants of this class: plain ASCII, nothing to escape.
    void fieldName(String name) {
      separator();
      int n = name.length();
      ensure(n + 3);
      byte[] b = bytes;
      int p = length;
      b[p++] = '"';
      for (int i = 0; i < n; i++) {
        b[p++] = (byte) name.charAt(i);
      }
      b[p++] = '"';
      b[p++] = ':';
      length = p;
      comma = false;
    }

    void stringField(String name, String value) {
      fieldName(name);
      string(value);
    }

    void numberField(String name, long value) {
      fieldName(name);
      number(value);
    }

    void numberField(String name, double value) {
      fieldName(name);
      if (Double.isFinite(value)) {
        ascii(Double.toString(value));
        comma = true;
      } else {
        string(Double.toString(value));
      }
    }

    /** A string field whose value is {@code ascii}: printable ASCII that needs no escape. */
    void asciiField(String name, byte[] ascii) {
      fieldName(name);
      ensure(ascii.length + 2);
      bytes[length++] = '"';
      System.arraycopy(ascii, 0, bytes, length, ascii.length);
      length += ascii.length;
      bytes[length++] = '"';
      comma = true;
    }

    void booleanField(String name, boolean value) {
      fieldName(name);
      putAll(value ? TRUE : FALSE);
      comma = true;
    }

    void nullField(String name) {
      fieldName(name);
      putAll(NULL);
      comma = true;
    }

    /** An ISO-8601 instant as {@link DateTimeFormatter#ISO_INSTANT} writes it, or null. */
    void timeField(String name, Instant ts) {
      fieldName(name);
      if (ts == null) {
        putAll(NULL);
        comma = true;
        return;
      }
      long seconds = ts.getEpochSecond();
      long day = Math.floorDiv(seconds, 86_400);
      // Years 0 to 9999 only; others (signs, more digits) are the formatter's.
      if (day < -719_528 || day > 2_932_896) {
        string(DateTimeFormatter.ISO_INSTANT.format(ts));
        return;
      }
      if (day != cachedDay) {
        LocalDate date = LocalDate.ofEpochDay(day);
        digits(cachedDate, 0, date.getYear(), 4);
        cachedDate[4] = '-';
        digits(cachedDate, 5, date.getMonthValue(), 2);
        cachedDate[7] = '-';
        digits(cachedDate, 8, date.getDayOfMonth(), 2);
        cachedDate[10] = 'T';
        cachedDay = day;
      }
      int secondOfDay = (int) (seconds - day * 86_400);
      int nanos = ts.getNano();
      ensure(2 + 11 + 8 + 10 + 1);
      byte[] b = bytes;
      int p = length;
      b[p++] = '"';
      System.arraycopy(cachedDate, 0, b, p, 11);
      p += 11;
      digits(b, p, secondOfDay / 3600, 2);
      b[p + 2] = ':';
      digits(b, p + 3, secondOfDay / 60 % 60, 2);
      b[p + 5] = ':';
      digits(b, p + 6, secondOfDay % 60, 2);
      p += 8;
      if (nanos != 0) {
        b[p++] = '.';
        if (nanos % 1_000_000 == 0) {
          digits(b, p, nanos / 1_000_000, 3);
          p += 3;
        } else if (nanos % 1_000 == 0) {
          digits(b, p, nanos / 1_000, 6);
          p += 6;
        } else {
          digits(b, p, nanos, 9);
          p += 9;
        }
      }
      b[p++] = 'Z';
      b[p++] = '"';
      length = p;
      comma = true;
    }

    void string(String value) {
      separator();
      if (value == null) {
        putAll(NULL);
        comma = true;
        return;
      }
      int n = value.length();
      // Copied out once: a loop over a char[] costs less than charAt on each.
      char[] chars = n <= MAX_KEPT_CHARS ? scratch(n) : new char[n];
      value.getChars(0, n, chars, 0);
      put((byte) '"');
      byte[] b = bytes;
      int p = length;
      for (int i = 0; i < n; i++) {
        if ((i & (CHUNK - 1)) == 0) {
          // Room for the next chunk at 6 bytes per char (an escape), and the closing quote.
          length = p;
          ensure(Math.min(CHUNK, n - i) * 6 + 1);
          b = bytes;
        }
        char c = chars[i];
        if (c < 0x80) {
          byte escape = ESCAPES[c];
          if (escape == 0) {
            b[p++] = (byte) c;
          } else {
            b[p++] = '\\';
            if (escape > 0) {
              b[p++] = escape;
            } else {
              p = unicodeEscape(b, p, c);
            }
          }
        } else if (c < 0x800) {
          b[p++] = (byte) (0xc0 | (c >> 6));
          b[p++] = (byte) (0x80 | (c & 0x3f));
        } else if (Character.isSurrogate(c)) {
          b[p++] = '\\';
          p = unicodeEscape(b, p, c);
        } else {
          b[p++] = (byte) (0xe0 | (c >> 12));
          b[p++] = (byte) (0x80 | ((c >> 6) & 0x3f));
          b[p++] = (byte) (0x80 | (c & 0x3f));
        }
      }
      if (n == 0) {
        ensure(1);
        b = bytes;
      }
      b[p++] = '"';
      length = p;
      comma = true;
    }

    private char[] scratch(int n) {
      if (chars.length < n) {
        chars = new char[Math.max(n, 2 * chars.length)];
      }
      return chars;
    }

    /** {@code value} as {@link Long#toString(long)} writes it, without a string in between. */
    private void number(long value) {
      if (value == Long.MIN_VALUE) {
        // the one value whose negation is not a long
        ascii(Long.toString(value));
        comma = true;
        return;
      }
      ensure(20);
      byte[] b = bytes;
      int p = length;
      if (value < 0) {
        b[p++] = '-';
        value = -value;
      }
      int width = 1;
      for (long rest = value / 10; rest != 0; rest /= 10) {
        width++;
      }
      for (int i = p + width - 1; i >= p; i--) {
        b[i] = (byte) ('0' + value % 10);
        value /= 10;
      }
      length = p + width;
      comma = true;
    }

    // 'u' and four upper-case hex digits; returns the new position.
    private static int unicodeEscape(byte[] b, int p, char c) {
      b[p++] = 'u';
      b[p++] = HEX[(c >> 12) & 0xf];
      b[p++] = HEX[(c >> 8) & 0xf];
      b[p++] = HEX[(c >> 4) & 0xf];
      b[p++] = HEX[c & 0xf];
      return p;
    }

    // value in exactly width decimal digits, zero-padded, at b[p].
    private static void digits(byte[] b, int p, int value, int width) {
      for (int i = p + width - 1; i >= p; i--) {
        b[i] = (byte) ('0' + value % 10);
        value /= 10;
      }
    }

    private void ascii(String s) {
      int n = s.length();
      ensure(n);
      for (int i = 0; i < n; i++) {
        bytes[length++] = (byte) s.charAt(i);
      }
    }

    private void separator() {
      if (comma) {
        put((byte) ',');
      }
    }

    private void put(byte b) {
      ensure(1);
      bytes[length++] = b;
    }

    private void putAll(byte[] b) {
      ensure(b.length);
      System.arraycopy(b, 0, bytes, length, b.length);
      length += b.length;
    }

    private void ensure(int more) {
      if (bytes.length - length < more) {
        bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + more));
      }
    }
  }
}
