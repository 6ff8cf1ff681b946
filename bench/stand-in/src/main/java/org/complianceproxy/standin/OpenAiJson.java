package org.complianceproxy.standin;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Writes OpenAI's chat completion JSON: whole completions, stream chunks framed as server-sent
 * events, and errors. Fields come in the order OpenAI sends them, so byte-level comparisons and
 * hand-written parsers in callers see what they would see in production. Text is written as raw
 * UTF-8, not as {@code \\u} escapes, so multi-byte characters really occur in the byte stream.
 */
final class OpenAiJson {
  static final String SYSTEM_FINGERPRINT = "fp_5tand1n0ai";
  static final byte[] DONE_EVENT = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);

  private static final JsonFactory FACTORY =
      JsonFactory.builder()
          .disable(StreamWriteFeature.AUTO_CLOSE_TARGET)
          // Emoji and other supplementary characters as 4 UTF-8 bytes, not as escaped pairs.
          .enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8)
          .build();
  private static final byte[] DATA_PREFIX = "data: ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] EVENT_END = "\n\n".getBytes(StandardCharsets.US_ASCII);

  /** What every chunk of one completion repeats. */
  record Header(String id, long created, String model, boolean includeUsage) {}

  record Usage(int promptTokens, int completionTokens) {}

  record ToolCall(String id, String name, String arguments) {}

  @FunctionalInterface
  private interface Body {
    void write(JsonGenerator g) throws IOException;
  }

  private OpenAiJson() {}

  static byte[] error(OpenAiError error) {
    return json(
        g -> {
          g.writeObjectFieldStart("error");
          g.writeStringField("message", error.message());
          g.writeStringField("type", error.type());
          g.writeStringField("param", error.param());
          g.writeStringField("code", error.code());
          g.writeEndObject();
        });
  }

  /** A {@code chat.completion} whose message is either {@code content} or one tool call. */
  static byte[] completion(Header header, String content, ToolCall toolCall, Usage usage) {
    return json(
        g -> {
          g.writeStringField("id", header.id());
          g.writeStringField("object", "chat.completion");
          g.writeNumberField("created", header.created());
          g.writeStringField("model", header.model());
          g.writeArrayFieldStart("choices");
          g.writeStartObject();
          g.writeNumberField("index", 0);
          g.writeObjectFieldStart("message");
          g.writeStringField("role", "assistant");
          g.writeStringField("content", toolCall == null ? content : null);
          if (toolCall != null) {
            g.writeArrayFieldStart("tool_calls");
            g.writeStartObject();
            g.writeStringField("id", toolCall.id());
            g.writeStringField("type", "function");
            g.writeObjectFieldStart("function");
            g.writeStringField("name", toolCall.name());
            g.writeStringField("arguments", toolCall.arguments());
            g.writeEndObject();
            g.writeEndObject();
            g.writeEndArray();
          }
          g.writeNullField("refusal");
          g.writeArrayFieldStart("annotations");
          g.writeEndArray();
          g.writeEndObject();
          g.writeNullField("logprobs");
          g.writeStringField("finish_reason", toolCall == null ? "stop" : "tool_calls");
          g.writeEndObject();
          g.writeEndArray();
          writeUsage(g, usage);
          g.writeStringField("service_tier", "default");
          g.writeStringField("system_fingerprint", SYSTEM_FINGERPRINT);
        });
  }

  /** First chunk of a text answer: {@code {"role":"assistant","content":"","refusal":null}}. */
  static byte[] roleChunk(Header header) {
    return chunk(
        header,
        g -> {
          g.writeStringField("role", "assistant");
          g.writeStringField("content", "");
          g.writeNullField("refusal");
        },
        null);
  }

  static byte[] contentChunk(Header header, String text) {
    return chunk(header, g -> g.writeStringField("content", text), null);
  }

  /** First chunk of a tool call: index, id, type, name and empty arguments. */
  static byte[] toolCallStartChunk(Header header, String callId, String name) {
    return chunk(
        header,
        g -> {
          g.writeStringField("role", "assistant");
          g.writeNullField("content");
          g.writeArrayFieldStart("tool_calls");
          g.writeStartObject();
          g.writeNumberField("index", 0);
          g.writeStringField("id", callId);
          g.writeStringField("type", "function");
          g.writeObjectFieldStart("function");
          g.writeStringField("name", name);
          g.writeStringField("arguments", "");
          g.writeEndObject();
          g.writeEndObject();
          g.writeEndArray();
          g.writeNullField("refusal");
        },
        null);
  }

  static byte[] toolArgumentsChunk(Header header, String fragment) {
    return chunk(
        header,
        g -> {
          g.writeArrayFieldStart("tool_calls");
          g.writeStartObject();
          g.writeNumberField("index", 0);
          g.writeObjectFieldStart("function");
          g.writeStringField("arguments", fragment);
          g.writeEndObject();
          g.writeEndObject();
          g.writeEndArray();
        },
        null);
  }

  /** The chunk with an empty delta that carries the finish reason. */
  static byte[] finishChunk(Header header, String finishReason) {
    return chunk(header, g -> {}, finishReason);
  }

  /** The extra chunk of {@code include_usage}: no choices, only usage. */
  static byte[] usageChunk(Header header, Usage usage) {
    return sse(
        g -> {
          writeChunkHeader(g, header);
          g.writeArrayFieldStart("choices");
          g.writeEndArray();
          writeUsage(g, usage);
        });
  }

  private static byte[] chunk(Header header, Body delta, String finishReason) {
    return sse(
        g -> {
          writeChunkHeader(g, header);
          g.writeArrayFieldStart("choices");
          g.writeStartObject();
          g.writeNumberField("index", 0);
          g.writeObjectFieldStart("delta");
          delta.write(g);
          g.writeEndObject();
          g.writeNullField("logprobs");
          g.writeStringField("finish_reason", finishReason);
          g.writeEndObject();
          g.writeEndArray();
          if (header.includeUsage()) {
            g.writeNullField("usage");
          }
        });
  }

  private static void writeChunkHeader(JsonGenerator g, Header header) throws IOException {
    g.writeStringField("id", header.id());
    g.writeStringField("object", "chat.completion.chunk");
    g.writeNumberField("created", header.created());
    g.writeStringField("model", header.model());
    g.writeStringField("service_tier", "default");
    g.writeStringField("system_fingerprint", SYSTEM_FINGERPRINT);
  }

  private static void writeUsage(JsonGenerator g, Usage usage) throws IOException {
    g.writeObjectFieldStart("usage");
    g.writeNumberField("prompt_tokens", usage.promptTokens());
    g.writeNumberField("completion_tokens", usage.completionTokens());
    g.writeNumberField("total_tokens", usage.promptTokens() + usage.completionTokens());
    g.writeObjectFieldStart("prompt_tokens_details");
    g.writeNumberField("cached_tokens", 0);
    g.writeNumberField("audio_tokens", 0);
    g.writeEndObject();
    g.writeObjectFieldStart("completion_tokens_details");
    g.writeNumberField("reasoning_tokens", 0);
    g.writeNumberField("audio_tokens", 0);
    g.writeNumberField("accepted_prediction_tokens", 0);
    g.writeNumberField("rejected_prediction_tokens", 0);
    g.writeEndObject();
    g.writeEndObject();
  }

  private static byte[] sse(Body body) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    out.writeBytes(DATA_PREFIX);
    writeObject(out, body);
    out.writeBytes(EVENT_END);
    return out.toByteArray();
  }

  private static byte[] json(Body body) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(512);
    writeObject(out, body);
    return out.toByteArray();
  }

  private static void writeObject(ByteArrayOutputStream out, Body body) {
    try (JsonGenerator g = FACTORY.createGenerator(out, JsonEncoding.UTF8)) {
      g.writeStartObject();
      body.write(g);
      g.writeEndObject();
    } catch (IOException e) {
      // Only a lone surrogate in the echoed text can fail here; the stream is in memory.
      throw new UncheckedIOException(e);
    }
  }
}
