package org.complianceproxy.proxy.sse;

import static java.util.Objects.requireNonNull;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes events in the WHATWG event-stream format with {@code \n} line ends: optional {@code
 * event:} and {@code id:} lines, one {@code data:} line per line of the data, then a blank line.
 */
public final class SseEncoder {

  private SseEncoder() {}

  /** A {@code message} event carrying {@code data}. */
  public static byte[] encode(String data) {
    return encode(null, null, data);
  }

  /**
   * An event carrying {@code data}.
   *
   * @param type the {@code event} field, or {@code null} to leave it out
   * @param id the {@code id} field, or {@code null} to leave it out
   * @throws IllegalArgumentException when {@code type} or {@code id} holds a line break, or {@code
   *     id} a NUL, which the format cannot carry
   */
  public static byte[] encode(String type, String id, String data) {
    requireNonNull(data, "data");
    checkSingleLine("type", type);
    checkSingleLine("id", id);
    if (id != null && id.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("id: contains NUL (expected: none)");
    }
    if (type == null && id == null && data.indexOf('\n') < 0 && data.indexOf('\r') < 0) {
      // the usual event, one data line: the concatenation is sized exactly, then encoded once
      return ("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8);
    }
    StringBuilder out = new StringBuilder(data.length() + 16);
    if (type != null) {
      out.append("event: ").append(type).append('\n');
    }
    if (id != null) {
      out.append("id: ").append(id).append('\n');
    }
    int lineStart = 0;
    int n = data.length();
    for (int i = 0; i < n; i++) {
      char c = data.charAt(i);
      if (c == '\n' || c == '\r') {
        out.append("data: ").append(data, lineStart, i).append('\n');
        if (c == '\r' && i + 1 < n && data.charAt(i + 1) == '\n') {
          i++;
        }
        lineStart = i + 1;
      }
    }
    out.append("data: ").append(data, lineStart, n).append("\n\n");
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * {@code event} again with new data, keeping its type, id and retry. Its comments and unknown
   * fields are not kept, and its line ends become {@code \n}.
   */
  public static byte[] reencode(SseEvent event, String data) {
    requireNonNull(event, "event");
    byte[] body = encode(event.type(), event.id(), data);
    if (event.retryMillis().isEmpty()) {
      return body;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(body.length + 24);
    out.writeBytes(
        ("retry: " + event.retryMillis().getAsLong() + "\n").getBytes(StandardCharsets.US_ASCII));
    out.writeBytes(body);
    return out.toByteArray();
  }

  private static void checkSingleLine(String name, String value) {
    if (value != null && (value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0)) {
      throw new IllegalArgumentException(name + ": contains a line break (expected: one line)");
    }
  }
}
