package org.complianceproxy.proxy.chat;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import org.complianceproxy.proxy.audit.RequestSummary;
import org.complianceproxy.proxy.error.ProxyException;
import org.complianceproxy.proxy.restore.AnswerStream;
import org.complianceproxy.proxy.restore.OutputCheck;
import org.complianceproxy.proxy.restore.OutputGuard;
import org.complianceproxy.proxy.restore.RestoreListener;
import org.complianceproxy.proxy.sanitize.JsonSplice;
import org.complianceproxy.proxy.token.TokenLookup;

/**
 * Applies the output policy to, then restores the tokens in, a non-streamed OpenAI {@code
 * chat.completion} ({@link AnswerStream#whole}): in every choice's {@code message.content} (a
 * string, or content parts with {@code text}), {@code message.refusal}, {@code
 * message.tool_calls[].function.arguments} and {@code message.function_call.arguments}. Only the
 * changed strings are rewritten, spliced into the upstream's bytes ({@link JsonSplice}); every
 * other byte is left as it came. Personal data the model produced by itself is handled as the
 * {@link OutputCheck} says; values restored from tokens are not.
 *
 * <p>A body that is not a JSON object (an upstream's HTML error page, truncated JSON, an object
 * that repeats a field name, which a client might read otherwise than the proxy) keeps its tokens,
 * so nothing is revealed, and gets the output policy as plain text ({@link #guardedAsText}). One
 * instance per response; not thread-safe.
 */
public final class ChatCompletionRestorer {

  /** Numbers as exact decimals, so re-serializing never rounds; trailing garbage is not JSON. */
  static final ObjectMapper JSON =
      JsonMapper.builder()
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
          .build();

  private final TokenLookup lookup;
  // Counts restores, then tells the caller's listener.
  private final RestoreListener listener;
  // the output policy on the model's own text
  private final OutputCheck check;
  private int restores;
  // Usage as the upstream reported it, or null.
  private RequestSummary.Usage usage;

  /** Restores tokens only, without an output policy. */
  public ChatCompletionRestorer(TokenLookup lookup, RestoreListener listener) {
    this(lookup, listener, OutputCheck.NONE);
  }

  public ChatCompletionRestorer(TokenLookup lookup, RestoreListener listener, OutputCheck check) {
    this.lookup = requireNonNull(lookup, "lookup");
    this.check = requireNonNull(check, "check");
    requireNonNull(listener, "listener");
    this.listener =
        (token, restoration, field) -> {
          restores++;
          listener.restored(token, restoration, field);
        };
  }

  /**
   * The body with the output policy applied and every known token restored: {@code body} itself
   * when nothing changed, new bytes otherwise.
   */
  public byte[] restore(byte[] body) {
    requireNonNull(body, "body");
    JsonSplice json;
    try {
      json = JsonSplice.parse(body, "answer");
    } catch (ProxyException e) {
      // not JSON, or JSON a client might read otherwise than the proxy (a repeated field name)
      return guardedAsText(body, check);
    }
    if (!(json.root() instanceof ObjectNode root)) {
      return guardedAsText(body, check);
    }
    RequestSummary.Usage reported = readUsage(root);
    if (reported != null) {
      usage = reported;
    }
    JsonNode choices = root.get("choices");
    if (choices != null && choices.isArray()) {
      for (int i = 0; i < choices.size(); i++) {
        if (choices.get(i) instanceof ObjectNode choice
            && choice.get("message") instanceof ObjectNode message) {
          String prefix = "choices/" + choice.path("index").asInt(i) + "/message/";
          restoreMessage(message, prefix, json);
        }
      }
    }
    return json.toBytes();
  }

  /**
   * A body that is not a chat completion, with the output policy applied to it as text (field
   * {@code body}): even an answer the proxy cannot parse does not pass unchecked. {@code body}
   * itself when nothing changed.
   */
  public static byte[] guardedAsText(byte[] body, OutputCheck check) {
    if (check == OutputCheck.NONE) {
      return body;
    }
    String text = new String(body, StandardCharsets.UTF_8);
    String guarded = OutputGuard.guardAll(text, check, "body");
    return guarded.equals(text) ? body : guarded.getBytes(StandardCharsets.UTF_8);
  }

  /** Usage as the upstream reported it, or {@code null} when it did not. */
  public RequestSummary.Usage usage() {
    return usage;
  }

  /** How many tokens were restored. */
  public int restores() {
    return restores;
  }

  private void restoreMessage(ObjectNode message, String prefix, JsonSplice json) {
    restoreText(message, "content", prefix + "content", json);
    if (message.get("content") instanceof ArrayNode parts) {
      for (int j = 0; j < parts.size(); j++) {
        if (parts.get(j) instanceof ObjectNode part) {
          restoreText(part, "text", prefix + "content/" + j + "/text", json);
        }
      }
    }
    restoreText(message, "refusal", prefix + "refusal", json);
    JsonNode toolCalls = message.get("tool_calls");
    if (toolCalls != null && toolCalls.isArray()) {
      for (int j = 0; j < toolCalls.size(); j++) {
        if (toolCalls.get(j) instanceof ObjectNode call
            && call.get("function") instanceof ObjectNode function) {
          restoreText(
              function, "arguments", prefix + "tool_calls/" + j + "/function/arguments", json);
        }
      }
    }
    if (message.get("function_call") instanceof ObjectNode functionCall) {
      restoreText(functionCall, "arguments", prefix + "function_call/arguments", json);
    }
  }

  private void restoreText(ObjectNode parent, String name, String field, JsonSplice json) {
    JsonNode value = parent.get(name);
    if (value == null || !value.isTextual()) {
      return;
    }
    String text = value.textValue();
    String restored = AnswerStream.whole(text, lookup, field, listener, check);
    if (!restored.equals(text)) {
      json.replace(value, restored);
    }
  }

  /** The {@code usage} object of a completion or chunk, or {@code null} when it has none. */
  static RequestSummary.Usage readUsage(JsonNode root) {
    JsonNode usage = root.get("usage");
    if (usage == null || !usage.isObject()) {
      return null;
    }
    return new RequestSummary.Usage(
        usage.path("prompt_tokens").asLong(0),
        usage.path("completion_tokens").asLong(0),
        usage.path("total_tokens").asLong(0));
  }
}
