package org.complianceproxy.proxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import org.complianceproxy.proxy.testing.SeededRandom;
import org.junit.jupiter.api.Test;

class AnswerBufferTest {

  @Test
  void collectsWhatAByteArrayOutputStreamCollects() {
    SeededRandom.forEachCase(
        2000,
        random -> {
          int pieces = SeededRandom.between(random, 0, 12);
          byte[][] contents = new byte[pieces][];
          int total = 0;
          for (int i = 0; i < pieces; i++) {
            contents[i] = new byte[SeededRandom.between(random, 0, 700)];
            random.nextBytes(contents[i]);
            total += contents[i].length;
          }
          // announced length: exact (the usual case), too small, too large, or none (1024)
          int capacity =
              switch (random.nextInt(4)) {
                case 0 -> total;
                case 1 -> Math.max(0, total - SeededRandom.between(random, 1, 300));
                case 2 -> total + SeededRandom.between(random, 1, 300);
                default -> 1024;
              };
          AnswerBuffer buffer = new AnswerBuffer(capacity);
          ByteArrayOutputStream expected = new ByteArrayOutputStream();
          for (byte[] content : contents) {
            ByteBuf buf = upstreamBuffer(content, random.nextInt(3), random.nextInt(5));
            int readerIndex = buf.readerIndex();
            try {
              buffer.write(buf);
              assertThat(buf.readerIndex()).isEqualTo(readerIndex);
            } finally {
              buf.release();
            }
            expected.writeBytes(content);
          }

          byte[] bytes = buffer.bytes();

          String input = "capacity " + capacity + ", total " + total;
          assertThat(bytes).as(input).isEqualTo(expected.toByteArray());
          assertThat(buffer.size()).as(input).isEqualTo(total);
        });
  }

  @Test
  void anExactlyFilledBufferHandsOverItsOwnArray() {
    AnswerBuffer buffer = new AnswerBuffer(5);
    ByteBuf content = Unpooled.wrappedBuffer(new byte[] {1, 2, 3, 4, 5});
    buffer.write(content);
    content.release();

    assertThat(buffer.bytes()).isSameAs(buffer.bytes()).containsExactly(1, 2, 3, 4, 5);
  }

  @Test
  void aBufferNotFilledHandsOverACopyOfWhatWasWritten() {
    AnswerBuffer buffer = new AnswerBuffer(8);
    ByteBuf content = Unpooled.wrappedBuffer(new byte[] {1, 2, 3});
    buffer.write(content);
    content.release();

    assertThat(buffer.bytes()).isNotSameAs(buffer.bytes()).containsExactly(1, 2, 3);
  }

  /** {@code content} as the upstream's codec may hand it over: heap, direct, or a slice. */
  private static ByteBuf upstreamBuffer(byte[] content, int kind, int skipped) {
    ByteBuf buf =
        kind == 0
            ? ByteBufAllocator.DEFAULT.heapBuffer(skipped + content.length)
            : ByteBufAllocator.DEFAULT.directBuffer(skipped + content.length);
    buf.writeZero(skipped).writeBytes(content).skipBytes(skipped);
    if (kind == 2) {
      // a retained slice, as HttpObjectDecoder hands content over; releasing it releases both
      ByteBuf slice = buf.retainedSlice();
      buf.release();
      return slice;
    }
    return buf;
  }
}
