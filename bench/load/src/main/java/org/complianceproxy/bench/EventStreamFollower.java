package org.complianceproxy.bench;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * Follows the frames of an AWS event stream as its bytes arrive, in pieces of any size, without
 * keeping them: only each frame's prelude and headers are looked at (12-byte prelude with the total
 * and headers lengths, then headers of name length, name, type, value). CRCs are not checked; the
 * load generator only needs to tell a complete answer from one that was cut off or ended in an
 * exception. One per connection, reset per exchange; not thread-safe.
 */
final class EventStreamFollower {
  private static final int PRELUDE = 12;
  // frames of more than this are taken for garbage (Bedrock's are a few KiB at most)
  private static final int MAX_FRAME = 16 << 20;
  private static final int STRING = 7;
  private static final int BYTES = 6;
  // value sizes of the fixed-size header types: bool true, bool false, byte, short, int, long,
  // (bytes), (string), timestamp, uuid
  private static final int[] FIXED_SIZES = {0, 0, 1, 2, 4, 8, -1, -1, 8, 16};

  // the current frame's prelude and headers, as far as they fit
  private final byte[] head = new byte[PRELUDE + 256];
  // bytes of the current frame seen so far
  private int position;
  // the current frame's total length, once its first 4 bytes are in; else 0
  private int total;
  // bytes of the current frame worth capturing: prelude, then headers
  private int capture = 8;
  private int frames;
  private boolean broken;
  private String lastMessageType;
  private String lastEventType;

  void reset() {
    position = 0;
    total = 0;
    capture = 8;
    frames = 0;
    broken = false;
    lastMessageType = null;
    lastEventType = null;
  }

  void feed(ByteBuf bytes) {
    int i = bytes.readerIndex();
    int end = bytes.writerIndex();
    while (i < end && !broken) {
      if (position < capture) {
        head[position++] = bytes.getByte(i++);
        if (position == 8) {
          start();
        }
      } else {
        int skip = Math.min(end - i, total - position);
        position += skip;
        i += skip;
      }
      if (total > 0 && position == total) {
        frameDone();
      }
    }
  }

  /** Status 200 aside: the stream ended between frames, and its last frame was a metadata event. */
  boolean completed() {
    return !broken
        && position == 0
        && frames > 0
        && "event".equals(lastMessageType)
        && "metadata".equals(lastEventType);
  }

  private void start() {
    total = readInt(0);
    int headers = readInt(4);
    if (total < PRELUDE + 4 || total > MAX_FRAME || headers < 0 || headers > total - PRELUDE - 4) {
      broken = true;
      return;
    }
    capture = Math.min(head.length, PRELUDE + headers);
  }

  private void frameDone() {
    frames++;
    lastMessageType = null;
    lastEventType = null;
    int at = PRELUDE;
    while (at < capture) {
      int nameLength = head[at] & 0xff;
      int typeAt = at + 1 + nameLength;
      if (typeAt >= capture) {
        break;
      }
      String name = new String(head, at + 1, nameLength, StandardCharsets.US_ASCII);
      int type = head[typeAt];
      int valueAt = typeAt + 1;
      if (type == STRING || type == BYTES) {
        if (valueAt + 2 > capture) {
          break;
        }
        int length = ((head[valueAt] & 0xff) << 8) | (head[valueAt + 1] & 0xff);
        if (valueAt + 2 + length > capture) {
          break;
        }
        String value = new String(head, valueAt + 2, length, StandardCharsets.UTF_8);
        if (":message-type".equals(name)) {
          lastMessageType = value;
        } else if (":event-type".equals(name)) {
          lastEventType = value;
        }
        at = valueAt + 2 + length;
      } else if (type >= 0 && type < FIXED_SIZES.length && FIXED_SIZES[type] >= 0) {
        at = valueAt + FIXED_SIZES[type];
      } else {
        broken = true;
        return;
      }
    }
    position = 0;
    total = 0;
    capture = 8;
  }

  private int readInt(int at) {
    return ((head[at] & 0xff) << 24)
        | ((head[at + 1] & 0xff) << 16)
        | ((head[at + 2] & 0xff) << 8)
        | (head[at + 3] & 0xff);
  }
}
