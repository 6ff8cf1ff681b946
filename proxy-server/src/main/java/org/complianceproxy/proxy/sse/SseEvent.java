package org.complianceproxy.proxy.sse;

import java.util.OptionalLong;

/**
 * One block of a server-sent event stream as {@link SseDecoder} read it: the fields it carried and
 * the exact bytes it came in, so that an event nobody changes is forwarded byte for byte.
 *
 * <p>Every block ended by a blank line is an event here, also one without {@code data} (comments, a
 * lone {@code id}, a stray blank line): a browser would not dispatch those, but a proxy must still
 * forward them.
 */
public final class SseEvent {

  // The bytes of the block, including its lines' ends and the blank line that ended it.
  private final byte[] raw;
  // The event type from the last "event:" line, or null.
  private final String type;
  // The "data:" values joined by '\n', or null when the block had no data line.
  private final String data;
  // The value of the last "id:" line (without NUL), or null.
  private final String id;
  // The value of the last valid "retry:" line in milliseconds, or -1.
  private final long retryMillis;

  SseEvent(byte[] raw, String type, String data, String id, long retryMillis) {
    this.raw = raw;
    this.type = type;
    this.data = data;
    this.id = id;
    this.retryMillis = retryMillis;
  }

  /**
   * The exact bytes of this block, including the blank line that ended it. A block may start with
   * the {@code \n} of a CRLF whose {@code \r} ended the previous block in an earlier chunk.
   * Returned without a copy: callers must not modify it.
   */
  public byte[] raw() {
    return raw;
  }

  /** The {@code event} field, or {@code null} when absent (a browser would use {@code message}). */
  public String type() {
    return type;
  }

  /** The {@code data} lines joined by {@code \n}, or {@code null} when the block had none. */
  public String data() {
    return data;
  }

  public boolean hasData() {
    return data != null;
  }

  /** The {@code id} field, or {@code null} when absent. */
  public String id() {
    return id;
  }

  /** The {@code retry} field, when the block carried a valid one. */
  public OptionalLong retryMillis() {
    return retryMillis < 0 ? OptionalLong.empty() : OptionalLong.of(retryMillis);
  }

  /** Never the data: it may carry an answer's text. */
  @Override
  public String toString() {
    return "SseEvent{rawBytes="
        + raw.length
        + ", type="
        + type
        + ", dataChars="
        + (data == null ? "none" : data.length())
        + '}';
  }
}
