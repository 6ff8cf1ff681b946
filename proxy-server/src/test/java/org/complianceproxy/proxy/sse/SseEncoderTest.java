package org.complianceproxy.proxy.sse;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SseEncoderTest {

  static Stream<Arguments> events() {
    return Stream.of(
        Arguments.of(null, null, "{\"a\":1}", "data: {\"a\":1}\n\n"),
        Arguments.of("delta", null, "x", "event: delta\ndata: x\n\n"),
        Arguments.of(null, "7", "x", "id: 7\ndata: x\n\n"),
        Arguments.of(null, null, "a\nb", "data: a\ndata: b\n\n"),
        Arguments.of(null, null, "a\r\nb\rc", "data: a\ndata: b\ndata: c\n\n"),
        Arguments.of(null, null, "", "data: \n\n"),
        Arguments.of(null, null, " lead", "data:  lead\n\n"),
        Arguments.of(null, null, "é😀", "data: é😀\n\n"));
  }

  @ParameterizedTest
  @MethodSource("events")
  void encodesTheEventStreamFormat(String type, String id, String data, String expected) {
    assertThat(new String(SseEncoder.encode(type, id, data), UTF_8)).isEqualTo(expected);
  }

  @ParameterizedTest
  @MethodSource("events")
  void decodingAnEncodedEventGivesItsFieldsBack(
      String type, String id, String data, String ignored) {
    List<SseEvent> events = new SseDecoder().decode(SseEncoder.encode(type, id, data));
    assertThat(events).hasSize(1);
    assertThat(events.get(0).type()).isEqualTo(type);
    assertThat(events.get(0).id()).isEqualTo(id);
    assertThat(events.get(0).data()).isEqualTo(data.replace("\r\n", "\n").replace('\r', '\n'));
  }

  @Test
  void reencodeKeepsTypeIdAndRetry() {
    SseEvent original =
        new SseDecoder()
            .decode("retry: 10\r\nevent: e\r\nid: 3\r\ndata: old\r\n\r\n".getBytes(UTF_8))
            .get(0);
    assertThat(new String(SseEncoder.reencode(original, "new"), UTF_8))
        .isEqualTo("retry: 10\nevent: e\nid: 3\ndata: new\n\n");
  }

  @Test
  void lineBreakInTypeIsRejected() {
    assertThatThrownBy(() -> SseEncoder.encode("a\nb", null, "x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("type: contains a line break (expected: one line)");
  }
}
