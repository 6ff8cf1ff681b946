package org.complianceproxy.proxy.audit;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * One proxy instance's hash chain over its audit records, for tamper evidence: record {@code n}
 * carries {@code seq = n} and {@code prev_hash} = hex SHA-256 over the exact bytes of record {@code
 * n - 1} (64 zeros for the first). Removing, reordering or altering any record but the newest
 * breaks a link or leaves a gap that {@code audit verify} reports.
 *
 * <p>{@link #next} and {@link #append} must be called in the order records are written (the spool's
 * single writer thread appends in file order), so that chain order and log order agree.
 * Thread-safe.
 */
public final class AuditChain {

  /** {@code prev_hash} of a chain's first record. */
  public static final String GENESIS = "0".repeat(64);

  private static final HexFormat HEX = HexFormat.of();

  private final AuditJson json;
  // guarded by this
  private long nextSeq;
  // guarded by this: prev_hash of the next record, as the ASCII bytes of its hex digits
  private final byte[] prevHash = GENESIS.getBytes(StandardCharsets.US_ASCII);
  // guarded by this; reused, since looking a digest up by name costs more than hashing a record
  private final MessageDigest digest = sha256();
  // guarded by this: the last digest, before it is written out as hex
  private final byte[] digestBytes = new byte[DIGEST_BYTES];
  // guarded by this; reused for every record of next()
  private final AuditJson.Buffer buffer = new AuditJson.Buffer(BUFFER_BYTES);
  private static final int BUFFER_BYTES = 1024;
  private static final int DIGEST_BYTES = 32;
  private static final byte[] HEX_DIGITS = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

  public AuditChain(AuditJson json) {
    this.json = requireNonNull(json, "json");
  }

  public AuditJson json() {
    return json;
  }

  /** The record's JSON as the next link of the chain. */
  public synchronized byte[] next(AuditRecord record) {
    buffer.reset();
    append(record, buffer);
    return buffer.toByteArray();
  }

  /**
   * Writes the record's JSON as the next link of the chain into {@code out}, after what it holds,
   * without a newline; for a writer that keeps many lines in one buffer. When the record cannot be
   * written, {@code out} is left as it was and the chain does not move.
   */
  synchronized void append(AuditRecord record, AuditJson.Buffer out) {
    int start = out.length();
    try {
      json.write(out, record, nextSeq, prevHash);
    } catch (RuntimeException e) {
      out.truncate(start);
      throw e;
    }
    digest.update(out.array(), start, out.length() - start);
    try {
      digest.digest(digestBytes, 0, DIGEST_BYTES);
    } catch (DigestException e) {
      throw new IllegalStateException("SHA-256 digests are 32 bytes", e);
    }
    nextSeq++;
    for (int i = 0; i < DIGEST_BYTES; i++) {
      prevHash[2 * i] = HEX_DIGITS[(digestBytes[i] >> 4) & 0xf];
      prevHash[2 * i + 1] = HEX_DIGITS[digestBytes[i] & 0xf];
    }
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
