package org.complianceproxy.standin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Random;

/**
 * The answer to one echo request, as a whole {@code chat.completion} body or as the sequence of
 * server-sent events that OpenAI streams for it. Plain Java; the Netty side only writes the bytes.
 *
 * <p>The stream is: a first chunk with the role (or the tool call's id and name), the text (or the
 * tool call's arguments) in deltas of 1 to 7 chars, a chunk with an empty delta and the finish
 * reason, with {@code include_usage} a chunk with no choices and the usage, and {@code [DONE]}.
 * Events are produced lazily, so a long echo costs memory only for what is in flight.
 */
final class CompletionScript {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final int MAX_DELTA_CHARS = 7;
  private static final int CHARS_PER_TOKEN = 4;

  private final OpenAiJson.Header header;
  private final String text;
  private final OpenAiJson.ToolCall toolCall;
  private final OpenAiJson.Usage usage;
  private final Random random;
  // Chars per content delta; 0 = random lengths of 1..MAX_DELTA_CHARS.
  private final int deltaChars;

  /**
   * @param asToolCall answer with one call of the request's first tool instead of text; ignored
   *     when the request has no tools
   * @param random decides where deltas are cut; the same seed gives the same cuts
   */
  CompletionScript(
      ChatRequest request, long createdEpochSeconds, boolean asToolCall, Random random) {
    this(request, createdEpochSeconds, asToolCall, random, null);
  }

  /**
   * @param pacing when not null, the text is {@link Pacing#answerText} of the echo and every delta
   *     has {@link Pacing#deltaChars()} chars (the last one fewer); no tool call
   */
  CompletionScript(
      ChatRequest request,
      long createdEpochSeconds,
      boolean asToolCall,
      Random random,
      Pacing pacing) {
    this.header =
        new OpenAiJson.Header(
            Ids.completionId(), createdEpochSeconds, request.model(), request.includeUsage());
    this.toolCall =
        pacing == null && asToolCall && request.firstToolName() != null
            ? new OpenAiJson.ToolCall(
                Ids.toolCallId(), request.firstToolName(), argumentsFor(request.echoText()))
            : null;
    String echo = pacing == null ? request.echoText() : pacing.answerText(request.echoText());
    this.text = toolCall == null ? echo : toolCall.arguments();
    this.usage = new OpenAiJson.Usage(tokens(request.promptChars()), tokens(text.length()));
    this.random = random;
    this.deltaChars = pacing == null ? 0 : pacing.deltaChars();
  }

  /** The non-streaming answer. */
  byte[] completionBody() {
    return OpenAiJson.completion(header, text, toolCall, usage);
  }

  /** The streaming answer, one complete {@code data: ...\n\n} event per element. */
  Iterator<byte[]> events() {
    return new Events(Integer.MAX_VALUE);
  }

  /**
   * The start of the stream as a broken upstream sends it: the first chunk and at most {@code
   * deltas} deltas, never a finish reason, usage or {@code [DONE]}.
   */
  Iterator<byte[]> eventsCutAfter(int deltas) {
    return new Events(deltas);
  }

  /** The reply text, or with a tool call its arguments string. */
  String text() {
    return text;
  }

  private static String argumentsFor(String echo) {
    try {
      return MAPPER.writeValueAsString(Map.of("text", echo));
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static int tokens(int chars) {
    return Math.max(1, (chars + CHARS_PER_TOKEN - 1) / CHARS_PER_TOKEN);
  }

  private enum Phase {
    START,
    BODY,
    FINISH,
    USAGE,
    DONE,
    END
  }

  private final class Events implements Iterator<byte[]> {
    // True for a stream that breaks off after the first chunk and `deltasLeft` deltas.
    private final boolean cut;
    private int deltasLeft;
    private Phase phase = Phase.START;
    private int position;

    Events(int maxDeltas) {
      this.cut = maxDeltas != Integer.MAX_VALUE;
      this.deltasLeft = maxDeltas;
    }

    @Override
    public boolean hasNext() {
      return phase != Phase.END;
    }

    @Override
    public byte[] next() {
      switch (phase) {
        case START:
          phase = text.isEmpty() || deltasLeft == 0 ? afterBody() : Phase.BODY;
          return toolCall == null
              ? OpenAiJson.roleChunk(header)
              : OpenAiJson.toolCallStartChunk(header, toolCall.id(), toolCall.name());
        case BODY:
          String delta = nextDelta();
          deltasLeft--;
          if (position == text.length() || deltasLeft == 0) {
            phase = afterBody();
          }
          return toolCall == null
              ? OpenAiJson.contentChunk(header, delta)
              : OpenAiJson.toolArgumentsChunk(header, delta);
        case FINISH:
          phase = header.includeUsage() ? Phase.USAGE : Phase.DONE;
          return OpenAiJson.finishChunk(header, toolCall == null ? "stop" : "tool_calls");
        case USAGE:
          phase = Phase.DONE;
          return OpenAiJson.usageChunk(header, usage);
        case DONE:
          phase = Phase.END;
          return OpenAiJson.DONE_EVENT;
        default:
          throw new NoSuchElementException();
      }
    }

    private Phase afterBody() {
      return cut ? Phase.END : Phase.FINISH;
    }

    /**
     * The next 1..7 chars (or the fixed delta length), never ending between the two halves of a
     * surrogate pair.
     */
    private String nextDelta() {
      int length = deltaChars > 0 ? deltaChars : 1 + random.nextInt(MAX_DELTA_CHARS);
      int end = Math.min(text.length(), position + length);
      if (end < text.length() && Character.isHighSurrogate(text.charAt(end - 1))) {
        end++;
      }
      String delta = text.substring(position, end);
      position = end;
      return delta;
    }
  }
}
