package org.complianceproxy.bench;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The quick suite: every scenario of the issue, each sent directly to the stand-in, through nginx
 * and through the proxy, one after the other, in one run on one machine. Takes under five minutes.
 *
 * <p>The small, PII-dense and large prompts each carry one e-mail address that no earlier request
 * carried ({@link Workload}), so every one of them stores a new token in the vault.
 *
 * <p>Scenarios: small non-streaming chats (4 KB, four PII items) open loop at 1,000 requests/s and
 * closed loop; PII-dense prompts (4 KB, 60 items); large prompts (200 KB); long streamed answers
 * (2,000 tokens at 100 tokens/s); many concurrent slow streams (5,000 streams of 12 tokens at 1
 * token/s, opened at 1,000/s, so all 5,000 are open at once); Bedrock ConverseStream answers at the
 * native front door (direct to the Bedrock stand-in and through the proxy only: nginx proxies the
 * OpenAI stand-in).
 *
 * <p>Before the first measured run, a {@link WarmUp} drives the proxy (and through it the
 * stand-ins) with the same request shapes until the JIT compilers have settled; each row then tells
 * how much compiler CPU the proxy and the stand-in still used while it was measured.
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

  /** Unrecorded load before a measured run ({@link #leadIn}), in seconds at scale 1. */
  static final double SMALL_LEAD_IN_SECONDS = 2;

  static final double PROMPT_LEAD_IN_SECONDS = 1;
  static final double CLOSED_WARM_SECONDS = 0.5;
  static final int MANY_STREAMS_COUNT = 5000;

  private final BenchStack stack;
  private final double scale;
  private final String only;
  private final Duration warmUpCap;
  private final boolean freshValues;
  private final List<Row> rows = new ArrayList<>();
  private WarmUp.Result warmUp;

  /**
   * @param scale multiplies every measured duration (1 = the quick suite)
   * @param only runs only the scenarios whose name contains this (case-insensitive); "" = all
   * @param warmUpCap the longest the warm-up may take ({@link WarmUp}); zero skips it
   * @param freshValues whether each small, dense and large request carries a value never sent
   *     before (the default); without, every request repeats one body and stores nothing new
   */
  QuickSuite(BenchStack stack, double scale, String only, Duration warmUpCap, boolean freshValues) {
    this.stack = stack;
    this.scale = scale;
    this.only = only.toLowerCase(java.util.Locale.ROOT);
    this.warmUpCap = warmUpCap;
    this.freshValues = freshValues;
  }

  /** What the warm-up did; null before {@link #run()}. */
  WarmUp.Result warmUp() {
    return warmUp;
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
        Workload.of(
            "small", Prompts.chat("echo", prompts.text(4000, 4, freshValues), false), key, false);
    Workload dense =
        Workload.of(
            "dense", Prompts.chat("echo", prompts.text(4000, 60, freshValues), false), key, false);
    Workload large =
        Workload.of(
            "large",
            Prompts.chat("echo", prompts.text(200_000, 50, freshValues), false),
            key,
            false);
    Workload longStream =
        Workload.of("long", Prompts.chat("paced-2000-100", prompts.text(400, 2), true), key, true);
    // 12 tokens of 4 chars: the prompt (about 40 chars, echoed back) must be shorter.
    Workload slowStream =
        Workload.of("slow", Prompts.chat("paced-12-1", prompts.text(30, 1), true), key, true);

    // The same shapes, streamed fast, for the warm-up: paced like the scenarios, their streams
    // would take seconds to minutes.
    Workload fastLongStream =
        Workload.of(
            "long-fast", Prompts.chat("paced-200-100000", prompts.text(400, 2), true), key, true);
    Workload fastSlowStream =
        Workload.of(
            "slow-fast", Prompts.chat("paced-12-1000", prompts.text(30, 1), true), key, true);
    workloads.addAll(
        List.of(small, dense, large, longStream, slowStream, fastLongStream, fastSlowStream));
    // nginx and the generator's paths to it and to the stand-in; nginx is no JVM.
    warm("direct", small, 32, Duration.ofSeconds(1));
    warm("nginx", small, 32, Duration.ofSeconds(1));
    String bedrockText = prompts.text(1000, 4);
    warmUp =
        WarmUp.run(
            jvms(),
            () -> {
              warm("proxy", small, 32, Duration.ofMillis(1000));
              warm("proxy", dense, 8, Duration.ofMillis(400));
              warm("proxy", large, 2, Duration.ofMillis(300));
              warm("proxy", fastLongStream, 8, Duration.ofMillis(400));
              warm("proxy", fastSlowStream, 32, Duration.ofMillis(300));
              try (Workload converse =
                  BedrockRequests.converseStream("bedrock-warm", stack.proxyPort(), bedrockText)) {
                warm(bedrock(), "proxy", converse, 8, Duration.ofMillis(400));
              }
            },
            warmUpCap);
    for (String via : List.of("direct", "nginx", "proxy")) {
      leadIn(SMALL_OPEN, via, small, SMALL_RATE, 64, seconds(SMALL_LEAD_IN_SECONDS));
      measure(
          SMALL_OPEN,
          "open " + (int) SMALL_RATE + "/s",
          via,
          g -> g.openLoop(small, SMALL_RATE, seconds(10), 64, Duration.ofSeconds(30)));
    }
    for (String via : List.of("direct", "nginx", "proxy")) {
      warm(via, small, 32, seconds(CLOSED_WARM_SECONDS));
      measure(SMALL_CLOSED, "closed 32 conns", via, g -> g.closedLoop(small, 32, seconds(5)));
    }
    for (String via : List.of("direct", "nginx", "proxy")) {
      leadIn(PII_DENSE, via, dense, 300, 32, seconds(PROMPT_LEAD_IN_SECONDS));
      measure(
          PII_DENSE,
          "open 300/s",
          via,
          g -> g.openLoop(dense, 300, seconds(5), 32, Duration.ofSeconds(30)));
    }
    for (String via : List.of("direct", "nginx", "proxy")) {
      leadIn(LARGE, via, large, 20, 16, seconds(PROMPT_LEAD_IN_SECONDS));
      measure(
          LARGE,
          "open 20/s",
          via,
          g -> g.openLoop(large, 20, seconds(5), 16, Duration.ofSeconds(30)));
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
    if (!selected(BEDROCK_STREAMS)) {
      return;
    }
    String text = prompts.text(1000, 4);
    for (String via : List.of("direct", "proxy")) {
      Workload converse = BedrockRequests.converseStream("bedrock", stack.proxyPort(), text);
      workloads.add(converse);
      warm(bedrock(), via, converse, 8, seconds(1));
      measure(
          bedrock(),
          BEDROCK_STREAMS,
          "open 50/s",
          via,
          g -> g.openLoop(converse, 50, seconds(4), 64, Duration.ofSeconds(30)));
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

  /**
   * The open-loop lead-in, as wrk2 calibrates before it records: the same load at the same rate,
   * not recorded, right before a measured open-loop run, so that what changed since the previous
   * run (new connections, a different request shape for the JIT, the previous run's garbage) is
   * paid here and not counted in the measured tail. Every path gets the same lead-in.
   */
  private void leadIn(
      String scenario, String via, Workload workload, double rate, int connections, Duration time)
      throws InterruptedException {
    if (!selected(scenario)) {
      return;
    }
    try (LoadGenerator generator = generator(openAi(), via)) {
      generator.openLoop(workload, rate, time, connections, Duration.ofSeconds(30));
    }
  }

  /** Whether {@code --only} lets {@code scenario} run. */
  private boolean selected(String scenario) {
    return scenario.toLowerCase(java.util.Locale.ROOT).contains(only);
  }

  private void measure(String scenario, String load, String via, Run run)
      throws InterruptedException {
    measure(openAi(), scenario, load, via, run);
  }

  private void measure(Upstream upstream, String scenario, String load, String via, Run run)
      throws InterruptedException {
    if (!selected(scenario)) {
      return;
    }
    ChildProcess front = front(via);
    long standInPid = upstream.standIn().pid();
    boolean jvm = "proxy".equals(via);
    double frontCpu = front == null ? 0 : ProcessStats.cpuSeconds(front.pid());
    double frontCompiler = jvm ? ProcessStats.compilerCpuSeconds(front.pid()) : Double.NaN;
    double standInCpu = ProcessStats.cpuSeconds(standInPid);
    double standInCompiler = ProcessStats.compilerCpuSeconds(standInPid);
    long kafkaPid = stack.kafkaPid();
    double kafkaCpu = ProcessStats.cpuSeconds(kafkaPid);
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
            100 * (ProcessStats.cpuSeconds(kafkaPid) - kafkaCpu) / wall,
            jvm ? ProcessStats.heapUsedMiB(front.pid()) : Double.NaN,
            front == null ? Double.NaN : ProcessStats.rssMiB(front.pid()),
            jvm
                ? Math.max(0, ProcessStats.compilerCpuSeconds(front.pid()) - frontCompiler)
                : Double.NaN,
            Math.max(0, ProcessStats.compilerCpuSeconds(standInPid) - standInCompiler));
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

  private Upstream bedrock() {
    return new Upstream(stack.bedrock(), stack.bedrockPort());
  }

  /** The JVMs the warm-up waits for: the proxy, both stand-ins and this load generator. */
  private Map<String, Long> jvms() {
    Map<String, Long> jvms = new LinkedHashMap<>();
    jvms.put("proxy", stack.proxy().pid());
    jvms.put("stand-in", stack.standIn().pid());
    jvms.put("Bedrock stand-in", stack.bedrock().pid());
    jvms.put("load generator", ProcessHandle.current().pid());
    return jvms;
  }

  @FunctionalInterface
  private interface Run {
    RunResult run(LoadGenerator generator) throws InterruptedException;
  }
}
