package org.complianceproxy.proxy.server;

import io.netty.buffer.ByteBuf;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * A whole upstream answer collected before it is restored (a non-streamed answer, or an upstream
 * error passed on). Sized for the length the upstream announced ({@link
 * ExchangeLifecycle#answerBuffer}), it copies each byte once on the way in, straight from the
 * upstream's buffers, and {@link #bytes} hands over its own array when the answer filled it exactly
 * (an honest {@code Content-Length}), so the body is not copied again before it is parsed.
 *
 * <p>Used by one exchange on its event loop; after {@link #bytes} nothing more is written.
 */
final class AnswerBuffer extends ByteArrayOutputStream {

  AnswerBuffer(int capacity) {
    super(capacity);
  }

  /** Appends the readable bytes of {@code content}; its reader index stays where it is. */
  void write(ByteBuf content) {
    int length = content.readableBytes();
    int needed = Math.addExact(count, length);
    if (needed > buf.length) {
      // grows as ByteArrayOutputStream does: at least double, so a long answer copies O(n) bytes
      buf = Arrays.copyOf(buf, Math.max(needed, buf.length << 1));
    }
    content.getBytes(content.readerIndex(), buf, count, length);
    count = needed;
  }

  /**
   * The bytes written: the buffer's own array when they fill it exactly, else a copy. The caller
   * may keep the array (the response wraps it), so nothing is written after this.
   */
  byte[] bytes() {
    return count == buf.length ? buf : toByteArray();
  }
}
