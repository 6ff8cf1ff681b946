package org.complianceproxy.proxy.bedrock;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import org.complianceproxy.proxy.audit.RequestSummary;
import org.complianceproxy.proxy.error.ProxyError;
import org.complianceproxy.proxy.error.ProxyException;
import org.complianceproxy.proxy.restore.AnswerStream;
import org.complianceproxy.proxy.restore.JsonEdits;
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
 * <p>A delta with one text is read by a streaming parser and rewritten in place ({@link
 * JsonEdits}): a delta whose text did not change is sent as the frame that came, byte for byte, and
 * a changed one keeps every byte of its payload but the text. Other events, and deltas the
 * streaming parse leaves alone (a repeated name, several texts, an index that is not an int), are
 * parsed as a tree.
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

  /**
   * A block's restorer and, from its last delta, the headers and the payload to send its held text
   * in when it is released.
   */
  private static final class Held {
    final AnswerStream restorer;
    Map<String, HeaderValue> headers;
    // the last delta's payload with its text replaced by the given text
    Function<String, byte[]> payloadWith;

    Held(AnswerStream restorer) {
      this.restorer = restorer;
    }
  }

  /** The one text of a delta event found by a streaming parse, and the event's index and type. */
  private record DeltaText(int index, String type, String[] path, JsonEdits.Value value) {}

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
        byte[] payload = message.getPayload();
        DeltaText text = findText(payload, "contentBlockIndex");
        if (text != null) {
          restoreInPlace(text, payload, message, "contentBlockDelta", edited -> edited, out);
          return;
        }
        ObjectNode event = json(payload);
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
    if (chunkInPlace(message, out)) {
      return;
    }
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
      Held block = held(index, path, what, deltaField);
      block.headers = headers;
      ObjectNode template = event.deepCopy();
      block.payloadWith = rest -> payloadWith(template, deltaField, path, rest);
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
    emit(block.headers, block.payloadWith.apply(block.restorer.finish()), out);
  }

  /**
   * The payload of a frame carrying {@code event} with its text at {@code path} set to {@code
   * rest}.
   */
  private byte[] payloadWith(ObjectNode event, String deltaField, String[] path, String rest) {
    ObjectNode parent = (ObjectNode) event.get(deltaField);
    for (int i = 0; i < path.length - 1; i++) {
      parent = (ObjectNode) parent.get(path[i]);
    }
    parent.put(path[path.length - 1], rest);
    if (mode == Mode.CONVERSE) {
      return BedrockJson.write(event);
    }
    ObjectNode payload = BedrockJson.MAPPER.createObjectNode();
    payload.put("bytes", Base64.getEncoder().encodeToString(BedrockJson.write(event)));
    return BedrockJson.write(payload);
  }

  /** The restorer of one text of a block, created when the text first appears. */
  private Held held(int index, String[] path, String what, String deltaField) {
    return held.computeIfAbsent(
        index + "/" + String.join("/", path),
        k ->
            new Held(
                new AnswerStream(
                    lookup,
                    what + "/" + index + "/" + deltaField + "/" + String.join("/", path),
                    listener,
                    check)));
  }

  /**
   * Guards and restores the text of a delta found by {@link #findText} and sends the frame: as it
   * came when its text did not change, with only the text replaced when it did ({@code wrap} puts
   * the edited event into the frame's payload), not at all when all of it is held back.
   */
  private void restoreInPlace(
      DeltaText text,
      byte[] event,
      Message message,
      String what,
      Function<byte[], byte[]> wrap,
      Consumer<Message> out) {
    Held block = held(text.index(), text.path(), what, "delta");
    block.headers = message.getHeaders();
    block.payloadWith = rest -> wrap.apply(replaced(event, text.value(), rest));
    String original = text.value().text();
    String released = block.restorer.feed(original);
    if (released.isEmpty()) {
      return;
    }
    if (released.equals(original)) {
      out.accept(message);
    } else {
      emit(message.getHeaders(), block.payloadWith.apply(released), out);
    }
  }

  /**
   * An Anthropic {@code content_block_delta} chunk restored in place: its base64 {@code bytes}
   * decoded, the event inside read by a streaming parse and its text replaced, then encoded again.
   * False, before anything was fed, for any other chunk, which the tree parse handles.
   */
  private boolean chunkInPlace(Message message, Consumer<Message> out) {
    byte[] payload = message.getPayload();
    JsonEdits.Value bytes;
    try (JsonParser parser = JsonEdits.FACTORY.createParser(payload)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        return false;
      }
      bytes = JsonEdits.stringMember(parser, "bytes");
      if (bytes == null || !JsonEdits.endsCleanly(parser)) {
        return false;
      }
    } catch (IOException e) {
      return false;
    }
    byte[] event;
    try {
      event = Base64.getDecoder().decode(bytes.text());
    } catch (IllegalArgumentException e) {
      return false;
    }
    DeltaText text = findText(event, "index");
    if (text == null || !"content_block_delta".equals(text.type())) {
      return false;
    }
    JsonEdits.Value encoded = bytes;
    restoreInPlace(
        text,
        event,
        message,
        "chunk",
        edited -> replaced(payload, encoded, Base64.getEncoder().encodeToString(edited)),
        out);
    return true;
  }

  /**
   * The one text of a delta event ({@code payload}, a JSON object with an int {@code indexName} and
   * a {@code delta} object), found by a streaming parse; null when the event is left to the tree
   * parse: malformed, a repeated field name, an index that is not an int, no text or several.
   */
  private DeltaText findText(byte[] payload, String indexName) {
    int index = 0;
    String type = null;
    List<DeltaText> texts = new ArrayList<>(1);
    try (JsonParser parser = JsonEdits.FACTORY.createParser(payload)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String name = parser.currentName();
        JsonToken value = parser.nextToken();
        if (indexName.equals(name)) {
          if (value != JsonToken.VALUE_NUMBER_INT) {
            return null;
          }
          index = parser.getIntValue();
        } else if ("type".equals(name) && value == JsonToken.VALUE_STRING) {
          type = parser.getText();
        } else if ("delta".equals(name) && value == JsonToken.START_OBJECT) {
          readTexts(parser, new String[0], texts);
        } else {
          parser.skipChildren();
        }
      }
      if (!JsonEdits.endsCleanly(parser) || texts.size() != 1) {
        return null;
      }
    } catch (IOException e) {
      return null;
    }
    DeltaText text = texts.get(0);
    return new DeltaText(index, type, text.path(), text.value());
  }

  /**
   * Adds to {@code texts} the string values of the object the parser is at whose path ({@code
   * parent} and their name) is one of the mode's delta fields.
   */
  private void readTexts(JsonParser parser, String[] parent, List<DeltaText> texts)
      throws IOException {
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String[] path = Arrays.copyOf(parent, parent.length + 1);
      path[parent.length] = parser.currentName();
      JsonToken value = parser.nextToken();
      if (value == JsonToken.VALUE_STRING && isDeltaField(path)) {
        texts.add(new DeltaText(0, null, deltaField(path), JsonEdits.value(parser)));
      } else if (value == JsonToken.START_OBJECT && isDeltaFieldParent(path)) {
        readTexts(parser, path, texts);
      } else {
        parser.skipChildren();
      }
    }
  }

  private boolean isDeltaField(String[] path) {
    return deltaField(path) != null;
  }

  /** The mode's delta field equal to {@code path}, or null. */
  private String[] deltaField(String[] path) {
    for (String[] field : DELTA_FIELDS.get(mode)) {
      if (Arrays.equals(field, path)) {
        return field;
      }
    }
    return null;
  }

  private boolean isDeltaFieldParent(String[] path) {
    for (String[] field : DELTA_FIELDS.get(mode)) {
      if (field.length > path.length
          && Arrays.equals(field, 0, path.length, path, 0, path.length)) {
        return true;
      }
    }
    return false;
  }

  private static byte[] replaced(byte[] json, JsonEdits.Value value, String text) {
    JsonEdits edits = new JsonEdits();
    edits.replace(value, text);
    return edits.applyTo(json);
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
