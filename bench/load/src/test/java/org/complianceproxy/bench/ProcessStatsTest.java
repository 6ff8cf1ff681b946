package org.complianceproxy.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProcessStatsTest {
  private static final long SELF = ProcessHandle.current().pid();

  @Test
  void compilerThreadsOfThisJvmHaveUsedCpu() {
    // This JVM has compiled the test framework by now; a JVM without compiler threads reads 0.
    assertThat(ProcessStats.compilerCpuSeconds(SELF)).isPositive();
    assertThat(ProcessStats.compilerCpuSeconds(SELF))
        .isLessThanOrEqualTo(ProcessStats.cpuSeconds(SELF));
  }

  @Test
  void aProcessThatIsGoneHasNoCompilerTime() {
    assertThat(ProcessStats.compilerCpuSeconds(Long.MAX_VALUE)).isZero();
  }

  @Test
  void jvmOptionsNameTheCollector() {
    assertThat(ProcessStats.jvmOptions(SELF)).containsPattern("\\(collector: -XX:\\+Use\\w+GC\\)");
  }

  @Test
  void warmUpWithNoTimeMeasuresCold() throws Exception {
    int[] rounds = {0};
    WarmUp.Result result = WarmUp.run(Map.of("self", SELF), () -> rounds[0]++, Duration.ZERO);

    assertThat(rounds[0]).isZero();
    assertThat(result.settled()).isFalse();
    assertThat(result.describe()).contains("measured cold");
  }

  @Test
  void warmUpTellsWhetherTheCompilersSettled() {
    Map<String, Double> seconds = Map.of("proxy", 12.5);
    Map<String, Double> share = Map.of("proxy", 0.004);

    assertThat(new WarmUp.Result(31, 12, true, seconds, share).describe())
        .contains("31 s, 12 rounds", "under 2 % of one core", "proxy 12.5 s", "proxy 0.4 %");
    assertThat(new WarmUp.Result(60, 20, false, seconds, share).describe())
        .contains("stopped by its cap");
  }
}
