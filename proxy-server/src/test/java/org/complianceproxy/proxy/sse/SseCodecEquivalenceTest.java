package org.complianceproxy.proxy.sse;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.complianceproxy.proxy.testing.SeededRandom;
import org.complianceproxy.proxy.testing.SeededRandom.Gen;
import org.junit.jupiter.api.Test;

/**
 * The event-stream codec's short paths for one-line data (the decoder keeps the line's String, the
 * encoder concatenates once) against plain references: the decoder's data against the data lines of
 * a line-by-line reading of the whole stream, the encoder against its builder-based form as it was
 * before, on random events with zero to three data lines, comments, other fields, every kind of
 * line end and non-ASCII text (lone surrogates included).
 */
class SseCodecEquivalenceTest {

  @Test
  void decodedDataIsTheDataLinesJoinedByLineFeeds() {
    SeededRandom.forEachCase(
        3000,
        random -> {
          int events = SeededRandom.between(random, 1, 5);
          StringBuilder stream = new StringBuilder();
          List<String> expected = new ArrayList<>();
          for (int e = 0; e < events; e++) {
            List<String> lines = new ArrayList<>();
            int dataLines = SeededRandom.between(random, 0, 3);
            List<String> values = new ArrayList<>();
            for (int i = 0; i < dataLines; i++) {
              String value = VALUES.next(random);
              // what the decoder can see of it: UTF-8 has no lone surrogates
              values.add(
                  new String(value.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8));
              // one space after the colon is not part of the value
              boolean space = value.startsWith(" ") || random.nextBoolean();
              lines.add((space ? "data: " : "data:") + value);
              if (random.nextInt(4) == 0) {
                lines.add(SeededRandom.of(": comment", "event: delta", "id: 7").next(random));
              }
            }
            if (lines.isEmpty()) {
              lines.add(": keep-alive");
            }
            String end = SeededRandom.of("\n", "\r\n", "\r").next(random);
            for (String line : lines) {
              stream.append(line).append(end);
            }
            stream.append(end);
            expected.add(dataLines == 0 ? null : String.join("\n", values));
          }

          List<String> decoded = new ArrayList<>();
          for (SseEvent event :
              new SseDecoder().decode(stream.toString().getBytes(StandardCharsets.UTF_8))) {
            decoded.add(event.data());
          }

          assertThat(decoded)
              .as("stream %s", SeededRandom.quote(stream.toString()))
              .isEqualTo(expected);
        });
  }

  @Test
  void encodedEventsAreTheBytesOfTheLegacyEncoder() {
    SeededRandom.forEachCase(
        3000,
        random -> {
          String data =
              String.join(
                  SeededRandom.of("\n", "\r\n", "\r").next(random), VALUES.list(1, 3).next(random));
          if (random.nextBoolean()) {
            data = VALUES.next(random);
          }
          String type = random.nextInt(3) == 0 ? "delta" : null;
          String id = random.nextInt(3) == 0 ? "42" : null;

          assertThat(SseEncoder.encode(type, id, data))
              .as("data %s, type %s, id %s", SeededRandom.quote(data), type, id)
              .isEqualTo(legacyEncode(type, id, data));
        });
  }

  /** Values without line breaks: JSON-like text, non-ASCII, lone surrogates, empty. */
  private static final Gen<String> VALUES =
      SeededRandom.concatenated(
          SeededRandom.of(
              "{\"choices\":[{\"delta\":{\"content\":\"",
              "hello",
              " ",
              "é",
              "日本",
              "😀",
              "\uD83D",
              "\uDE00",
              "\"}}]}",
              ":",
              "data: x",
              "\u0000"),
          8);

  /** SseEncoder.encode as it was, one builder for every event. */
  private static byte[] legacyEncode(String type, String id, String data) {
    StringBuilder out = new StringBuilder(data.length() + 16);
    if (type != null) {
      out.append("event: ").append(type).append('\n');
    }
    if (id != null) {
      out.append("id: ").append(id).append('\n');
    }
    int lineStart = 0;
    int n = data.length();
    for (int i = 0; i < n; i++) {
      char c = data.charAt(i);
      if (c == '\n' || c == '\r') {
        out.append("data: ").append(data, lineStart, i).append('\n');
        if (c == '\r' && i + 1 < n && data.charAt(i + 1) == '\n') {
          i++;
        }
        lineStart = i + 1;
      }
    }
    out.append("data: ").append(data, lineStart, n).append("\n\n");
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }
}
