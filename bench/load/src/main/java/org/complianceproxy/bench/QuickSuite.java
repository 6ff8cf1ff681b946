package org.complianceproxy.bench;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The quick suite: every scenario of the issue, each sent directly to the stand-in, through nginx
 * and through the proxy, one after the other, in one run on one machine. Takes under five minutes.
 *
 * <p>Scenarios: small non-streaming chats (4 KB, four PII items) open loop at 1,000 requests/s and
 * closed loop; PII-dense prompts (4 KB, 60 items); large prompts (200 KB); long streamed answers
 * (2,000 tokens at 100 tokens/s); many concurrent slow streams (5,000 streams of 12 tokens at 1
 * token/s, opened at 1,000/s, so all 5,000 are open at once); Bedrock ConverseStream answers at the
 * native front door (direct to the Bedrock stand-in and through the proxy only: nginx proxies the
 * OpenAI stand-in).
 */
final class QuickSuite {
  /** Load generator event loops; the generator shares the machine with what it measures. */
  private static final int GENERATOR_THREADS = 2;

  static final String SMALL_OPEN = "small chat 4 KB";
  static final String SMALL_CLOSED = "small chat 4 KB, max throughput";
  static final String PII_DENSE = "PII-dense 4 KB";
  static final String LARGE = "large prompt 200 KB";
  static final String LONG_STREAMS = "long streams 2,000 tokens at 100/s";
  static final String MANY_STREAMS = "5,000 concurrent slow streams";
  static final String BEDROCK_STREAMS = "Bedrock converse-stream 1 KB";

  static final double SMALL_RATE = 1000;
  static final int MANY_STREAMS_COUNT = 5000;

  private final BenchStack stack;
  private final double scale;
  private final String only;
  private final List<Row> rows = new ArrayList<>();

  /**
   * @param scale multiplies every measured duration (1 = the quick suite)
   * @param only runs only the scenarios whose name contains this (case-insensitive); "" = all
   */
  QuickSuite(BenchStack stack, double scale, String only) {
    this.stack = stack;
    this.scale = scale;
    this.only = only.toLowerCase(java.util.Locale.ROOT);
  }

  List<Row> run() throws InterruptedException {
    List<Workload> workloads = new ArrayList<>();
    try {
      run(workloads);
    } finally {
      workloads.forEach(Workload::close);
    }
    return rows;
  }

  private void run(List<Workload> workloads) throws InterruptedException {
    Prompts prompts = new Prompts(7);
    String key = BenchStack.API_KEY;
    Workload small =
        Workload.of("small", Prompts.chat("echo", prompts.text(4000, 4), false), key, false);
    Workload dense =
        Workload.of("dense", Prompts.chat("echo", prompts.text(4000, 60), false), key, false);
    Workload large =
        Workload.of("large", Prompts.chat("echo", prompts.text(200_000, 50), false), key, false);
    Workload longStream =
        Workload.of("long", Prompts.chat("paced-2000-100", prompts.text(400, 2), true), key, true);
    // 12 tokens of 4 chars: the prompt (about 40 chars, echoed back) must be shorter.
    Workload slowStream =
        Workload.of("slow", Prompts.chat("paced-12-1", prompts.text(30, 1), true), key, true);

    workloads.addAll(List.of(small, dense, large, longStream, slowStream));
    for (String via : List.of("direct", "nginx", "proxy")) {
      // JIT warm-up of every path before anything is measured.
      warm(via, small, 32, seconds(3));
      warm(via, dense, 8, seconds(1));
      warm(via, large, 2, seconds(1));
    }
    for (String via : List.of("direct", "nginx", "proxy")) {
      measure(
          SMALL_OPEN,
          "open " + (int) SMALL_RATE + "/s",
          via,
          g -> g.openLoop(small, SMALL_RATE, seconds(6), 64, Duration.ofSeconds(30)));
    }
    for (String via : List.of("direct", "nginx", "proxy")) {
      warm(via, small, 32, seconds(1));
      measure(SMALL_CLOSED, "closed 32 conns", via, g -> g.closedLoop(small, 32, seconds(6)));
    }
    for (String via : List.of("direct", "nginx", "proxy")) {
      measure(
          PII_DENSE,
          "open 300/s",
          via,
          g -> g.openLoop(dense, 300, seconds(6), 32, Duration.ofSeconds(30)));
    }
    for (String via : List.of("direct", "nginx", "proxy")) {
      measure(
          LARGE,
          "open 20/s",
          via,
          g -> g.openLoop(large, 20, seconds(6), 16, Duration.ofSeconds(30)));
    }
    bedrockStreams(prompts, workloads);
    for (String via : List.of("direct", "nginx", "proxy")) {
      measure(
          LONG_STREAMS,
          "20 streams",
          via,
          g -> g.openLoop(longStream, 20, Duration.ofSeconds(1), 20, Duration.ofSeconds(60)));
    }
    for (String via : List.of("direct", "nginx", "proxy")) {
      measure(
          MANY_STREAMS,
          MANY_STREAMS_COUNT + " streams, 1,000 new/s",
          via,
          g ->
              g.openLoop(
                  slowStream,
                  1000,
                  Duration.ofMillis(MANY_STREAMS_COUNT),
                  MANY_STREAMS_COUNT,
                  Duration.ofSeconds(90)));
    }
  }

  /**
   * ConverseStream with a 1 KB prompt of four PII items, whose echo the stand-in streams in deltas
   * of 1 to 7 characters (about 250 event-stream frames), so the proxy restores tokens split across
   * frames. Signed here, right before each path's run, because a signature ages.
   */
  private void bedrockStreams(Prompts prompts, List<Workload> workloads)
      throws InterruptedException {
    if (!BEDROCK_STREAMS.toLowerCase(java.util.Locale.ROOT).contains(only)) {
      return;
    }
    String text = prompts.text(1000, 4);
    Upstream bedrock = new Upstream(stack.bedrock(), stack.bedrockPort());
    for (String via : List.of("direct", "proxy")) {
      Workload converse = BedrockRequests.converseStream("bedrock", stack.proxyPort(), text);
      workloads.add(converse);
      warm(bedrock, via, converse, 8, seconds(2));
      measure(
          bedrock,
          BEDROCK_STREAMS,
          "open 50/s",
          via,
          g -> g.openLoop(converse, 50, seconds(5), 64, Duration.ofSeconds(30)));
    }
  }

  private Duration seconds(double seconds) {
    return Duration.ofMillis(Math.round(seconds * scale * 1000));
  }

  private void warm(String via, Workload workload, int connections, Duration duration)
      throws InterruptedException {
    warm(openAi(), via, workload, connections, duration);
  }

  private void warm(
      Upstream upstream, String via, Workload workload, int connections, Duration duration)
      throws InterruptedException {
    try (LoadGenerator generator = generator(upstream, via)) {
      generator.closedLoop(workload, connections, duration);
    }
  }

  private void measure(String scenario, String load, String via, Run run)
      throws InterruptedException {
    measure(openAi(), scenario, load, via, run);
  }

  private void measure(Upstream upstream, String scenario, String load, String via, Run run)
      throws InterruptedException {
    if (!scenario.toLowerCase(java.util.Locale.ROOT).contains(only)) {
      return;
    }
    ChildProcess front = front(via);
    long standInPid = upstream.standIn().pid();
    double frontCpu = front == null ? 0 : ProcessStats.cpuSeconds(front.pid());
    double standInCpu = ProcessStats.cpuSeconds(standInPid);
    long started = System.nanoTime();
    RunResult result;
    try (LoadGenerator generator = generator(upstream, via)) {
      result = run.run(generator);
    }
    double wall = (System.nanoTime() - started) / 1e9;
    Row row =
        new Row(
            scenario,
            load,
            via,
            result,
            front == null
                ? Double.NaN
                : 100 * (ProcessStats.cpuSeconds(front.pid()) - frontCpu) / wall,
            100 * (ProcessStats.cpuSeconds(standInPid) - standInCpu) / wall,
            "proxy".equals(via) ? ProcessStats.heapUsedMiB(front.pid()) : Double.NaN,
            front == null ? Double.NaN : ProcessStats.rssMiB(front.pid()));
    rows.add(row);
    System.out.println(Report.progressLine(row));
  }

  private ChildProcess front(String via) {
    switch (via) {
      case "nginx":
        return stack.nginx();
      case "proxy":
        return stack.proxy();
      default:
        return null;
    }
  }

  private LoadGenerator generator(Upstream upstream, String via) {
    int port;
    switch (via) {
      case "nginx":
        port = stack.nginxPort();
        break;
      case "proxy":
        port = stack.proxyPort();
        break;
      default:
        port = upstream.port();
    }
    return new LoadGenerator(new InetSocketAddress("127.0.0.1", port), GENERATOR_THREADS);
  }

  /** Where a scenario's answers come from: the stand-in's process and port. */
  private record Upstream(ChildProcess standIn, int port) {}

  private Upstream openAi() {
    return new Upstream(stack.standIn(), stack.standInPort());
  }

  @FunctionalInterface
  private interface Run {
    RunResult run(LoadGenerator generator) throws InterruptedException;
  }
}
