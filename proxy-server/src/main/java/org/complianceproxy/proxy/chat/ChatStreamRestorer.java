package org.complianceproxy.proxy.chat;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.complianceproxy.proxy.audit.RequestSummary;
import org.complianceproxy.proxy.restore.AnswerStream;
import org.complianceproxy.proxy.restore.JsonEdits;
import org.complianceproxy.proxy.restore.OutputCheck;
import org.complianceproxy.proxy.restore.OutputGuard;
import org.complianceproxy.proxy.restore.RestoreListener;
import org.complianceproxy.proxy.sse.SseEncoder;
import org.complianceproxy.proxy.sse.SseEvent;
import org.complianceproxy.proxy.token.TokenLookup;

/**
 * Applies the output policy to, and restores the tokens of, one streamed OpenAI chat completion:
 * takes the upstream's events in order ({@link #restore}) and returns the bytes to send to the
 * client instead.
 *
 * <p>Each text of a {@code chat.completion.chunk} has its own {@link AnswerStream} (output guard,
 * then token restorer), so a token or a value split across events is handled in the event that
 * completes it: {@code choices[].delta.content}, {@code .refusal}, {@code
 * .function_call.arguments}, and {@code .tool_calls[].function.arguments} per tool call index. The
 * held-back fragments of a choice are released into the chunk that carries its {@code
 * finish_reason}; anything still held when {@code [DONE]} or the end of the stream ({@link
 * #finish}) comes goes into one extra chunk with the {@code id}, {@code object}, {@code created}
 * and {@code model} of the last chunk.
 *
 * <p>Without an output check, an event that cannot change (no {@code <}, also not JSON-escaped, and
 * nothing held back) is returned as its raw bytes without parsing; with one, every event with data
 * is parsed, since any text may carry personal data. An ordinary chunk is read by a streaming
 * parser and rewritten in place ({@link JsonEdits}): only the text values that changed are
 * replaced, every other byte stays, and a chunk whose texts did not change is returned as its raw
 * bytes. A chunk with usage, a finishing choice, a repeated field name or an unusual index is
 * parsed as a tree and, when it changed, re-serialized: fields keep their order, numbers their
 * exact value, unknown fields stay. Events without data and {@code [DONE]} are returned unchanged;
 * so is data that is not a JSON object (malformed JSON included) apart from the output policy,
 * applied to it as text: its tokens reach the client as tokens, never clear text, and the client
 * could not have parsed the event anyway.
 *
 * <p>One instance per response, used by one thread at a time.
 */
public final class ChatStreamRestorer {

  private static final byte[] NOTHING = new byte[0];
  private static final String[] HEADER_FIELDS = {"id", "object", "created", "model"};

  private final TokenLookup lookup;
  // Counts restores, then tells the caller's listener.
  private final RestoreListener listener;
  // the output policy on the model's own text
  private final OutputCheck check;
  // The restorers of every choice that has not finished yet, by choice index.
  private final Map<Integer, ChoiceRestorers> choices = new TreeMap<>();
  // the data of the last chunk parsed, for the id, object, created and model of a closing chunk
  private String lastChunk;
  // Usage as the upstream reported it, or null.
  private RequestSummary.Usage usage;
  private int restores;

  /** Restores tokens only, without an output policy. */
  public ChatStreamRestorer(TokenLookup lookup, RestoreListener listener) {
    this(lookup, listener, OutputCheck.NONE);
  }

  public ChatStreamRestorer(TokenLookup lookup, RestoreListener listener, OutputCheck check) {
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
   * The bytes to send to the client for {@code event}: its raw bytes when nothing changed (the same
   * array, which the caller must not modify), otherwise the event re-encoded, possibly preceded by
   * a chunk that releases held-back text. Never empty.
   */
  public byte[] restore(SseEvent event) {
    requireNonNull(event, "event");
    String data = event.data();
    if (data == null) {
      return event.raw();
    }
    if (isDone(data)) {
      return concat(flush(), event.raw());
    }
    if (check == OutputCheck.NONE
        && !isHolding()
        && !mayContainToken(data)
        && !carriesUsage(data)) {
      return event.raw();
    }
    // a chunk the streaming parse refused but the tree parse reads has a repeated field name: it is
    // written anew, so that a client reading the first of the names never gets unchecked text
    boolean rewrite = false;
    if (!carriesUsage(data)) {
      try {
        byte[] fast = restoreInPlace(event, data);
        if (fast != null) {
          return fast;
        }
      } catch (IOException e) {
        rewrite = true;
      }
    }
    ObjectNode chunk = parseObject(data);
    if (chunk == null) {
      // not a chunk: its tokens stay tokens, and the output policy still applies to it as text
      String guarded = OutputGuard.guardAll(data, check, "data");
      return guarded.equals(data) ? event.raw() : SseEncoder.reencode(event, guarded);
    }
    lastChunk = data;
    RequestSummary.Usage reported = ChatCompletionRestorer.readUsage(chunk);
    if (reported != null) {
      usage = reported;
    }
    if (!restoreChunk(chunk) && !rewrite) {
      return event.raw();
    }
    return SseEncoder.reencode(event, write(chunk));
  }

  /**
   * The bytes for an ordinary chunk, found by a streaming parse and rewritten in place: its texts
   * fed to their restorers and only the values that changed replaced, everything else kept byte for
   * byte. Null, before anything was fed, for a chunk left to the tree parse: not a JSON object, a
   * repeated field name, an index that is not an int, or a choice that finishes with text in the
   * chunk or held back (that text may need a field the chunk lacks). Throws when the streaming
   * parse fails.
   */
  private byte[] restoreInPlace(SseEvent event, String data) throws IOException {
    List<ChunkText> texts = new ArrayList<>();
    List<Integer> finishing = new ArrayList<>(1);
    try (JsonParser parser = JsonEdits.FACTORY.createParser(data)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        JsonToken value = parser.nextToken();
        if ("choices".equals(parser.currentName()) && value == JsonToken.START_ARRAY) {
          if (!readChoices(parser, texts, finishing)) {
            return null;
          }
        } else {
          parser.skipChildren();
        }
      }
      if (!JsonEdits.endsCleanly(parser)) {
        return null;
      }
    }
    for (int index : finishing) {
      ChoiceRestorers restorers = choices.get(index);
      if (restorers != null && restorers.isHolding()) {
        return null;
      }
    }
    lastChunk = data;
    JsonEdits edits = new JsonEdits();
    for (ChunkText text : texts) {
      ChoiceRestorers restorers = choices.computeIfAbsent(text.choice, ChoiceRestorers::new);
      String released = restorers.stream(text.field, text.toolCall).feed(text.value.text());
      if (!released.equals(text.value.text())) {
        edits.replace(text.value, released);
      }
    }
    finishing.forEach(choices::remove);
    return edits.isEmpty() ? event.raw() : SseEncoder.reencode(event, edits.applyTo(data));
  }

  /** One text of a chunk: its choice, its field, the tool call it belongs to, its value. */
  private record ChunkText(int choice, TextField field, int toolCall, JsonEdits.Value value) {}

  /** The texts of a choice delta, each with its own restorer. */
  private enum TextField {
    CONTENT,
    REFUSAL,
    FUNCTION_CALL,
    TOOL_CALL
  }

  /**
   * Reads the choices array (the parser at its start) into {@code texts}, in the order {@link
   * #restoreChunk} feeds them, and the index of every choice that finishes without text into {@code
   * finishing}; false for a chunk the tree parse must handle.
   */
  private static boolean readChoices(
      JsonParser parser, List<ChunkText> texts, List<Integer> finishing) throws IOException {
    for (int i = 0; parser.nextToken() != JsonToken.END_ARRAY; i++) {
      if (parser.currentToken() != JsonToken.START_OBJECT) {
        parser.skipChildren();
        continue;
      }
      int index = i;
      boolean finish = false;
      List<ChunkText> found = new ArrayList<>(1);
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String name = parser.currentName();
        JsonToken value = parser.nextToken();
        if ("index".equals(name)) {
          if (value != JsonToken.VALUE_NUMBER_INT) {
            return false;
          }
          index = parser.getIntValue();
        } else if ("finish_reason".equals(name)) {
          finish = value != JsonToken.VALUE_NULL;
          parser.skipChildren();
        } else if ("delta".equals(name) && value == JsonToken.START_OBJECT) {
          if (!readDelta(parser, found)) {
            return false;
          }
        } else {
          parser.skipChildren();
        }
      }
      if (finish && !found.isEmpty()) {
        return false;
      }
      if (finish) {
        finishing.add(index);
      }
      for (ChunkText text : found) {
        texts.add(new ChunkText(index, text.field, text.toolCall, text.value));
      }
    }
    return true;
  }

  /** Reads the texts of one delta (the parser at its start), choice index left 0. */
  private static boolean readDelta(JsonParser parser, List<ChunkText> found) throws IOException {
    ChunkText content = null;
    ChunkText refusal = null;
    ChunkText functionCall = null;
    List<ChunkText> toolCalls = List.of();
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String name = parser.currentName();
      JsonToken value = parser.nextToken();
      if ("content".equals(name) && value == JsonToken.VALUE_STRING) {
        content = new ChunkText(0, TextField.CONTENT, 0, JsonEdits.value(parser));
      } else if ("refusal".equals(name) && value == JsonToken.VALUE_STRING) {
        refusal = new ChunkText(0, TextField.REFUSAL, 0, JsonEdits.value(parser));
      } else if ("function_call".equals(name) && value == JsonToken.START_OBJECT) {
        JsonEdits.Value arguments = JsonEdits.stringMember(parser, "arguments");
        functionCall =
            arguments == null ? null : new ChunkText(0, TextField.FUNCTION_CALL, 0, arguments);
      } else if ("tool_calls".equals(name) && value == JsonToken.START_ARRAY) {
        toolCalls = readToolCalls(parser);
        if (toolCalls == null) {
          return false;
        }
      } else {
        parser.skipChildren();
      }
    }
    for (ChunkText text : new ChunkText[] {content, refusal, functionCall}) {
      if (text != null) {
        found.add(text);
      }
    }
    found.addAll(toolCalls);
    return true;
  }

  /** The tool calls' arguments (the parser at the array's start); null for the tree parse. */
  private static List<ChunkText> readToolCalls(JsonParser parser) throws IOException {
    List<ChunkText> calls = new ArrayList<>(1);
    for (int j = 0; parser.nextToken() != JsonToken.END_ARRAY; j++) {
      if (parser.currentToken() != JsonToken.START_OBJECT) {
        parser.skipChildren();
        continue;
      }
      int callIndex = j;
      JsonEdits.Value arguments = null;
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String name = parser.currentName();
        JsonToken value = parser.nextToken();
        if ("index".equals(name)) {
          if (value != JsonToken.VALUE_NUMBER_INT) {
            return null;
          }
          callIndex = parser.getIntValue();
        } else if ("function".equals(name) && value == JsonToken.START_OBJECT) {
          arguments = JsonEdits.stringMember(parser, "arguments");
        } else {
          parser.skipChildren();
        }
      }
      if (arguments != null) {
        calls.add(new ChunkText(0, TextField.TOOL_CALL, callIndex, arguments));
      }
    }
    return calls;
  }

  /**
   * Ends a stream that stopped without {@code [DONE]}: a chunk releasing whatever is still held
   * back, or no bytes when nothing is.
   */
  public byte[] finish() {
    return flush();
  }

  /** Usage as the upstream reported it in its usage chunk, or {@code null} when it did not. */
  public RequestSummary.Usage usage() {
    return usage;
  }

  /** How many tokens were restored so far. */
  public int restores() {
    return restores;
  }

  /** True while some text is held back because it could still become a token. */
  public boolean isHolding() {
    for (ChoiceRestorers choice : choices.values()) {
      if (choice.isHolding()) {
        return true;
      }
    }
    return false;
  }

  /** Feeds every text of the chunk to its restorer; true when the chunk changed. */
  private boolean restoreChunk(ObjectNode chunk) {
    if (!(chunk.get("choices") instanceof ArrayNode array)) {
      return false;
    }
    boolean changed = false;
    for (int i = 0; i < array.size(); i++) {
      if (!(array.get(i) instanceof ObjectNode choice)) {
        continue;
      }
      int index = choice.path("index").asInt(i);
      ChoiceRestorers restorers = choices.computeIfAbsent(index, ChoiceRestorers::new);
      if (choice.get("delta") instanceof ObjectNode delta) {
        changed |= restorers.feed(delta);
      }
      JsonNode finishReason = choice.get("finish_reason");
      if (finishReason != null && !finishReason.isNull()) {
        if (restorers.isHolding()) {
          ObjectNode delta =
              choice.get("delta") instanceof ObjectNode existing
                  ? existing
                  : choice.putObject("delta");
          restorers.flushInto(delta);
          changed = true;
        }
        choices.remove(index);
      }
    }
    return changed;
  }

  /** A chunk releasing every held-back fragment, or no bytes when nothing is held. */
  private byte[] flush() {
    if (!isHolding()) {
      choices.clear();
      return NOTHING;
    }
    ObjectNode chunk = ChatCompletionRestorer.JSON.createObjectNode();
    ObjectNode last = lastChunk == null ? null : parseObject(lastChunk);
    for (String name : HEADER_FIELDS) {
      JsonNode value = last == null ? null : last.get(name);
      if (value != null) {
        chunk.set(name, value);
      }
    }
    ArrayNode array = chunk.putArray("choices");
    for (Map.Entry<Integer, ChoiceRestorers> entry : choices.entrySet()) {
      if (entry.getValue().isHolding()) {
        ObjectNode choice = array.addObject();
        choice.put("index", entry.getKey());
        entry.getValue().flushInto(choice.putObject("delta"));
        choice.putNull("finish_reason");
      }
    }
    choices.clear();
    return SseEncoder.encode(write(chunk));
  }

  private static ObjectNode parseObject(String data) {
    try {
      return ChatCompletionRestorer.JSON.readTree(data) instanceof ObjectNode object
          ? object
          : null;
    } catch (JacksonException e) {
      return null;
    }
  }

  private static String write(ObjectNode chunk) {
    try {
      return ChatCompletionRestorer.JSON.writeValueAsString(chunk);
    } catch (JacksonException e) {
      throw new IllegalStateException("a parsed chunk failed to serialize", e);
    }
  }

  private static boolean isDone(String data) {
    return data.length() <= 16 && data.strip().equals("[DONE]");
  }

  /** True when the data has a {@code <}, raw or escaped as JSON {@code \u003c}. */
  static boolean mayContainToken(String data) {
    return data.indexOf('<') >= 0 || data.contains("\\u003c") || data.contains("\\u003C");
  }

  /** True when the data may hold a non-null {@code "usage"} member. */
  static boolean carriesUsage(String data) {
    int n = data.length();
    for (int i = data.indexOf("\"usage\""); i >= 0; i = data.indexOf("\"usage\"", i + 1)) {
      int p = skipWhitespace(data, i + "\"usage\"".length());
      if (p < n && data.charAt(p) == ':') {
        p = skipWhitespace(data, p + 1);
        if (p < n && data.charAt(p) != 'n') {
          return true;
        }
      }
    }
    return false;
  }

  private static int skipWhitespace(String data, int p) {
    while (p < data.length() && Character.isWhitespace(data.charAt(p))) {
      p++;
    }
    return p;
  }

  private static byte[] concat(byte[] first, byte[] second) {
    if (first.length == 0) {
      return second;
    }
    byte[] both = new byte[first.length + second.length];
    System.arraycopy(first, 0, both, 0, first.length);
    System.arraycopy(second, 0, both, first.length, second.length);
    return both;
  }

  /** The restorers of one choice's texts, created when a text first appears. */
  private final class ChoiceRestorers {

    // Prefix of the field names, e.g. "choices/0/delta/".
    private final String prefix;
    private AnswerStream content;
    private AnswerStream refusal;
    private AnswerStream functionCallArguments;
    // Tool call index -> restorer of that call's arguments.
    private final Map<Integer, AnswerStream> toolCallArguments = new TreeMap<>();

    ChoiceRestorers(int index) {
      this.prefix = "choices/" + index + "/delta/";
    }

    /**
     * Replaces each text of {@code delta} with what its restorer releases; true when any changed.
     */
    boolean feed(ObjectNode delta) {
      boolean changed = false;
      if (isText(delta, "content")) {
        changed |= replace(delta, "content", stream(TextField.CONTENT, 0));
      }
      if (isText(delta, "refusal")) {
        changed |= replace(delta, "refusal", stream(TextField.REFUSAL, 0));
      }
      if (delta.get("function_call") instanceof ObjectNode call && isText(call, "arguments")) {
        changed |= replace(call, "arguments", stream(TextField.FUNCTION_CALL, 0));
      }
      if (delta.get("tool_calls") instanceof ArrayNode calls) {
        for (int j = 0; j < calls.size(); j++) {
          if (calls.get(j) instanceof ObjectNode call
              && call.get("function") instanceof ObjectNode function
              && isText(function, "arguments")) {
            int callIndex = call.path("index").asInt(j);
            changed |= replace(function, "arguments", stream(TextField.TOOL_CALL, callIndex));
          }
        }
      }
      return changed;
    }

    /** The answer stream of one text, created when the text first appears. */
    AnswerStream stream(TextField field, int toolCall) {
      return switch (field) {
        case CONTENT -> content = content != null ? content : restorer("content");
        case REFUSAL -> refusal = refusal != null ? refusal : restorer("refusal");
        case FUNCTION_CALL ->
            functionCallArguments =
                functionCallArguments != null
                    ? functionCallArguments
                    : restorer("function_call/arguments");
        case TOOL_CALL ->
            toolCallArguments.computeIfAbsent(
                toolCall, k -> restorer("tool_calls/" + k + "/function/arguments"));
      };
    }

    /** Appends every held-back fragment to its field in {@code delta}, creating what is missing. */
    void flushInto(ObjectNode delta) {
      append(delta, "content", content);
      append(delta, "refusal", refusal);
      if (isHolding(functionCallArguments)) {
        ObjectNode call =
            delta.get("function_call") instanceof ObjectNode existing
                ? existing
                : delta.putObject("function_call");
        append(call, "arguments", functionCallArguments);
      }
      for (Map.Entry<Integer, AnswerStream> entry : toolCallArguments.entrySet()) {
        if (isHolding(entry.getValue())) {
          append(toolCallFunction(delta, entry.getKey()), "arguments", entry.getValue());
        }
      }
    }

    boolean isHolding() {
      if (isHolding(content) || isHolding(refusal) || isHolding(functionCallArguments)) {
        return true;
      }
      for (AnswerStream arguments : toolCallArguments.values()) {
        if (arguments.isHolding()) {
          return true;
        }
      }
      return false;
    }

    private AnswerStream restorer(String field) {
      return new AnswerStream(lookup, prefix + field, listener, check);
    }

    /** The {@code function} object of the tool call with {@code callIndex} in {@code delta}. */
    private ObjectNode toolCallFunction(ObjectNode delta, int callIndex) {
      ArrayNode calls =
          delta.get("tool_calls") instanceof ArrayNode existing
              ? existing
              : delta.putArray("tool_calls");
      for (int j = 0; j < calls.size(); j++) {
        if (calls.get(j) instanceof ObjectNode call && call.path("index").asInt(j) == callIndex) {
          return call.get("function") instanceof ObjectNode function
              ? function
              : call.putObject("function");
        }
      }
      ObjectNode call = calls.addObject();
      call.put("index", callIndex);
      return call.putObject("function");
    }

    private static boolean isText(ObjectNode parent, String name) {
      JsonNode value = parent.get(name);
      return value != null && value.isTextual();
    }

    private static boolean isHolding(AnswerStream restorer) {
      return restorer != null && restorer.isHolding();
    }

    private static boolean replace(ObjectNode parent, String name, AnswerStream restorer) {
      String text = parent.get(name).textValue();
      String released = restorer.feed(text);
      if (released.equals(text)) {
        return false;
      }
      parent.put(name, released);
      return true;
    }

    private static void append(ObjectNode parent, String name, AnswerStream restorer) {
      if (!isHolding(restorer)) {
        return;
      }
      JsonNode value = parent.get(name);
      String before = value != null && value.isTextual() ? value.textValue() : "";
      parent.put(name, before + restorer.finish());
    }
  }
}
