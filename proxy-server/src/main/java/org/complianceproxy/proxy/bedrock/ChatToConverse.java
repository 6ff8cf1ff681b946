package org.complianceproxy.proxy.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import org.complianceproxy.proxy.error.ProxyError;
import org.complianceproxy.proxy.error.ProxyException;

/**
 * Translates a sanitized OpenAI chat completions request into a Converse request: system and
 * developer messages into {@code system}, user and assistant messages into content blocks, tool
 * calls into {@code toolUse} blocks and tool messages into {@code toolResult} blocks of a user turn
 * (consecutive turns of one role are merged, as Converse wants them alternating), {@code
 * max_tokens}/{@code max_completion_tokens}, {@code temperature}, {@code top_p} and {@code stop}
 * into {@code inferenceConfig}, and function tools into {@code toolConfig}. What Converse cannot
 * carry (images by URL, audio) is refused with 400 rather than dropped silently.
 */
public final class ChatToConverse {

  private ChatToConverse() {}

  /** The Converse body for {@code chat}, a sanitized OpenAI request. */
  public static byte[] translate(byte[] chat) {
    return BedrockJson.write(translate(BedrockJson.parseObject(chat)));
  }

  /** Whether the client asked for the usage chunk of a streamed answer. */
  public static boolean includeUsage(byte[] chat) {
    return BedrockJson.parseObject(chat).path("stream_options").path("include_usage").asBoolean();
  }

  static ObjectNode translate(ObjectNode chat) {
    ObjectNode converse = BedrockJson.MAPPER.createObjectNode();
    ArrayNode system = converse.putArray("system");
    ArrayNode messages = converse.putArray("messages");
    JsonNode input = chat.get("messages");
    for (int i = 0; i < input.size(); i++) {
      JsonNode message = input.get(i);
      String pointer = "/messages/" + i;
      String role = message.path("role").asText();
      switch (role) {
        case "system", "developer" -> text(message.get("content"), pointer, system);
        case "user" -> text(message.get("content"), pointer, turn(messages, "user"));
        case "assistant" -> assistant(message, pointer, turn(messages, "assistant"));
        case "tool" -> {
          ObjectNode result = turn(messages, "user").addObject().putObject("toolResult");
          result.put("toolUseId", message.path("tool_call_id").asText());
          text(message.get("content"), pointer, result.putArray("content"));
        }
        default ->
            throw invalid(pointer + "/role", "expected system, developer, user, assistant or tool");
      }
    }
    if (system.isEmpty()) {
      converse.remove("system");
    }
    ObjectNode inference = converse.putObject("inferenceConfig");
    JsonNode maxTokens =
        chat.has("max_completion_tokens")
            ? chat.get("max_completion_tokens")
            : chat.get("max_tokens");
    if (maxTokens != null && maxTokens.isIntegralNumber()) {
      inference.set("maxTokens", maxTokens);
    }
    if (chat.path("temperature").isNumber()) {
      inference.set("temperature", chat.get("temperature"));
    }
    if (chat.path("top_p").isNumber()) {
      inference.set("topP", chat.get("top_p"));
    }
    JsonNode stop = chat.get("stop");
    if (stop != null && stop.isTextual()) {
      inference.putArray("stopSequences").add(stop.textValue());
    } else if (stop instanceof ArrayNode stops) {
      inference.set("stopSequences", stops);
    }
    if (inference.isEmpty()) {
      converse.remove("inferenceConfig");
    }
    tools(chat, converse);
    return converse;
  }

  private static void assistant(JsonNode message, String pointer, ArrayNode content) {
    JsonNode text = message.get("content");
    if (text != null && !text.isNull() && !(text.isTextual() && text.textValue().isEmpty())) {
      text(text, pointer, content);
    }
    JsonNode calls = message.get("tool_calls");
    if (calls instanceof ArrayNode array) {
      for (JsonNode call : array) {
        ObjectNode toolUse = content.addObject().putObject("toolUse");
        toolUse.put("toolUseId", call.path("id").asText());
        toolUse.put("name", call.path("function").path("name").asText());
        toolUse.set("input", arguments(call.path("function").path("arguments").asText("{}")));
      }
    }
  }

  /** Tool-call arguments are a JSON string in OpenAI and a JSON document in Converse. */
  private static JsonNode arguments(String arguments) {
    try {
      JsonNode parsed = BedrockJson.MAPPER.readTree(arguments.isEmpty() ? "{}" : arguments);
      return parsed == null ? BedrockJson.MAPPER.createObjectNode() : parsed;
    } catch (IOException e) {
      throw invalid("tool_calls/function/arguments", "expected a JSON object");
    }
  }

  /** Appends the text of a content field (string or parts) as text blocks. */
  private static void text(JsonNode content, String pointer, ArrayNode blocks) {
    if (content == null || content.isNull()) {
      return;
    }
    if (content.isTextual()) {
      blocks.addObject().put("text", content.textValue());
      return;
    }
    if (!(content instanceof ArrayNode parts)) {
      throw invalid(pointer + "/content", "expected a string or content parts");
    }
    for (int k = 0; k < parts.size(); k++) {
      JsonNode part = parts.get(k);
      if (!"text".equals(part.path("type").asText()) || !part.path("text").isTextual()) {
        throw invalid(pointer + "/content/" + k, "only text parts can be sent to a Bedrock model");
      }
      blocks.addObject().put("text", part.get("text").textValue());
    }
  }

  /** The content array of the last turn if it has {@code role}, else of a new turn. */
  private static ArrayNode turn(ArrayNode messages, String role) {
    if (!messages.isEmpty()) {
      JsonNode last = messages.get(messages.size() - 1);
      if (role.equals(last.path("role").asText())) {
        return (ArrayNode) last.get("content");
      }
    }
    ObjectNode turn = messages.addObject();
    turn.put("role", role);
    return turn.putArray("content");
  }

  private static void tools(ObjectNode chat, ObjectNode converse) {
    if (!(chat.get("tools") instanceof ArrayNode tools) || tools.isEmpty()) {
      return;
    }
    JsonNode choice = chat.get("tool_choice");
    if (choice != null && "none".equals(choice.asText())) {
      return;
    }
    ObjectNode config = converse.putObject("toolConfig");
    ArrayNode specs = config.putArray("tools");
    for (JsonNode tool : tools) {
      JsonNode function = tool.path("function");
      ObjectNode spec = specs.addObject().putObject("toolSpec");
      spec.put("name", function.path("name").asText());
      if (function.has("description")) {
        spec.set("description", function.get("description"));
      }
      spec.putObject("inputSchema")
          .set(
              "json",
              function.has("parameters")
                  ? function.get("parameters")
                  : BedrockJson.MAPPER.createObjectNode().put("type", "object"));
    }
    if (choice != null && choice.isTextual() && "required".equals(choice.textValue())) {
      config.putObject("toolChoice").putObject("any");
    } else if (choice != null && choice.isObject()) {
      config
          .putObject("toolChoice")
          .putObject("tool")
          .put("name", choice.path("function").path("name").asText());
    }
  }

  private static ProxyException invalid(String pointer, String expected) {
    return new ProxyException(ProxyError.INVALID_REQUEST, pointer + ": " + expected);
  }
}
