package org.complianceproxy.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class ReportTest {

  @Test
  void anAddedLatencyBelowZeroGetsNoVerdict() {
    Report report =
        new Report(
            List.of(
                row(QuickSuite.SMALL_OPEN, "direct", 900),
                row(QuickSuite.SMALL_OPEN, "proxy", 400),
                row(QuickSuite.MANY_STREAMS, "direct", 300),
                row(QuickSuite.MANY_STREAMS, "proxy", 3300)),
            "test machine");

    String targets = report.targets();

    assertThat(targets)
        .contains(
            "| -0.50 ms (proxy p99 0.40 ms, direct p99 0.90 ms, proxy errors 0) | inconclusive:",
            "| 3.00 ms (proxy p99 3.30 ms, direct p99 0.30 ms) | yes |");
  }

  /** A run whose every exchange took {@code micros}, first byte included. */
  private static Row row(String scenario, String via, long micros) {
    Histogram latency = new Histogram(3);
    Histogram firstByte = new Histogram(3);
    for (int i = 0; i < QuickSuite.MANY_STREAMS_COUNT; i++) {
      latency.recordValue(micros);
      firstByte.recordValue(micros);
    }
    RunResult result = new RunResult(latency, firstByte, QuickSuite.MANY_STREAMS_COUNT, 0, 10, 100);
    return new Row(scenario, "load", via, result, 50, 10, 5, 100, 300, 0, 0);
  }
}
