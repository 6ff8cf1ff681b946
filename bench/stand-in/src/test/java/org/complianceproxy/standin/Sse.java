package org.complianceproxy.standin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** Reads a server-sent event stream the way OpenAI clients do, for assertions. */
final class Sse {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private Sse() {}

  /**
   * The {@code data} payloads of a complete stream, in order; each event must end in a blank line.
   */
  static List<String> dataOf(String stream) {
    List<String> data = new ArrayList<>();
    int start = 0;
    int end;
    while ((end = stream.indexOf("\n\n", start)) >= 0) {
      String event = stream.substring(start, end);
      if (!event.startsWith("data: ")) {
        throw new AssertionError("not a data event: " + event);
      }
      data.add(event.substring("data: ".length()));
      start = end + 2;
    }
    if (start != stream.length()) {
      throw new AssertionError("unterminated event: " + stream.substring(start));
    }
    return data;
  }

  /** The JSON chunks of a stream, without the final {@code [DONE]}. */
  static List<JsonNode> chunksOf(String stream) {
    List<JsonNode> chunks = new ArrayList<>();
    for (String data : dataOf(stream)) {
      if (!data.equals("[DONE]")) {
        chunks.add(json(data));
      }
    }
    return chunks;
  }

  /** Concatenates {@code choices[0].delta.content} over all chunks. */
  static String contentOf(List<JsonNode> chunks) {
    StringBuilder text = new StringBuilder();
    for (JsonNode chunk : chunks) {
      JsonNode content = chunk.path("choices").path(0).path("delta").path("content");
      if (content.isTextual()) {
        text.append(content.asText());
      }
    }
    return text.toString();
  }

  /** Concatenates the first tool call's argument fragments over all chunks. */
  static String toolArgumentsOf(List<JsonNode> chunks) {
    StringBuilder arguments = new StringBuilder();
    for (JsonNode chunk : chunks) {
      JsonNode call = chunk.path("choices").path(0).path("delta").path("tool_calls").path(0);
      if (call.path("function").path("arguments").isTextual()) {
        arguments.append(call.path("function").path("arguments").asText());
      }
    }
    return arguments.toString();
  }

  static JsonNode json(String text) {
    try {
      return MAPPER.readTree(text);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
