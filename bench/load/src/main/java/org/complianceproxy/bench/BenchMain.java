package org.complianceproxy.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * {@code java -jar bench/load/target/bench.jar quick [options]}: runs the quick suite against the
 * proxy jar, nginx and the stand-in, prints the table and writes a Markdown report. {@code
 * bench.jar profile FILE.jfr} prints the summary of a proxy recording kept with {@code
 * --keep-work}.
 *
 * <pre>
 * --root DIR             repository root (default: the current directory)
 * --out FILE             report file (default: bench/reports/latest.md under the root)
 * --scale X              multiply every measured duration by X (default 1)
 * --proxy-java-opts S    extra JVM options of the proxy, e.g. "-XX:StartFlightRecording=..."
 * --proxy-java PATH      the java launcher of the proxy (default: the one running the bench)
 * --repeated-values      every request repeats one body, so the proxy stores no new token (by
 *                        default each carries one value never sent before)
 * --keep-work            keep the work directory (logs, Kafka data) instead of deleting it
 * --only TEXT            run only the scenarios whose name contains TEXT (e.g. "small chat")
 * --warm-up-cap S        warm the JVMs up for at most S seconds before measuring (default
 *                        {@value #DEFAULT_WARM_UP_CAP_SECONDS}; 0 measures them cold)
 * --profile              record the proxy with JFR and add what costs its time to the report
 * --note TEXT            a line for the report, e.g. which commit of the proxy was measured
 * </pre>
 */
public final class BenchMain {
  private static final String USAGE =
      "usage: bench.jar profile FILE.jfr | bench.jar quick [--root DIR] [--out FILE] [--scale X] [--proxy-java-opts S]"
          + " [--proxy-java PATH] [--repeated-values]"
          + " [--keep-work] [--only TEXT] [--warm-up-cap S] [--profile] [--note TEXT]";

  /** The longest warm-up (seconds): the quick suite must stay under five minutes in all. */
  static final int DEFAULT_WARM_UP_CAP_SECONDS = 40;

  private BenchMain() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 2 && "profile".equals(args[0])) {
      System.out.println(Profile.read(Path.of(args[1])).markdown());
      return;
    }
    if (args.length == 0 || !"quick".equals(args[0])) {
      System.err.println(USAGE);
      System.exit(2);
    }
    Path root = Path.of("").toAbsolutePath();
    Path out = null;
    double scale = 1;
    String proxyOptions = "";
    String proxyJava = BenchStack.javaBin();
    boolean freshValues = true;
    boolean keepWork = false;
    String only = "";
    boolean profile = false;
    String note = "";
    Duration warmUpCap = Duration.ofSeconds(DEFAULT_WARM_UP_CAP_SECONDS);
    for (int i = 1; i < args.length; i++) {
      switch (args[i]) {
        case "--root" -> root = Path.of(value(args, ++i)).toAbsolutePath();
        case "--out" -> out = Path.of(value(args, ++i));
        case "--scale" -> scale = Double.parseDouble(value(args, ++i));
        case "--proxy-java-opts" -> proxyOptions = value(args, ++i);
        case "--proxy-java" -> proxyJava = value(args, ++i);
        case "--repeated-values" -> freshValues = false;
        case "--keep-work" -> keepWork = true;
        case "--only" -> only = value(args, ++i);
        case "--warm-up-cap" ->
            warmUpCap = Duration.ofMillis(Math.round(1000 * Double.parseDouble(value(args, ++i))));
        case "--profile" -> profile = true;
        case "--note" -> note = value(args, ++i);
        default -> {
          System.err.println("unknown option " + args[i] + "\n" + USAGE);
          System.exit(2);
        }
      }
    }
    if (out == null) {
      out = root.resolve("bench/reports/latest.md");
    }
    System.exit(
        quick(
            root,
            out,
            scale,
            proxyJava,
            BenchStack.splitOptions(proxyOptions),
            freshValues,
            keepWork,
            only,
            warmUpCap,
            profile,
            note));
  }

  static int quick(
      Path root,
      Path out,
      double scale,
      String proxyJava,
      List<String> proxyOptions,
      boolean freshValues,
      boolean keepWork,
      String only,
      Duration warmUpCap,
      boolean profile,
      String note)
      throws IOException, InterruptedException {
    Path work = Files.createTempDirectory("bench-");
    System.out.println("bench: work directory " + work);
    Path recording = work.resolve("proxy.jfr");
    if (profile) {
      proxyOptions = new ArrayList<>(proxyOptions);
      proxyOptions.add(
          "-XX:StartFlightRecording=filename=" + recording + ",settings=profile,dumponexit=true");
    }
    Instant started = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    long startedNanos = System.nanoTime();
    String loadAtStart = Machine.loadAverage();
    String disk = Machine.syncLatency(work);
    System.out.println("bench: " + disk);
    List<Row> rows;
    String run;
    try (BenchStack stack = BenchStack.start(root, work, proxyJava, proxyOptions)) {
      System.out.println(
          "bench: stand-in :"
              + stack.standInPort()
              + ", nginx :"
              + stack.nginxPort()
              + ", proxy :"
              + stack.proxyPort());
      QuickSuite suite = new QuickSuite(stack, scale, only, warmUpCap, freshValues);
      rows = suite.run();
      run =
          suite.warmUp().describe()
              + "\n\nThe proxy ran on "
              + BenchStack.javaVersion(proxyJava)
              + " with the JVM options "
              + ProcessStats.jvmOptions(stack.proxy().pid())
              + ".\n\n"
              + disk;
      String dlp =
          String.format(
              "During the run the proxy counted %d findings, %d restored tokens and %d errors"
                  + " (its admin /metrics), and wrote its audit records to Kafka.",
              stack.proxyCounter("proxy_findings_total"),
              stack.proxyCounter("proxy_restores_total"),
              stack.proxyCounter("proxy_errors_total"));
      System.out.println("bench: " + dlp);
      note = note.isEmpty() ? dlp : note + " " + dlp;
    }
    run =
        String.format(
                Locale.ROOT,
                "The whole run took %.0f s, start-up of Kafka, the stand-ins, nginx and the proxy"
                    + " included.",
                (System.nanoTime() - startedNanos) / 1e9)
            + " "
            + run;
    Report report =
        new Report(
            rows,
            Machine.describe(started, loadAtStart)
                + "\n\n"
                + run
                + (note.isEmpty() ? "" : "\n\n" + note));
    String notes =
        "Latency: open-loop runs count from each request's scheduled start (no coordinated"
            + String.format(
                Locale.ROOT,
                " omission), after an unrecorded lead-in at the same rate (%s s for the small"
                    + " chat, %s s for the PII-dense and large prompts, on every path, as wrk2"
                    + " calibrates); closed-loop runs from each send, after %s s of unrecorded"
                    + " load.",
                seconds(QuickSuite.SMALL_LEAD_IN_SECONDS * scale),
                seconds(QuickSuite.PROMPT_LEAD_IN_SECONDS * scale),
                seconds(QuickSuite.CLOSED_WARM_SECONDS * scale))
            + " For streams, latency is the whole"
            + " stream and first byte is the first event (time to first token); the OpenAI"
            + " stand-in sends a first chunk with the role and no text at once, so for its streams"
            + " first byte is the time to open the stream, before any text. CPU: 100 % = one"
            + " core, over the run's wall time. All processes, the load generator included,"
            + " share the machine's cores; the Kafka broker works for the proxy's audit trail"
            + " only, so its CPU in the direct and nginx rows is its idle cost. JIT CPU: what the JIT compiler threads (C1, C2) of the"
            + " proxy and of the stand-in used while the row was measured, after the warm-up."
            + (freshValues
                ? " Prompts: every small-chat, PII-dense and large-prompt request carries one"
                    + " e-mail address no earlier request carried (a counter), so the proxy stores"
                    + " one new token per request in its vault, as for a new turn of a"
                    + " conversation; its other items repeat, as earlier turns do.\n"
                : " Prompts (--repeated-values): every request of a scenario repeats one body, so"
                    + " after the first the proxy finds every token already in its vault and"
                    + " writes nothing to it.\n");
    String command = "bench/run-quick.sh";
    if (!freshValues) {
      command += " --repeated-values";
    }
    if (!proxyJava.equals(BenchStack.javaBin())) {
      command += " --proxy-java " + proxyJava;
    }
    if (!proxyOptions.isEmpty() && !profile) {
      command += " --proxy-java-opts \"" + String.join(" ", proxyOptions) + "\"";
    }
    if (profile) {
      notes +=
          "\n## Where the proxy's time goes\n\nThis run recorded the proxy with JFR, which"
              + " costs a few per cent; measure without --profile for the figures.\n\n"
              + Profile.read(recording).markdown();
      command += " --profile";
    }
    String markdown = report.markdown("Bench report: quick suite", command, notes);
    Files.createDirectories(out.toAbsolutePath().getParent());
    Files.writeString(out, markdown);
    System.out.println();
    System.out.println(report.targets());
    System.out.println(report.table());
    System.out.println(report.ratios());
    System.out.println("bench: report written to " + out);
    if (!keepWork) {
      deleteTree(work);
    }
    return 0;
  }

  /** Seconds as the report writes them: {@code 2}, {@code 0.5}. */
  private static String seconds(double seconds) {
    return java.math.BigDecimal.valueOf(seconds).stripTrailingZeros().toPlainString();
  }

  private static String value(String[] args, int i) {
    if (i >= args.length) {
      System.err.println("missing value for " + args[i - 1] + "\n" + USAGE);
      System.exit(2);
    }
    return args[i];
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
