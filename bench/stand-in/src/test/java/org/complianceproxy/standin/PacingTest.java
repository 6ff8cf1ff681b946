package org.complianceproxy.standin;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class PacingTest {

  @ParameterizedTest(name = "{0} -> {1} tokens at {2}/s, {3} per chunk")
  @CsvSource({
    "paced-2000-100, 2000, 100, 1",
    "paced-20-2-5, 20, 2, 5",
    "paced-1-1, 1, 1, 1",
  })
  void modelNameSelectsPacing(String model, int tokens, int rate, int perChunk) {
    assertThat(Pacing.forModel(model)).isEqualTo(new Pacing(tokens, rate, perChunk));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "echo",
        "paced-",
        "paced-10",
        "paced-10-",
        "paced-0-5",
        "paced-10-0",
        "paced-a-b",
        "paced-1-2-3-4",
        "paced-99999999-1"
      })
  void otherModelNamesSelectNoPacing(String model) {
    assertThat(Pacing.forModel(model)).isNull();
  }

  @Test
  void intervalIsOneChunkOfTokensAtTheRate() {
    assertThat(new Pacing(2000, 100, 1).interval()).isEqualTo(Duration.ofMillis(10));
    assertThat(new Pacing(20, 2, 5).interval()).isEqualTo(Duration.ofMillis(2500));
  }

  @Test
  void answerIsTheEchoPaddedToTheTokenCount() {
    Pacing pacing = new Pacing(10, 100, 1);
    String answer = pacing.answerText("hi there");

    assertThat(answer).startsWith("hi there").hasSize(40);
    assertThat(pacing.answerText("x".repeat(50))).isEqualTo("x".repeat(50));
  }
}
