package org.complianceproxy.proxy.bedrock;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.complianceproxy.proxy.audit.RequestSummary;
import org.complianceproxy.proxy.error.ProxyError;
import org.complianceproxy.proxy.error.ProxyException;
import org.complianceproxy.proxy.restore.AnswerStream;
import org.complianceproxy.proxy.restore.OutputCheck;
import org.complianceproxy.proxy.restore.RestoreListener;
import org.complianceproxy.proxy.token.TokenLookup;
import software.amazon.awssdk.eventstream.HeaderValue;
import software.amazon.awssdk.eventstream.Message;
import software.amazon.awssdk.eventstream.MessageDecoder;

/**
 * Applies the output policy to, and restores tokens in, a Bedrock event stream as it arrives, in
 * pieces of any size: decodes the frames (checking both CRCs), guards and restores the text of
 * every content-block delta, and re-encodes the frames it changed (with fresh CRCs). A token or a
 * value may be split across deltas: each content block has an {@link AnswerStream} that holds back
 * only what may still become a token or a finding, and releases it in an extra delta just before
 * the block's stop event (or at the end of the stream). Frames without text pass through unchanged;
 * a delta whose text is entirely held back is not sent.
 *
 * <ul>
 *   <li>{@link Mode#CONVERSE}: {@code contentBlockDelta} events, {@code delta.text}, {@code
 *       delta.toolUse.input}, {@code delta.reasoningContent.text};
 *   <li>{@link Mode#INVOKE}: {@code chunk} events whose {@code bytes} carry Anthropic messages
 *       stream events: {@code content_block_delta} with {@code text}, {@code partial_json} or
 *       {@code thinking}.
 * </ul>
 *
 * Not thread-safe: one instance per answer.
 */
public final class EventStreamRestorer {

  public enum Mode {
    CONVERSE,
    INVOKE
  }

  /** Delta fields of each mode: path inside the delta object -> name for the audit field. */
  private static final Map<Mode, List<String[]>> DELTA_FIELDS =
      Map.of(
          Mode.CONVERSE,
          List.of(
              new String[] {"text"},
              new String[] {"toolUse", "input"},
              new String[] {"reasoningContent", "text"}),
          Mode.INVOKE,
          List.of(new String[] {"text"}, new String[] {"partial_json"}, new String[] {"thinking"}));

  private final Mode mode;
  private final TokenLookup lookup;
  private final RestoreListener listener;
  // the output policy on the model's own text
  private final OutputCheck check;
  private final MessageDecoder decoder;
  // frames decoded by the current feed, in order
  private final List<Message> decoded = new ArrayList<>();
  // "index/field" -> restorer of that block's text; insertion order for the final flush
  private final Map<String, Held> held = new LinkedHashMap<>();

  private long inputTokens = -1;
  private long outputTokens = -1;

  /** A block's restorer and the frame and delta to copy when its held text is released. */
  private static final class Held {
    final AnswerStream restorer;
    final String[] path;
    Map<String, HeaderValue> headers;
    ObjectNode event;

    Held(AnswerStream restorer, String[] path) {
      this.restorer = restorer;
      this.path = path;
    }
  }

  /** Restores tokens only, without an output policy. */
  public EventStreamRestorer(Mode mode, TokenLookup lookup, RestoreListener listener) {
    this(mode, lookup, listener, OutputCheck.NONE);
  }

  public EventStreamRestorer(
      Mode mode, TokenLookup lookup, RestoreListener listener, OutputCheck check) {
    this.check = requireNonNull(check, "check");
    this.mode = requireNonNull(mode, "mode");
    this.lookup = requireNonNull(lookup, "lookup");
    this.listener = requireNonNull(listener, "listener");
    this.decoder = new MessageDecoder(decoded::add);
  }

  /** The frames releasable after {@code bytes}, encoded; empty while a frame is incomplete. */
  public byte[] feed(ByteBuffer bytes) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    feed(bytes, message -> message.encode(out));
    return out.toByteArray();
  }

  /** Hands the frames releasable after {@code bytes}, restored, to {@code sink}, in order. */
  public void feed(ByteBuffer bytes, Consumer<Message> sink) {
    try {
      decoder.feed(bytes);
    } catch (RuntimeException e) {
      decoded.clear();
      throw new ProxyException(
          ProxyError.UPSTREAM_BAD_RESPONSE, "The upstream sent a malformed event-stream frame.");
    }
    List<Message> ready = new ArrayList<>(decoded);
    decoded.clear();
    for (Message message : ready) {
      frame(message, sink);
    }
  }

  /** Releases every held-back fragment, at the end of the stream. */
  public byte[] finish() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    finish(message -> message.encode(out));
    return out.toByteArray();
  }

  /** Hands every held-back fragment, as frames of their own, to {@code sink}. */
  public void finish(Consumer<Message> sink) {
    flushAll(sink);
  }

  /** Usage as the stream reported it, or null. */
  public RequestSummary.Usage usage() {
    if (inputTokens < 0 && outputTokens < 0) {
      return null;
    }
    long in = Math.max(0, inputTokens);
    long out = Math.max(0, outputTokens);
    return new RequestSummary.Usage(in, out, in + out);
  }

  private void frame(Message message, Consumer<Message> out) {
    HeaderValue messageType = message.getHeaders().get(":message-type");
    HeaderValue eventType = message.getHeaders().get(":event-type");
    if (messageType == null || !"event".equals(messageType.getString()) || eventType == null) {
      flushAll(out);
      out.accept(message);
      return;
    }
    String type = eventType.getString();
    if (mode == Mode.CONVERSE) {
      converse(type, message, out);
    } else if ("chunk".equals(type)) {
      chunk(message, out);
    } else {
      out.accept(message);
    }
  }

  private void converse(String type, Message message, Consumer<Message> out) {
    switch (type) {
      case "contentBlockDelta" -> {
        ObjectNode event = json(message.getPayload());
        int index = event.path("contentBlockIndex").asInt(0);
        if (restoreDelta(index, event, "delta", message.getHeaders(), "contentBlockDelta")) {
          emit(message.getHeaders(), BedrockJson.write(event), out);
        }
      }
      case "contentBlockStop" -> {
        ObjectNode event = json(message.getPayload());
        releaseBlock(event.path("contentBlockIndex").asInt(0), out);
        out.accept(message);
      }
      case "messageStop" -> {
        flushAll(out);
        out.accept(message);
      }
      case "metadata" -> {
        JsonNode usage = json(message.getPayload()).path("usage");
        if (usage.isObject()) {
          inputTokens = usage.path("inputTokens").asLong(0);
          outputTokens = usage.path("outputTokens").asLong(0);
        }
        out.accept(message);
      }
      default -> out.accept(message);
    }
  }

  private void chunk(Message message, Consumer<Message> out) {
    ObjectNode payload = json(message.getPayload());
    JsonNode bytes = payload.get("bytes");
    if (bytes == null || !bytes.isTextual()) {
      out.accept(message);
      return;
    }
    ObjectNode event;
    try {
      event = json(Base64.getDecoder().decode(bytes.textValue()));
    } catch (IllegalArgumentException e) {
      throw new ProxyException(
          ProxyError.UPSTREAM_BAD_RESPONSE, "The upstream sent a malformed chunk event.");
    }
    String type = event.path("type").asText();
    switch (type) {
      case "content_block_delta" -> {
        int index = event.path("index").asInt(0);
        if (restoreDelta(index, event, "delta", message.getHeaders(), "chunk")) {
          payload.put("bytes", Base64.getEncoder().encodeToString(BedrockJson.write(event)));
          emit(message.getHeaders(), BedrockJson.write(payload), out);
        }
        return;
      }
      case "content_block_stop" -> releaseBlock(event.path("index").asInt(0), out);
      case "message_stop", "message_delta" -> flushAll(out);
      default -> {}
    }
    if ("message_start".equals(type)) {
      JsonNode usage = event.path("message").path("usage");
      if (usage.has("input_tokens")) {
        inputTokens = usage.path("input_tokens").asLong(0);
      }
    }
    if ("message_delta".equals(type) && event.path("usage").has("output_tokens")) {
      outputTokens = event.path("usage").path("output_tokens").asLong(0);
    }
    out.accept(message);
  }

  /**
   * Restores the text fields of {@code event.deltaField} in place; false when nothing is left to
   * send (everything was held back).
   */
  private boolean restoreDelta(
      int index,
      ObjectNode event,
      String deltaField,
      Map<String, HeaderValue> headers,
      String what) {
    if (!(event.get(deltaField) instanceof ObjectNode delta)) {
      return true;
    }
    for (String[] path : DELTA_FIELDS.get(mode)) {
      ObjectNode parent = delta;
      for (int i = 0; i < path.length - 1 && parent != null; i++) {
        parent = parent.get(path[i]) instanceof ObjectNode child ? child : null;
      }
      String leaf = path[path.length - 1];
      if (parent == null || parent.get(leaf) == null || !parent.get(leaf).isTextual()) {
        continue;
      }
      String key = index + "/" + String.join("/", path);
      Held block =
          held.computeIfAbsent(
              key,
              k ->
                  new Held(
                      new AnswerStream(
                          lookup,
                          what + "/" + index + "/" + deltaField + "/" + String.join("/", path),
                          listener,
                          check),
                      path));
      block.headers = headers;
      block.event = event.deepCopy();
      String released = block.restorer.feed(parent.get(leaf).textValue());
      if (released.isEmpty()) {
        return false;
      }
      parent.put(leaf, released);
    }
    return true;
  }

  private void releaseBlock(int index, Consumer<Message> out) {
    String prefix = index + "/";
    for (String key : new ArrayList<>(held.keySet())) {
      if (key.startsWith(prefix)) {
        release(key, out);
      }
    }
  }

  private void flushAll(Consumer<Message> out) {
    for (String key : new ArrayList<>(held.keySet())) {
      release(key, out);
    }
  }

  /** Sends the held-back fragment of one block as a delta of its own, then forgets the block. */
  private void release(String key, Consumer<Message> out) {
    Held block = held.remove(key);
    if (block == null || !block.restorer.isHolding()) {
      return;
    }
    String rest = block.restorer.finish();
    ObjectNode event = block.event;
    ObjectNode parent = (ObjectNode) event.get("delta");
    for (int i = 0; i < block.path.length - 1; i++) {
      parent = (ObjectNode) parent.get(block.path[i]);
    }
    parent.put(block.path[block.path.length - 1], rest);
    if (mode == Mode.CONVERSE) {
      emit(block.headers, BedrockJson.write(event), out);
    } else {
      ObjectNode payload = BedrockJson.MAPPER.createObjectNode();
      payload.put("bytes", Base64.getEncoder().encodeToString(BedrockJson.write(event)));
      emit(block.headers, BedrockJson.write(payload), out);
    }
  }

  private static void emit(
      Map<String, HeaderValue> headers, byte[] payload, Consumer<Message> out) {
    out.accept(new Message(headers, payload));
  }

  private static ObjectNode json(byte[] payload) {
    ObjectNode node = BedrockJson.parseAnswer(payload);
    if (node == null) {
      throw new ProxyException(
          ProxyError.UPSTREAM_BAD_RESPONSE, "The upstream sent an event that is not JSON.");
    }
    return node;
  }
}
