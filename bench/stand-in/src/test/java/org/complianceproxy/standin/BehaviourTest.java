package org.complianceproxy.standin;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BehaviourTest {

  @ParameterizedTest(name = "{0} -> {1} after {2} ms")
  @CsvSource({
    "echo, ECHO, 0",
    "gpt-4o, ECHO, 0",
    "echo-tool, ECHO_TOOL, 0",
    "fail-500, FAIL_500, 0",
    "fail-429, FAIL_429, 0",
    "hang, HANG, 0",
    "slow-250, SLOW, 250",
    "slow-0, SLOW, 0",
    "slow-, ECHO, 0",
    "slow-abc, ECHO, 0",
    "slow-99999999999, ECHO, 0",
    "reset-mid-stream, RESET_MID_STREAM, 0",
    "FAIL-500, ECHO, 0",
  })
  void modelNameSelectsBehaviour(String model, Behaviour.Kind kind, long delayMillis) {
    assertThat(Behaviour.forModel(model))
        .isEqualTo(new Behaviour(kind, Duration.ofMillis(delayMillis)));
  }
}
