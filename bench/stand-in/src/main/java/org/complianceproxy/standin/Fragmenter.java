package org.complianceproxy.standin;

import java.util.Arrays;
import java.util.Random;
import java.util.function.Consumer;

/**
 * Cuts a byte stream into pieces of random size between 1 and {@code maxPieceBytes}, regardless of
 * where events or UTF-8 sequences end, to exercise a caller's reassembly. Bytes that do not yet
 * fill the next piece are carried over to the next {@link #cut} or released by {@link #flush}.
 */
final class Fragmenter {
  private final int maxPieceBytes;
  private final Random random;
  private byte[] carry = new byte[0];
  private int nextPieceBytes;

  Fragmenter(int maxPieceBytes, Random random) {
    if (maxPieceBytes < 1) {
      throw new IllegalArgumentException("maxPieceBytes: " + maxPieceBytes + " (expected: > 0)");
    }
    this.maxPieceBytes = maxPieceBytes;
    this.random = random;
    this.nextPieceBytes = drawPieceBytes();
  }

  /** Appends {@code bytes} to the stream and hands every completed piece to {@code sink}. */
  void cut(byte[] bytes, Consumer<byte[]> sink) {
    byte[] stream = carry.length == 0 ? bytes : concat(carry, bytes);
    int offset = 0;
    while (stream.length - offset >= nextPieceBytes) {
      sink.accept(Arrays.copyOfRange(stream, offset, offset + nextPieceBytes));
      offset += nextPieceBytes;
      nextPieceBytes = drawPieceBytes();
    }
    carry = Arrays.copyOfRange(stream, offset, stream.length);
  }

  /** Hands the carried-over bytes, if any, to {@code sink} as a last, shorter piece. */
  void flush(Consumer<byte[]> sink) {
    if (carry.length > 0) {
      sink.accept(carry);
      carry = new byte[0];
    }
  }

  private int drawPieceBytes() {
    return 1 + random.nextInt(maxPieceBytes);
  }

  private static byte[] concat(byte[] first, byte[] second) {
    byte[] all = Arrays.copyOf(first, first.length + second.length);
    System.arraycopy(second, 0, all, first.length, second.length);
    return all;
  }
}
