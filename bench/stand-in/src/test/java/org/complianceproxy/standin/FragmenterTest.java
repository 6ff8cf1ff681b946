package org.complianceproxy.standin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FragmenterTest {

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 5, 64})
  void piecesAreOneToMaxBytesAndConcatenateToTheStream(int maxPieceBytes) {
    Fragmenter fragmenter = new Fragmenter(maxPieceBytes, new Random(7));
    List<byte[]> pieces = new ArrayList<>();
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    for (String event : List.of("data: {\"a\":\"é😀\"}\n\n", "data: [DONE]\n\n", "x")) {
      byte[] bytes = event.getBytes(StandardCharsets.UTF_8);
      expected.writeBytes(bytes);
      fragmenter.cut(bytes, pieces::add);
    }
    fragmenter.flush(pieces::add);

    ByteArrayOutputStream joined = new ByteArrayOutputStream();
    pieces.forEach(joined::writeBytes);
    assertThat(joined.toByteArray()).isEqualTo(expected.toByteArray());
    assertThat(pieces).allSatisfy(p -> assertThat(p.length).isBetween(1, maxPieceBytes));
  }

  @Test
  void piecesCrossEventBoundaries() {
    Fragmenter fragmenter = new Fragmenter(1000, new Random(1));
    List<byte[]> pieces = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      fragmenter.cut("ab\n\n".getBytes(StandardCharsets.US_ASCII), pieces::add);
    }
    fragmenter.flush(pieces::add);

    assertThat(pieces).anySatisfy(p -> assertThat(p.length).isGreaterThan(4));
  }

  @Test
  void flushWithNothingCarriedEmitsNothing() {
    Fragmenter fragmenter = new Fragmenter(1, new Random(1));
    List<byte[]> pieces = new ArrayList<>();
    fragmenter.cut(new byte[] {1, 2, 3}, pieces::add);
    fragmenter.flush(pieces::add);

    assertThat(pieces).hasSize(3);
  }

  @Test
  void zeroMaxPieceBytesIsRejected() {
    assertThatThrownBy(() -> new Fragmenter(0, new Random()))
        .hasMessage("maxPieceBytes: 0 (expected: > 0)");
  }
}
