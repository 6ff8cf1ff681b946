package org.complianceproxy.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.complianceproxy.standin.OpenAiStandIn;
import org.complianceproxy.standin.StandInOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A small smoke run of the load generator against the stand-in, in-process. */
class LoadGeneratorTest {
  private static final Duration DRAIN = Duration.ofSeconds(30);
  private static OpenAiStandIn standIn;
  private final List<Workload> workloads = new ArrayList<>();

  @BeforeAll
  static void startStandIn() {
    standIn = OpenAiStandIn.start(StandInOptions.defaults().withMaxRecorded(0));
  }

  @AfterEach
  void releaseWorkloads() {
    workloads.forEach(Workload::close);
  }

  @AfterAll
  static void stopStandIn() {
    standIn.close();
  }

  @Test
  void openLoopSendsRateTimesDurationAndRecordsEveryAnswer() throws Exception {
    Workload chat = workload("echo", new Prompts(1).text(4000, 4), false);
    try (LoadGenerator generator = generator()) {
      RunResult result = generator.openLoop(chat, 200, Duration.ofMillis(500), 4, DRAIN);

      assertThat(result.completed()).isEqualTo(100);
      assertThat(result.errors()).isZero();
      assertThat(result.latency().getTotalCount()).isEqualTo(100);
      assertThat(result.firstByte().getTotalCount()).isEqualTo(100);
      assertThat(result.peakInFlight()).isBetween(1, 4);
    }
  }

  @Test
  void closedLoopKeepsItsConnectionsBusy() throws Exception {
    Workload chat = workload("echo", "hello there", false);
    try (LoadGenerator generator = generator()) {
      RunResult result = generator.closedLoop(chat, 3, Duration.ofMillis(300));

      assertThat(result.completed()).isGreaterThanOrEqualTo(3);
      assertThat(result.errors()).isZero();
      assertThat(result.latency().getTotalCount()).isEqualTo(result.completed());
      assertThat(result.peakInFlight()).isEqualTo(3);
    }
  }

  @Test
  void pacedStreamsCompleteWithDoneAndRecordTheirFirstByte() throws Exception {
    Workload stream = workload("paced-5-200", "stream me", true);
    try (LoadGenerator generator = generator()) {
      RunResult result = generator.openLoop(stream, 100, Duration.ofMillis(100), 10, DRAIN);

      assertThat(result.completed()).isEqualTo(10);
      assertThat(result.errors()).isZero();
      assertThat(result.firstByte().getTotalCount()).isEqualTo(10);
      assertThat(result.firstByte().getMaxValue())
          .isLessThanOrEqualTo(result.latency().getMaxValue());
    }
  }

  @Test
  void errorStatusesAndStreamsWithoutDoneCountAsErrors() throws Exception {
    try (LoadGenerator generator = generator()) {
      RunResult failed =
          generator.openLoop(
              workload("fail-500", "x", false), 100, Duration.ofMillis(50), 2, DRAIN);
      RunResult reset =
          generator.openLoop(
              workload("reset-mid-stream", "a longer text to cut", true),
              100,
              Duration.ofMillis(30),
              3,
              DRAIN);

      assertThat(failed.errors()).isEqualTo(5);
      assertThat(failed.completed()).isZero();
      assertThat(reset.errors()).isEqualTo(3);
      assertThat(reset.latency().getTotalCount()).isZero();
    }
  }

  @Test
  void reportNamesEveryTargetAndRow() throws Exception {
    Workload chat = workload("echo", "hello", false);
    RunResult result;
    try (LoadGenerator generator = generator()) {
      result = generator.openLoop(chat, 100, Duration.ofMillis(100), 2, DRAIN);
    }
    List<Row> rows =
        List.of(
            new Row(
                QuickSuite.SMALL_OPEN,
                "open",
                "direct",
                result,
                Double.NaN,
                10,
                0,
                Double.NaN,
                1,
                Double.NaN,
                0.25),
            new Row(QuickSuite.SMALL_OPEN, "open", "proxy", result, 50, 10, 5, 100, 300, 0.5, 0),
            new Row(
                QuickSuite.SMALL_CLOSED,
                "closed",
                "nginx",
                result,
                40,
                10,
                0,
                Double.NaN,
                30,
                Double.NaN,
                0),
            new Row(QuickSuite.SMALL_CLOSED, "closed", "proxy", result, 90, 10, 5, 100, 300, 0, 0));
    Report report = new Report(rows, "test machine");

    String markdown = report.markdown("t", "cmd", "");
    assertThat(markdown)
        .contains(
            "test machine",
            "| small chat 4 KB | open | proxy | ",
            "| 300 | 0.50 / 0.00 |",
            "| 1 | - / 0.25 |");
    assertThat(report.targets())
        .contains("added p99 < 1 ms", "proxy/nginx = 1.00 | yes")
        .doesNotContain("concurrent slow streams");
  }

  private Workload workload(String model, String text, boolean stream) {
    Workload workload = Workload.of(model, Prompts.chat(model, text, stream), "k", stream);
    workloads.add(workload);
    return workload;
  }

  private static LoadGenerator generator() {
    return new LoadGenerator(new InetSocketAddress("127.0.0.1", standIn.port()), 1);
  }
}
