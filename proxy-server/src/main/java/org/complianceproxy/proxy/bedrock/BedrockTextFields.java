package org.complianceproxy.proxy.bedrock;

import static org.complianceproxy.proxy.sanitize.TextFields.invalid;
import static org.complianceproxy.proxy.sanitize.TextFields.string;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.complianceproxy.proxy.error.ProxyError;
import org.complianceproxy.proxy.error.ProxyException;
import org.complianceproxy.proxy.sanitize.FieldWriter;
import org.complianceproxy.proxy.sanitize.TextRewriter;

/**
 * Every text-bearing field of a Bedrock request, in document order, each handed to a rewriter and,
 * when the rewriter changes it, its new text to a {@link FieldWriter}. Everything else (model
 * parameters, tool specifications, images, unknown fields) is left alone; a text-bearing field of
 * the wrong shape is refused, so that no text reaches the upstream unscanned.
 *
 * <ul>
 *   <li>Converse: {@code system[].text}, {@code messages[].content[].text}, {@code .toolUse.input}
 *       (every string in it), {@code .toolResult.content[].text} and {@code .json}, {@code
 *       .guardContent.text.text} and {@code .reasoningContent.reasoningText.text};
 *   <li>Anthropic messages (InvokeModel): {@code system} (string or text blocks), {@code
 *       messages[].content} as a string or blocks: {@code text}, {@code tool_use.input}, {@code
 *       tool_result.content}, {@code thinking}.
 * </ul>
 */
final class BedrockTextFields {

  private BedrockTextFields() {}

  static void converse(ObjectNode request, TextRewriter rewriter, FieldWriter writer) {
    JsonNode system = request.get("system");
    if (system != null && !system.isNull()) {
      ArrayNode blocks = array(system, "/system");
      for (int i = 0; i < blocks.size(); i++) {
        converseBlock(object(blocks.get(i), "/system/" + i), "/system/" + i, rewriter, writer);
      }
    }
    ArrayNode messages = messages(request);
    for (int i = 0; i < messages.size(); i++) {
      String pointer = "/messages/" + i;
      ObjectNode message = object(messages.get(i), pointer);
      ArrayNode content = array(message.get("content"), pointer + "/content");
      for (int j = 0; j < content.size(); j++) {
        String blockPointer = pointer + "/content/" + j;
        converseBlock(object(content.get(j), blockPointer), blockPointer, rewriter, writer);
      }
    }
  }

  private static void converseBlock(
      ObjectNode block, String pointer, TextRewriter rewriter, FieldWriter writer) {
    string(block, "text", pointer + "/text", rewriter, writer);
    if (block.get("toolUse") instanceof ObjectNode toolUse) {
      leaves(toolUse, "input", pointer + "/toolUse/input", rewriter, writer);
    }
    if (block.get("toolResult") instanceof ObjectNode toolResult) {
      JsonNode parts = toolResult.get("content");
      if (parts != null && !parts.isNull()) {
        ArrayNode array = array(parts, pointer + "/toolResult/content");
        for (int k = 0; k < array.size(); k++) {
          String partPointer = pointer + "/toolResult/content/" + k;
          ObjectNode part = object(array.get(k), partPointer);
          string(part, "text", partPointer + "/text", rewriter, writer);
          leaves(part, "json", partPointer + "/json", rewriter, writer);
        }
      }
    }
    if (block.get("guardContent") instanceof ObjectNode guard
        && guard.get("text") instanceof ObjectNode text) {
      string(text, "text", pointer + "/guardContent/text/text", rewriter, writer);
    }
    if (block.get("reasoningContent") instanceof ObjectNode reasoning
        && reasoning.get("reasoningText") instanceof ObjectNode text) {
      string(text, "text", pointer + "/reasoningContent/reasoningText/text", rewriter, writer);
    }
  }

  /**
   * Top-level fields of an Anthropic messages body. InvokeModel takes any model's native body; only
   * this one is understood, so a body with any other field (Titan's {@code inputText}, Llama's
   * {@code prompt}, ...) is refused rather than forwarded with text nobody scanned.
   */
  private static final Set<String> ANTHROPIC_FIELDS =
      Set.of(
          "anthropic_version",
          "anthropic_beta",
          "max_tokens",
          "system",
          "messages",
          "temperature",
          "top_p",
          "top_k",
          "stop_sequences",
          "tools",
          "tool_choice",
          "thinking",
          "metadata");

  static void anthropic(ObjectNode request, TextRewriter rewriter, FieldWriter writer) {
    for (Iterator<String> names = request.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!ANTHROPIC_FIELDS.contains(name)) {
        throw new ProxyException(
            ProxyError.INVALID_REQUEST,
            "InvokeModel bodies must be Anthropic messages; unsupported field: "
                + (name.length() > 40 ? name.substring(0, 40) + "..." : name));
      }
    }
    anthropicContent(request, "system", "/system", rewriter, writer);
    ArrayNode messages = messages(request);
    for (int i = 0; i < messages.size(); i++) {
      String pointer = "/messages/" + i;
      anthropicContent(
          object(messages.get(i), pointer), "content", pointer + "/content", rewriter, writer);
    }
  }

  private static void anthropicContent(
      ObjectNode parent, String field, String pointer, TextRewriter rewriter, FieldWriter writer) {
    JsonNode content = parent.get(field);
    if (content == null || content.isNull()) {
      return;
    }
    if (content.isTextual()) {
      string(parent, field, pointer, rewriter, writer);
      return;
    }
    ArrayNode blocks = array(content, pointer);
    for (int j = 0; j < blocks.size(); j++) {
      String blockPointer = pointer + "/" + j;
      ObjectNode block = object(blocks.get(j), blockPointer);
      string(block, "text", blockPointer + "/text", rewriter, writer);
      string(block, "thinking", blockPointer + "/thinking", rewriter, writer);
      leaves(block, "input", blockPointer + "/input", rewriter, writer);
      if ("tool_result".equals(block.path("type").asText())) {
        anthropicContent(block, "content", blockPointer + "/content", rewriter, writer);
      }
    }
  }

  private static ArrayNode messages(ObjectNode request) {
    if (!(request.get("messages") instanceof ArrayNode messages) || messages.isEmpty()) {
      throw new ProxyException(
          ProxyError.MISSING_MESSAGES, "messages: expected a non-empty array of messages");
    }
    return messages;
  }

  /** Every string inside {@code parent.field}, whatever its JSON shape. */
  private static void leaves(
      ObjectNode parent, String field, String pointer, TextRewriter rewriter, FieldWriter writer) {
    JsonNode value = parent.get(field);
    if (value == null || value.isNull()) {
      return;
    }
    if (value.isTextual()) {
      string(parent, field, pointer, rewriter, writer);
    } else if (value instanceof ObjectNode object) {
      List<String> names = new ArrayList<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
        names.add(it.next().getKey());
      }
      for (String name : names) {
        leaves(object, name, pointer + "/" + escape(name), rewriter, writer);
      }
    } else if (value instanceof ArrayNode array) {
      for (int i = 0; i < array.size(); i++) {
        String itemPointer = pointer + "/" + i;
        JsonNode item = array.get(i);
        if (item.isTextual() || item.isContainerNode()) {
          // the item as the one field of an object, so that strings in arrays are written alike
          ObjectNode holder = array.objectNode();
          holder.set("v", item);
          leaves(holder, "v", itemPointer, rewriter, writer);
          array.set(i, holder.get("v"));
        }
      }
    }
  }

  private static String escape(String name) {
    return name.replace("~", "~0").replace("/", "~1");
  }

  private static ObjectNode object(JsonNode node, String pointer) {
    if (!(node instanceof ObjectNode object)) {
      throw invalid(pointer, "expected an object");
    }
    return object;
  }

  private static ArrayNode array(JsonNode node, String pointer) {
    if (!(node instanceof ArrayNode array)) {
      throw invalid(pointer, "expected an array");
    }
    return array;
  }
}
