package org.complianceproxy.proxy.audit;

import static java.util.Objects.requireNonNull;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * One proxy instance's hash chain over its audit records, for tamper evidence: record {@code n}
 * carries {@code seq = n} and {@code prev_hash} = hex SHA-256 over the exact bytes of record {@code
 * n - 1} (64 zeros for the first). Removing, reordering or altering any record but the newest
 * breaks a link or leaves a gap that {@code audit verify} reports.
 *
 * <p>{@link #next} must be called in the order records are written (the spool calls it under the
 * lock that also queues the line), so that chain order and log order agree. Thread-safe.
 */
public final class AuditChain {

  /** {@code prev_hash} of a chain's first record. */
  public static final String GENESIS = "0".repeat(64);

  private static final HexFormat HEX = HexFormat.of();

  private final AuditJson json;
  // guarded by this
  private long nextSeq;
  private String prevHash = GENESIS;
  // guarded by this; reused, since looking a digest up by name costs more than hashing a record
  private final MessageDigest digest = sha256();
  // guarded by this; reused for every record
  private AuditJson.Buffer buffer = new AuditJson.Buffer(BUFFER_BYTES);
  private static final int BUFFER_BYTES = 1024;

  public AuditChain(AuditJson json) {
    this.json = requireNonNull(json, "json");
  }

  public AuditJson json() {
    return json;
  }

  /** The record's JSON as the next link of the chain. */
  public synchronized byte[] next(AuditRecord record) {
    buffer.reset();
    try {
      json.write(buffer, record, nextSeq, prevHash);
    } catch (RuntimeException e) {
      // A half-written record leaves nothing behind: the next one starts afresh.
      buffer = new AuditJson.Buffer(BUFFER_BYTES);
      throw e;
    }
    digest.update(buffer.array(), 0, buffer.length());
    byte[] line = buffer.toByteArray();
    nextSeq++;
    prevHash = HEX.formatHex(digest.digest());
    return line;
  }

  /** The number of records chained so far, which is the next record's {@code seq}. */
  public synchronized long length() {
    return nextSeq;
  }

  /** Lower-case hex SHA-256 of one record's bytes, as written into its successor. */
  public static String hash(byte[] line) {
    return HEX.formatHex(sha256().digest(line));
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }
}
