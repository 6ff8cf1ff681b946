package org.complianceproxy.proxy.sse;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.TreeSet;
import org.complianceproxy.proxy.testing.SeededRandom;
import org.complianceproxy.proxy.testing.SeededRandom.Gen;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SseDecoderTest {

  // The lines of a sample stream; joined with one line-end style. The last line is unterminated.
  private static final String[] SAMPLE_LINES = {
    ": keep-alive",
    "",
    "data: {\"a\":1}",
    "",
    "event: delta",
    "id: 42",
    "retry: 1500",
    "data:first line",
    "data:  two spaces",
    "data",
    "data: é日本😀",
    "",
    "data: ",
    "",
    "id: only-id",
    "",
    "unknown-field: x",
    "retry: 12a",
    "data: [DONE]",
    "",
    "data: unterminated"
  };

  // What the sample's events carry: type | data | id | retry.
  private static final List<String> SAMPLE_EVENTS =
      List.of(
          "null|null|null|-",
          "null|{\"a\":1}|null|-",
          "delta|first line\n two spaces\n\né日本😀|42|1500",
          "null||null|-",
          "null|null|only-id|-",
          "null|[DONE]|null|-");

  private static byte[] sample(String lineEnd) {
    return String.join(lineEnd, SAMPLE_LINES).getBytes(UTF_8);
  }

  @ParameterizedTest
  @ValueSource(strings = {"\n", "\r\n", "\r"})
  void sampleDecodesPerTheEventStreamRules(String lineEnd) {
    SseDecoder decoder = new SseDecoder();
    List<SseEvent> events = decoder.decode(sample(lineEnd));
    assertThat(views(events)).isEqualTo(SAMPLE_EVENTS);
    assertThat(new String(decoder.finish(), UTF_8)).isEqualTo("data: unterminated");
  }

  @ParameterizedTest
  @ValueSource(strings = {"\n", "\r\n", "\r"})
  void everySplitPointGivesTheSameEventsAndBytes(String lineEnd) {
    byte[] input = sample(lineEnd);
    for (int cut = 0; cut <= input.length; cut++) {
      SseDecoder decoder = new SseDecoder();
      List<SseEvent> events = new ArrayList<>();
      decoder.decode(input, 0, cut, events::add);
      decoder.decode(input, cut, input.length - cut, events::add);
      assertThat(views(events)).as("split at %d", cut).isEqualTo(SAMPLE_EVENTS);
      assertThat(rawConcat(events, decoder.finish())).as("split at %d", cut).isEqualTo(input);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"\n", "\r\n", "\r"})
  void byteByByteFeedingGivesTheSameEvents(String lineEnd) {
    byte[] input = sample(lineEnd);
    SseDecoder decoder = new SseDecoder();
    List<SseEvent> events = new ArrayList<>();
    for (int i = 0; i < input.length; i++) {
      decoder.decode(input, i, 1, events::add);
    }
    assertThat(views(events)).isEqualTo(SAMPLE_EVENTS);
    assertThat(rawConcat(events, decoder.finish())).isEqualTo(input);
  }

  @Test
  void anyChunkingOfMixedLineEndsGivesTheEventsOfTheWholeStream() {
    SeededRandom.forEachCase(
        500,
        random -> {
          List<String> ends = LINE_ENDS.next(random);
          List<Integer> cuts = CUTS.next(random);
          StringBuilder text = new StringBuilder();
          for (int i = 0; i < SAMPLE_LINES.length; i++) {
            text.append(SAMPLE_LINES[i]);
            if (i < SAMPLE_LINES.length - 1) {
              text.append(ends.get(i % ends.size()));
            }
          }
          byte[] input = text.toString().getBytes(UTF_8);
          TreeSet<Integer> points = new TreeSet<>();
          cuts.forEach(c -> points.add(c % (input.length + 1)));
          String description =
              "line ends " + SeededRandom.quote(String.join("|", ends)) + ", cuts " + points;
          SseDecoder decoder = new SseDecoder();
          List<SseEvent> events = new ArrayList<>();
          int from = 0;
          for (int cut : points) {
            decoder.decode(ByteBuffer.wrap(input, from, cut - from), events::add);
            from = cut;
          }
          decoder.decode(input, from, input.length - from, events::add);
          // Mixed ends may merge a CR and the next line's LF into one CRLF, so the whole stream
          // decoded at once is the reference.
          assertThat(views(events))
              .as(description)
              .isEqualTo(views(new SseDecoder().decode(input)));
          assertThat(rawConcat(events, decoder.finish())).as(description).isEqualTo(input);
        });
  }

  @Test
  void rawBytesAreTheBlockAsSentIncludingItsBlankLine() {
    byte[] input = "data: a\r\n\r\n: note\ndata: b\n\n".getBytes(UTF_8);
    List<SseEvent> events = new SseDecoder().decode(input);
    assertThat(events)
        .extracting(e -> new String(e.raw(), UTF_8))
        .containsExactly("data: a\r\n\r\n", ": note\ndata: b\n\n");
  }

  @Test
  void crlfSplitBetweenCrAndLfDispatchesAtTheCr() {
    SseDecoder decoder = new SseDecoder();
    List<SseEvent> first = decoder.decode("data: a\r\n\r".getBytes(UTF_8));
    assertThat(views(first)).containsExactly("null|a|null|-");
    List<SseEvent> second = decoder.decode("\ndata: b\r\n\r\n".getBytes(UTF_8));
    assertThat(views(second)).containsExactly("null|b|null|-");
    assertThat(new String(second.get(0).raw(), UTF_8)).isEqualTo("\ndata: b\r\n\r\n");
  }

  @Test
  void crFollowedByAnotherLineIsALineEnd() {
    List<SseEvent> events =
        new SseDecoder().decode("data: a\rdata: b\r\rdata: c\n\n".getBytes(UTF_8));
    assertThat(views(events)).containsExactly("null|a\nb|null|-", "null|c|null|-");
  }

  @Test
  void bomIsSkippedOnlyAtTheStartOfTheStream() {
    byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
    ByteArrayOutputStream input = new ByteArrayOutputStream();
    input.writeBytes(bom);
    input.writeBytes("data: a\n\n".getBytes(UTF_8));
    input.writeBytes(bom);
    input.writeBytes("data: b\n\n".getBytes(UTF_8));
    List<SseEvent> events = new SseDecoder().decode(input.toByteArray());
    // The second BOM makes an unknown field name, so that block carries nothing.
    assertThat(views(events)).containsExactly("null|a|null|-", "null|null|null|-");
  }

  @Test
  void invalidUtf8BecomesTheReplacementCharacter() {
    byte[] input = {'d', 'a', 't', 'a', ':', (byte) 0xC3, '(', '\n', '\n'};
    assertThat(new SseDecoder().decode(input).get(0).data()).isEqualTo("\uFFFD(");
  }

  @Test
  void utf8SequenceSplitAcrossChunksIsDecodedWhole() {
    byte[] input = "data: 😀\n\n".getBytes(UTF_8);
    SseDecoder decoder = new SseDecoder();
    List<SseEvent> events = new ArrayList<>();
    decoder.decode(input, 0, 8, events::add); // "data: " and two of the emoji's four bytes
    decoder.decode(input, 8, input.length - 8, events::add);
    assertThat(events.get(0).data()).isEqualTo("😀");
  }

  @Test
  void eventLargerThanTheLimitFails() {
    SseDecoder decoder = new SseDecoder(16);
    byte[] exact = "data: 123456789\n".getBytes(UTF_8); // 16 bytes, the blank line still missing
    decoder.decode(exact, 0, exact.length, e -> {});
    assertThatThrownBy(() -> decoder.decode("\n".getBytes(UTF_8)))
        .isInstanceOf(SseEventTooLargeException.class)
        .hasMessage("SSE event exceeds maxEventBytes: 16");
  }

  @Test
  void eventAtTheLimitPasses() {
    SseDecoder decoder = new SseDecoder(16);
    List<SseEvent> events = decoder.decode("data: 12345678\n\n".getBytes(UTF_8));
    assertThat(views(events)).containsExactly("null|12345678|null|-");
    assertThat(views(decoder.decode("data: 12345678\n\n".getBytes(UTF_8))))
        .containsExactly("null|12345678|null|-");
  }

  @Test
  void lineWithoutEndIsBoundedToo() {
    SseDecoder decoder = new SseDecoder(1024);
    byte[] chunk = new byte[600];
    java.util.Arrays.fill(chunk, (byte) 'x');
    decoder.decode(chunk, 0, chunk.length, e -> {});
    assertThatThrownBy(() -> decoder.decode(chunk, 0, chunk.length, e -> {}))
        .isInstanceOf(SseEventTooLargeException.class);
  }

  @Test
  void directByteBufferIsDecoded() {
    byte[] bytes = "data: a\n\n".getBytes(UTF_8);
    ByteBuffer direct = ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
    List<SseEvent> events = new ArrayList<>();
    new SseDecoder().decode(direct, events::add);
    assertThat(views(events)).containsExactly("null|a|null|-");
    assertThat(direct.hasRemaining()).isFalse();
  }

  @Test
  void nonPositiveLimitIsRejected() {
    assertThatThrownBy(() -> new SseDecoder(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxEventBytes: 0 (expected: > 0)");
  }

  /** 1..5 line ends, used in turn after each sample line. */
  private static final Gen<List<String>> LINE_ENDS = SeededRandom.of("\n", "\r\n", "\r").list(1, 5);

  /** Up to 10 raw cut positions; each is taken modulo the input length + 1. */
  private static final Gen<List<Integer>> CUTS = SeededRandom.integers(0, 1000).list(0, 10);

  static List<String> views(List<SseEvent> events) {
    List<String> views = new ArrayList<>();
    for (SseEvent e : events) {
      OptionalLong retry = e.retryMillis();
      views.add(
          e.type()
              + "|"
              + e.data()
              + "|"
              + e.id()
              + "|"
              + (retry.isPresent() ? String.valueOf(retry.getAsLong()) : "-"));
    }
    return views;
  }

  private static byte[] rawConcat(List<SseEvent> events, byte[] rest) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    events.forEach(e -> out.writeBytes(e.raw()));
    out.writeBytes(rest);
    return out.toByteArray();
  }
}
