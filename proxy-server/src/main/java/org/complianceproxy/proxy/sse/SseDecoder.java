package org.complianceproxy.proxy.sse;

import static java.util.Objects.requireNonNull;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * Splits a server-sent event stream into {@link SseEvent}s, following the WHATWG "event stream
 * interpretation": lines end in CRLF, LF or CR; a blank line ends an event; {@code :} starts a
 * comment; a field's value starts after the first colon and one optional space; {@code data} lines
 * are joined with {@code \n}; a leading UTF-8 BOM is skipped; bytes that are not UTF-8 become
 * U+FFFD.
 *
 * <p>Fed with chunks split anywhere (mid-line, mid-UTF-8 sequence, between CR and LF). An event is
 * emitted as soon as its blank line is read, never later, so a CR that ends a chunk ends its line
 * at once and an LF starting the next chunk is taken as the rest of that CRLF (and becomes the
 * first byte of the next event's {@link SseEvent#raw()}). The raw bytes of all events, followed by
 * {@link #finish()}, are exactly the bytes fed.
 *
 * <p>Bounded: an event longer than {@code maxEventBytes} fails with {@link
 * SseEventTooLargeException}, after which the decoder must not be used. Not thread-safe.
 */
public final class SseDecoder {

  /** The default limit on one event, blank line included: 4 MiB. */
  public static final int DEFAULT_MAX_EVENT_BYTES = 4 * 1024 * 1024;

  private static final byte CR = '\r';
  private static final byte LF = '\n';

  private final int maxEventBytes;

  // The raw bytes of the event in progress: buf[0, size).
  private byte[] buf = new byte[512];
  private int size;
  // Where the line in progress starts in buf.
  private int lineStart;
  // The last byte fed was a CR that ended a line; an LF next completes that CRLF.
  private boolean afterCr;
  // No line has been read yet, so a BOM may still start the stream.
  private boolean atStreamStart = true;

  // Fields of the event in progress. The data of one line (the usual event) is kept as the String
  // decoded from it; a second data line starts the builder that joins them.
  private String data;
  private StringBuilder dataLines;
  private String type;
  private String id;
  private long retryMillis = -1;

  public SseDecoder() {
    this(DEFAULT_MAX_EVENT_BYTES);
  }

  public SseDecoder(int maxEventBytes) {
    if (maxEventBytes <= 0) {
      throw new IllegalArgumentException("maxEventBytes: " + maxEventBytes + " (expected: > 0)");
    }
    this.maxEventBytes = maxEventBytes;
  }

  /** Decodes a whole chunk and returns the events it completed. */
  public List<SseEvent> decode(byte[] chunk) {
    List<SseEvent> events = new ArrayList<>(2);
    decode(chunk, 0, chunk.length, events::add);
    return events;
  }

  /** Decodes the remaining bytes of {@code chunk}, consuming them. */
  public void decode(ByteBuffer chunk, Consumer<? super SseEvent> sink) {
    requireNonNull(chunk, "chunk");
    if (chunk.hasArray()) {
      decode(chunk.array(), chunk.arrayOffset() + chunk.position(), chunk.remaining(), sink);
      chunk.position(chunk.limit());
    } else {
      byte[] copy = new byte[chunk.remaining()];
      chunk.get(copy);
      decode(copy, 0, copy.length, sink);
    }
  }

  /** Decodes {@code chunk[offset, offset + length)}, passing each completed event to the sink. */
  public void decode(byte[] chunk, int offset, int length, Consumer<? super SseEvent> sink) {
    requireNonNull(chunk, "chunk");
    requireNonNull(sink, "sink");
    if (offset < 0 || length < 0 || offset + length > chunk.length) {
      throw new IndexOutOfBoundsException(
          "offset: " + offset + ", length: " + length + " (chunk length: " + chunk.length + ")");
    }
    int end = offset + length;
    int p = offset;
    if (afterCr && p < end) {
      afterCr = false;
      if (chunk[p] == LF) {
        append(chunk, p, 1);
        lineStart = size;
        p++;
      }
    }
    while (p < end) {
      int eol = indexOfLineEnd(chunk, p, end);
      if (eol < 0) {
        append(chunk, p, end - p);
        return;
      }
      int terminator = 1;
      if (chunk[eol] == CR) {
        if (eol + 1 == end) {
          afterCr = true;
        } else if (chunk[eol + 1] == LF) {
          terminator = 2;
        }
      }
      append(chunk, p, eol + terminator - p);
      int lineEnd = size - terminator;
      int contentStart = lineStart;
      if (atStreamStart) {
        atStreamStart = false;
        if (startsWithBom(contentStart, lineEnd)) {
          contentStart += 3;
        }
      }
      boolean blank = lineEnd == contentStart;
      if (!blank) {
        readLine(contentStart, lineEnd);
      }
      lineStart = size;
      p = eol + terminator;
      if (blank) {
        sink.accept(dispatch());
      }
    }
  }

  /**
   * Ends the stream: returns the bytes of an event whose blank line never came (empty when none)
   * and resets the decoder. A browser discards such an event.
   */
  public byte[] finish() {
    byte[] rest = Arrays.copyOf(buf, size);
    reset();
    afterCr = false;
    return rest;
  }

  private SseEvent dispatch() {
    String eventData = dataLines != null ? dataLines.toString() : data;
    SseEvent event = new SseEvent(Arrays.copyOf(buf, size), type, eventData, id, retryMillis);
    reset();
    return event;
  }

  private void reset() {
    size = 0;
    lineStart = 0;
    data = null;
    dataLines = null;
    type = null;
    id = null;
    retryMillis = -1;
  }

  /** Interprets the non-blank line {@code buf[from, to)}. */
  private void readLine(int from, int to) {
    if (buf[from] == ':') {
      return;
    }
    int colon = from;
    while (colon < to && buf[colon] != ':') {
      colon++;
    }
    int valueStart = colon < to ? colon + 1 : to;
    if (valueStart < to && buf[valueStart] == ' ') {
      valueStart++;
    }
    int nameLength = colon - from;
    if (is("data", from, nameLength)) {
      String line = utf8(valueStart, to);
      if (data == null) {
        data = line;
      } else {
        // lines are joined with '\n', as the format says
        if (dataLines == null) {
          dataLines = new StringBuilder(data.length() + line.length() + 16).append(data);
        }
        dataLines.append('\n').append(line);
      }
    } else if (is("event", from, nameLength)) {
      type = utf8(valueStart, to);
    } else if (is("id", from, nameLength)) {
      String value = utf8(valueStart, to);
      if (value.indexOf('\0') < 0) {
        id = value;
      }
    } else if (is("retry", from, nameLength)) {
      readRetry(valueStart, to);
    }
  }

  private boolean startsWithBom(int from, int to) {
    return to - from >= 3
        && buf[from] == (byte) 0xEF
        && buf[from + 1] == (byte) 0xBB
        && buf[from + 2] == (byte) 0xBF;
  }

  private void readRetry(int from, int to) {
    if (from == to || to - from > 18) {
      return;
    }
    long value = 0;
    for (int i = from; i < to; i++) {
      if (buf[i] < '0' || buf[i] > '9') {
        return;
      }
      value = value * 10 + (buf[i] - '0');
    }
    retryMillis = value;
  }

  private boolean is(String name, int from, int length) {
    if (length != name.length()) {
      return false;
    }
    for (int i = 0; i < length; i++) {
      if (buf[from + i] != name.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  private String utf8(int from, int to) {
    return new String(buf, from, to - from, StandardCharsets.UTF_8);
  }

  private void append(byte[] chunk, int from, int length) {
    if (length > maxEventBytes - size) {
      throw new SseEventTooLargeException(maxEventBytes);
    }
    if (size + length > buf.length) {
      int capacity = (int) Math.min((long) maxEventBytes, Math.max(2L * buf.length, size + length));
      buf = Arrays.copyOf(buf, capacity);
    }
    System.arraycopy(chunk, from, buf, size, length);
    size += length;
  }

  private static int indexOfLineEnd(byte[] chunk, int from, int end) {
    for (int i = from; i < end; i++) {
      byte b = chunk[i];
      if (b == LF || b == CR) {
        return i;
      }
    }
    return -1;
  }
}
