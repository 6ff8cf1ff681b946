package org.complianceproxy.bench.jmh;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Streamed answers as they arrive: OpenAI's chunk JSON, and bytes cut into reads. */
final class Chunks {
  private Chunks() {}

  /** {@code chat.completion.chunk} JSON as OpenAI streams it. */
  static String contentChunk(String content) {
    return "{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
        + "\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\""
        + content
        + "\"},\"finish_reason\":null}]}";
  }

  /** {@code bytes} cut into reads of {@code readBytes} (the last one may be shorter). */
  static List<byte[]> reads(byte[] bytes, int readBytes) {
    List<byte[]> reads = new ArrayList<>();
    for (int at = 0; at < bytes.length; at += readBytes) {
      reads.add(Arrays.copyOfRange(bytes, at, Math.min(bytes.length, at + readBytes)));
    }
    return reads;
  }
}
