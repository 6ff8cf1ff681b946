package org.complianceproxy.proxy.bedrock;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.complianceproxy.proxy.audit.RequestSummary;
import software.amazon.awssdk.eventstream.HeaderValue;
import software.amazon.awssdk.eventstream.Message;

/**
 * Translates Converse answers (already restored) into OpenAI's chat completions format: a whole
 * answer into a {@code chat.completion}, and ConverseStream events, one at a time, into {@code
 * chat.completion.chunk} server-sent events: the role first, then content and tool-call deltas, the
 * {@code finish_reason}, the usage chunk when the client asked for it, and {@code [DONE]}. Not
 * thread-safe: one instance per answer.
 */
public final class ConverseToChat {

  private final String id;
  private final String model;
  private final long created;
  private final boolean includeUsage;
  // contentBlockIndex of a toolUse block -> its index among the answer's tool calls
  private final Map<Integer, Integer> toolIndexes = new HashMap<>();
  private String finishReason;
  private RequestSummary.Usage usage;

  public ConverseToChat(String id, String model, long created, boolean includeUsage) {
    this.id = requireNonNull(id, "id");
    this.model = requireNonNull(model, "model");
    this.created = created;
    this.includeUsage = includeUsage;
  }

  /** OpenAI's {@code finish_reason} for a Converse {@code stopReason}. */
  static String finishReason(String stopReason) {
    return switch (stopReason == null ? "" : stopReason) {
      case "max_tokens" -> "length";
      case "tool_use" -> "tool_calls";
      case "content_filtered", "guardrail_intervened" -> "content_filter";
      default -> "stop";
    };
  }

  /** A whole Converse answer as a {@code chat.completion}. */
  public byte[] completion(byte[] converse) {
    ObjectNode answer = BedrockJson.parseAnswer(converse);
    if (answer == null) {
      answer = BedrockJson.MAPPER.createObjectNode();
    }
    ObjectNode completion = head("chat.completion");
    ObjectNode choice = completion.putArray("choices").addObject();
    choice.put("index", 0);
    ObjectNode message = choice.putObject("message");
    message.put("role", "assistant");
    StringBuilder text = new StringBuilder();
    ArrayNode calls = null;
    for (JsonNode block : answer.path("output").path("message").path("content")) {
      if (block.path("text").isTextual()) {
        text.append(block.get("text").textValue());
      }
      if (block.get("toolUse") instanceof ObjectNode toolUse) {
        if (calls == null) {
          calls = BedrockJson.MAPPER.createArrayNode();
        }
        ObjectNode call = calls.addObject();
        call.put("id", toolUse.path("toolUseId").asText());
        call.put("type", "function");
        call.putObject("function")
            .put("name", toolUse.path("name").asText())
            .put(
                "arguments",
                new String(BedrockJson.write(toolUse.path("input")), StandardCharsets.UTF_8));
      }
    }
    if (text.length() > 0 || calls == null) {
      message.put("content", text.toString());
    } else {
      message.putNull("content");
    }
    if (calls != null) {
      message.set("tool_calls", calls);
    }
    choice.put("finish_reason", finishReason(answer.path("stopReason").asText(null)));
    JsonNode u = answer.path("usage");
    if (u.isObject()) {
      usage =
          new RequestSummary.Usage(
              u.path("inputTokens").asLong(0),
              u.path("outputTokens").asLong(0),
              u.path("totalTokens").asLong(0));
      completion
          .putObject("usage")
          .put("prompt_tokens", usage.promptTokens())
          .put("completion_tokens", usage.completionTokens())
          .put("total_tokens", usage.totalTokens());
    }
    return BedrockJson.write(completion);
  }

  /** The server-sent events for one ConverseStream event; empty when it has no OpenAI form. */
  public byte[] event(Message message) {
    HeaderValue messageType = message.getHeaders().get(":message-type");
    if (messageType != null && "exception".equals(messageType.getString())) {
      HeaderValue type = message.getHeaders().get(":exception-type");
      return error(type == null ? "UnknownException" : type.getString());
    }
    HeaderValue eventType = message.getHeaders().get(":event-type");
    if (eventType == null) {
      return new byte[0];
    }
    JsonNode event = BedrockJson.parseAnswer(message.getPayload());
    if (event == null) {
      return new byte[0];
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    switch (eventType.getString()) {
      case "messageStart" -> {
        ObjectNode delta = BedrockJson.MAPPER.createObjectNode();
        delta.put("role", "assistant").put("content", "");
        chunk(delta, null, out);
      }
      case "contentBlockStart" -> {
        JsonNode toolUse = event.path("start").path("toolUse");
        if (toolUse.isObject()) {
          int index = toolIndexes.size();
          toolIndexes.put(event.path("contentBlockIndex").asInt(), index);
          ObjectNode call = toolCall(index);
          call.put("id", toolUse.path("toolUseId").asText()).put("type", "function");
          ((ObjectNode) call.get("function"))
              .put("name", toolUse.path("name").asText())
              .put("arguments", "");
          chunk(toolCalls(call), null, out);
        }
      }
      case "contentBlockDelta" -> {
        JsonNode delta = event.path("delta");
        if (delta.path("text").isTextual()) {
          chunk(
              BedrockJson.MAPPER.createObjectNode().put("content", delta.get("text").textValue()),
              null,
              out);
        } else if (delta.path("toolUse").path("input").isTextual()) {
          Integer index = toolIndexes.get(event.path("contentBlockIndex").asInt());
          ObjectNode call = toolCall(index == null ? 0 : index);
          ((ObjectNode) call.get("function"))
              .put("arguments", delta.path("toolUse").path("input").textValue());
          chunk(toolCalls(call), null, out);
        }
      }
      case "messageStop" -> {
        finishReason = finishReason(event.path("stopReason").asText(null));
        chunk(BedrockJson.MAPPER.createObjectNode(), finishReason, out);
      }
      case "metadata" -> {
        JsonNode u = event.path("usage");
        if (u.isObject()) {
          usage =
              new RequestSummary.Usage(
                  u.path("inputTokens").asLong(0),
                  u.path("outputTokens").asLong(0),
                  u.path("totalTokens").asLong(0));
          if (includeUsage) {
            ObjectNode chunk = head("chat.completion.chunk");
            chunk.putArray("choices");
            chunk
                .putObject("usage")
                .put("prompt_tokens", usage.promptTokens())
                .put("completion_tokens", usage.completionTokens())
                .put("total_tokens", usage.totalTokens());
            data(chunk, out);
          }
        }
      }
      default -> {}
    }
    return out.toByteArray();
  }

  /** The end of the stream. */
  public static byte[] done() {
    return "data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8);
  }

  /** Usage the answer reported, or null. */
  public RequestSummary.Usage usage() {
    return usage;
  }

  private byte[] error(String exceptionType) {
    ObjectNode error = BedrockJson.MAPPER.createObjectNode();
    error
        .putObject("error")
        .put("message", "The Bedrock upstream failed mid-answer (" + exceptionType + ").")
        .put("type", "upstream_error")
        .putNull("param")
        .put("code", "upstream_error");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    data(error, out);
    return out.toByteArray();
  }

  private static ObjectNode toolCall(int index) {
    ObjectNode call = BedrockJson.MAPPER.createObjectNode().put("index", index);
    call.putObject("function");
    return call;
  }

  private static ObjectNode toolCalls(ObjectNode call) {
    ObjectNode delta = BedrockJson.MAPPER.createObjectNode();
    delta.putArray("tool_calls").add(call);
    return delta;
  }

  private void chunk(ObjectNode delta, String finish, ByteArrayOutputStream out) {
    ObjectNode chunk = head("chat.completion.chunk");
    ObjectNode choice = chunk.putArray("choices").addObject();
    choice.put("index", 0);
    choice.set("delta", delta);
    if (finish == null) {
      choice.putNull("finish_reason");
    } else {
      choice.put("finish_reason", finish);
    }
    data(chunk, out);
  }

  private ObjectNode head(String object) {
    ObjectNode node = BedrockJson.MAPPER.createObjectNode();
    node.put("id", id).put("object", object).put("created", created).put("model", model);
    return node;
  }

  private static void data(ObjectNode json, ByteArrayOutputStream out) {
    out.writeBytes("data: ".getBytes(StandardCharsets.UTF_8));
    out.writeBytes(BedrockJson.write(json));
    out.writeBytes("\n\n".getBytes(StandardCharsets.UTF_8));
  }
}
