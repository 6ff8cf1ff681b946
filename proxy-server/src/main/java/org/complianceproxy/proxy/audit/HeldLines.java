package org.complianceproxy.proxy.audit;

import java.util.Arrays;

/**
 * The lines the spool writer holds until they are fsynced: chained records serialized one after
 * another into one reusable buffer, each followed by its newline, with where each line ends. This
 * spares the writer an array per record; the bytes of each line are exactly those {@link
 * AuditChain#next} returns for it, plus {@code '\n'}. Not thread-safe (the writer thread's own).
 */
final class HeldLines {

  private static final int INITIAL_BYTES = 64 * 1024;
  // Kept across fsyncs up to this size; a buffer that grew larger (a burst) is let go at clear().
  private static final int MAX_KEPT_BYTES = 4 << 20;

  private AuditJson.Buffer bytes = new AuditJson.Buffer(INITIAL_BYTES);
  // ends[i]: the index after the newline of line i
  private int[] ends = new int[1024];
  private int size;

  /**
   * Chains {@code record} ({@link AuditChain#append}) and holds its line. When it cannot be
   * serialized nothing is held and the chain does not move.
   */
  void add(AuditChain chain, AuditRecord record) {
    chain.append(record, bytes);
    bytes.newline();
    if (size == ends.length) {
      ends = Arrays.copyOf(ends, 2 * size);
    }
    ends[size++] = bytes.length();
  }

  int size() {
    return size;
  }

  boolean isEmpty() {
    return size == 0;
  }

  /** The array lines lie in; valid until the next change. */
  byte[] array() {
    return bytes.array();
  }

  /** Where line {@code i} starts in {@link #array}. */
  int start(int i) {
    return i == 0 ? 0 : ends[i - 1];
  }

  /** The bytes of line {@code i}, its newline included. */
  int length(int i) {
    return ends[i] - start(i);
  }

  /** Drops the first {@code n} lines (written and fsynced) and keeps the rest, in order. */
  void removeFirst(int n) {
    if (n == 0) {
      return;
    }
    if (n == size) {
      clear();
      return;
    }
    int from = ends[n - 1];
    int total = bytes.length();
    byte[] array = bytes.array();
    System.arraycopy(array, from, array, 0, total - from);
    bytes.truncate(total - from);
    for (int i = n; i < size; i++) {
      ends[i - n] = ends[i] - from;
    }
    size -= n;
  }

  /** Drops every line. */
  void clear() {
    size = 0;
    if (bytes.array().length > MAX_KEPT_BYTES) {
      bytes = new AuditJson.Buffer(INITIAL_BYTES);
    } else {
      bytes.reset();
    }
  }
}
