package org.complianceproxy.proxy.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.complianceproxy.proxy.audit.RequestSummary;
import org.complianceproxy.proxy.chat.ChatCompletionRestorer;
import org.complianceproxy.proxy.restore.AnswerStream;
import org.complianceproxy.proxy.restore.OutputCheck;
import org.complianceproxy.proxy.restore.RestoreListener;
import org.complianceproxy.proxy.token.TokenLookup;

/**
 * Applies the output policy to, then restores tokens in, a whole (non-streamed) Bedrock answer
 * ({@link AnswerStream#whole}): Converse's {@code output.message.content[]} ({@code text}, every
 * string of {@code toolUse.input}, {@code reasoningContent.reasoningText.text}) or an Anthropic
 * message's {@code content[]} ({@code text}, {@code input}, {@code thinking}). An answer where
 * nothing changed is returned as the same bytes; one that is not JSON keeps its tokens and gets the
 * output policy as plain text.
 */
public final class AnswerRestorer {

  private final TokenLookup lookup;
  private final RestoreListener listener;
  // the output policy on the model's own text
  private final OutputCheck check;
  private RequestSummary.Usage usage;

  /** Restores tokens only, without an output policy. */
  public AnswerRestorer(TokenLookup lookup, RestoreListener listener) {
    this(lookup, listener, OutputCheck.NONE);
  }

  public AnswerRestorer(TokenLookup lookup, RestoreListener listener, OutputCheck check) {
    this.lookup = lookup;
    this.listener = listener;
    this.check = check;
  }

  public byte[] converse(byte[] body) {
    ObjectNode answer = BedrockJson.parseAnswer(body);
    if (answer == null) {
      return ChatCompletionRestorer.guardedAsText(body, check);
    }
    JsonNode u = answer.path("usage");
    if (u.isObject()) {
      usage =
          new RequestSummary.Usage(
              u.path("inputTokens").asLong(0),
              u.path("outputTokens").asLong(0),
              u.path("totalTokens").asLong(0));
    }
    boolean changed = false;
    if (answer.path("output").path("message").get("content") instanceof ArrayNode content) {
      for (int i = 0; i < content.size(); i++) {
        if (!(content.get(i) instanceof ObjectNode block)) {
          continue;
        }
        String pointer = "output/message/content/" + i;
        changed |= restore(block, "text", pointer + "/text");
        if (block.get("toolUse") instanceof ObjectNode toolUse) {
          changed |= restore(toolUse, "input", pointer + "/toolUse/input");
        }
        if (block.path("reasoningContent").get("reasoningText") instanceof ObjectNode reasoning) {
          changed |= restore(reasoning, "text", pointer + "/reasoningContent/reasoningText/text");
        }
      }
    }
    return changed ? BedrockJson.write(answer) : body;
  }

  public byte[] anthropic(byte[] body) {
    ObjectNode answer = BedrockJson.parseAnswer(body);
    if (answer == null) {
      return ChatCompletionRestorer.guardedAsText(body, check);
    }
    JsonNode u = answer.path("usage");
    if (u.isObject()) {
      long in = u.path("input_tokens").asLong(0);
      long out = u.path("output_tokens").asLong(0);
      usage = new RequestSummary.Usage(in, out, in + out);
    }
    boolean changed = false;
    if (answer.get("content") instanceof ArrayNode content) {
      for (int i = 0; i < content.size(); i++) {
        if (content.get(i) instanceof ObjectNode block) {
          String pointer = "content/" + i;
          changed |= restore(block, "text", pointer + "/text");
          changed |= restore(block, "input", pointer + "/input");
          changed |= restore(block, "thinking", pointer + "/thinking");
        }
      }
    }
    return changed ? BedrockJson.write(answer) : body;
  }

  /** Usage as the answer reported it, or null. */
  public RequestSummary.Usage usage() {
    return usage;
  }

  /** Restores every string inside {@code parent.field}; true when something changed. */
  private boolean restore(ObjectNode parent, String field, String pointer) {
    JsonNode value = parent.get(field);
    if (value == null) {
      return false;
    }
    if (value.isTextual()) {
      String restored = AnswerStream.whole(value.textValue(), lookup, pointer, listener, check);
      if (restored.equals(value.textValue())) {
        return false;
      }
      parent.put(field, restored);
      return true;
    }
    boolean changed = false;
    if (value instanceof ObjectNode object) {
      List<String> names = new ArrayList<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
        names.add(it.next().getKey());
      }
      for (String name : names) {
        changed |= restore(object, name, pointer + "/" + name);
      }
    } else if (value instanceof ArrayNode array) {
      for (int i = 0; i < array.size(); i++) {
        ObjectNode holder = array.objectNode();
        holder.set("v", array.get(i));
        if (restore(holder, "v", pointer + "/" + i)) {
          array.set(i, holder.get("v"));
          changed = true;
        }
      }
    }
    return changed;
  }
}
