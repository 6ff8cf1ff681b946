package org.complianceproxy.proxy.chat;

import static org.complianceproxy.proxy.sanitize.TextFields.invalid;
import static org.complianceproxy.proxy.sanitize.TextFields.replace;
import static org.complianceproxy.proxy.sanitize.TextFields.string;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.complianceproxy.proxy.sanitize.FieldWriter;
import org.complianceproxy.proxy.sanitize.TextRewriter;

/**
 * Every text-bearing field of an OpenAI chat request, in document order, each handed to a rewriter
 * and, when the rewriter changes it, its new text to a {@link FieldWriter}:
 *
 * <ul>
 *   <li>{@code messages[].content} of every role, as a string or as content parts; in a part, its
 *       {@code text} and {@code refusal} strings (parts of other types, such as images, carry
 *       none);
 *   <li>{@code messages[].refusal};
 *   <li>{@code messages[].tool_calls[].function.arguments} and {@code .custom.input}, and the
 *       legacy {@code messages[].function_call.arguments}: JSON or free text as a string, scanned
 *       as text (tokens need no JSON escaping, so the string stays valid JSON);
 *   <li>{@code prediction.content}, which is sent to the model like a message.
 * </ul>
 *
 * Everything else (model, names, tool definitions, parameters, unknown fields) is left alone. A
 * text-bearing field of the wrong shape is refused rather than skipped, so that no text reaches the
 * upstream unscanned.
 */
final class ChatTextFields {

  private ChatTextFields() {}

  /** Visits the fields of {@code request}, whose {@code messages} is a non-empty array. */
  static void rewrite(ObjectNode request, TextRewriter rewriter, FieldWriter writer) {
    ArrayNode messages = (ArrayNode) request.get("messages");
    for (int i = 0; i < messages.size(); i++) {
      String pointer = "/messages/" + i;
      if (!(messages.get(i) instanceof ObjectNode message)) {
        throw invalid(pointer, "expected a message object");
      }
      content(message, "content", pointer + "/content", rewriter, writer);
      string(message, "refusal", pointer + "/refusal", rewriter, writer);
      JsonNode toolCalls = message.get("tool_calls");
      if (toolCalls != null && !toolCalls.isNull()) {
        if (!(toolCalls instanceof ArrayNode calls)) {
          throw invalid(pointer + "/tool_calls", "expected an array");
        }
        for (int j = 0; j < calls.size(); j++) {
          String callPointer = pointer + "/tool_calls/" + j;
          if (!(calls.get(j) instanceof ObjectNode call)) {
            throw invalid(callPointer, "expected a tool call object");
          }
          nested(call, "function", "arguments", callPointer, rewriter, writer);
          nested(call, "custom", "input", callPointer, rewriter, writer);
        }
      }
      nested(message, "function_call", "arguments", pointer, rewriter, writer);
    }
    if (request.get("prediction") instanceof ObjectNode prediction) {
      content(prediction, "content", "/prediction/content", rewriter, writer);
    }
  }

  private static void content(
      ObjectNode parent, String field, String pointer, TextRewriter rewriter, FieldWriter writer) {
    JsonNode content = parent.get(field);
    if (content == null || content.isNull()) {
      return;
    }
    if (content.isTextual()) {
      replace(parent, field, content, pointer, rewriter, writer);
    } else if (content instanceof ArrayNode parts) {
      for (int k = 0; k < parts.size(); k++) {
        String partPointer = pointer + "/" + k;
        if (!(parts.get(k) instanceof ObjectNode part)) {
          throw invalid(partPointer, "expected a content part object");
        }
        string(part, "text", partPointer + "/text", rewriter, writer);
        string(part, "refusal", partPointer + "/refusal", rewriter, writer);
      }
    } else {
      throw invalid(pointer, "expected a string, an array of content parts, or null");
    }
  }

  private static void nested(
      ObjectNode parent,
      String objectField,
      String stringField,
      String pointer,
      TextRewriter rewriter,
      FieldWriter writer) {
    JsonNode object = parent.get(objectField);
    if (object == null || object.isNull()) {
      return;
    }
    if (!(object instanceof ObjectNode fields)) {
      throw invalid(pointer + "/" + objectField, "expected an object");
    }
    string(fields, stringField, pointer + "/" + objectField + "/" + stringField, rewriter, writer);
  }
}
