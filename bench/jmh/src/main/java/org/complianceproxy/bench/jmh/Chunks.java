package org.complianceproxy.bench.jmh;

/** {@code chat.completion.chunk} JSON as OpenAI streams it. */
final class Chunks {
  private Chunks() {}

  static String contentChunk(String content) {
    return "{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
        + "\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\""
        + content
        + "\"},\"finish_reason\":null}]}";
  }
}
