package org.complianceproxy.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** The Markdown report of one run: the results table, the ratios, and the targets of issue 7. */
final class Report {
  static final double ADDED_P99_TARGET_MS = 1.0;
  static final double TTFT_OVERHEAD_P99_TARGET_MS = 5.0;
  static final double NGINX_THROUGHPUT_RATIO_TARGET = 0.5;

  private final List<Row> rows;
  private final String machine;

  Report(List<Row> rows, String machine) {
    this.rows = List.copyOf(rows);
    this.machine = machine;
  }

  static String progressLine(Row row) {
    RunResult r = row.result();
    return String.format(
        Locale.ROOT,
        "bench: %-36s %-7s %9.0f req/s  p50 %8.2f ms  p99 %8.2f ms  errors %d  JIT CPU %.2f s",
        row.scenario(),
        row.via(),
        r.throughput(),
        RunResult.millis(r.latency(), 50),
        RunResult.millis(r.latency(), 99),
        r.errors(),
        "proxy".equals(row.via()) ? row.proxyCompilerSeconds() : row.standInCompilerSeconds());
  }

  /** The results table alone, as printed at the end of a run. */
  String table() {
    StringBuilder out = new StringBuilder();
    out.append(
        "| scenario | load | via | req/s | p50 ms | p99 ms | p99.9 ms | first byte p50 ms |"
            + " first byte p99 ms | errors | CPU % nginx/proxy | CPU % stand-in | CPU % Kafka |"
            + " proxy heap MiB | RSS MiB | JIT CPU s proxy / stand-in |\n");
    out.append("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (Row row : rows) {
      RunResult r = row.result();
      out.append(
          String.format(
              Locale.ROOT,
              "| %s | %s | %s | %.0f | %s | %s | %s | %s | %s | %d | %s | %.0f | %.0f | %s | %s |"
                  + " %s /"
                  + " %.2f |\n",
              row.scenario(),
              row.load(),
              row.via(),
              r.throughput(),
              ms(RunResult.millis(r.latency(), 50)),
              ms(RunResult.millis(r.latency(), 99)),
              ms(RunResult.millis(r.latency(), 99.9)),
              ms(RunResult.millis(r.firstByte(), 50)),
              ms(RunResult.millis(r.firstByte(), 99)),
              r.errors(),
              number(row.frontCpuPercent()),
              row.standInCpuPercent(),
              row.kafkaCpuPercent(),
              number(row.heapMiB()),
              number(row.rssMiB()),
              Double.isNaN(row.proxyCompilerSeconds())
                  ? "-"
                  : String.format(Locale.ROOT, "%.2f", row.proxyCompilerSeconds()),
              row.standInCompilerSeconds()));
    }
    return out.toString();
  }

  /** Per scenario: the proxy against direct and nginx. */
  String ratios() {
    StringBuilder out = new StringBuilder();
    out.append(
        "| scenario | proxy / direct req/s | proxy / nginx req/s | nginx / direct req/s |"
            + " added p50 ms | added p99 ms | added first byte p99 ms |\n");
    out.append("|---|---:|---:|---:|---:|---:|---:|\n");
    for (String scenario : scenarios()) {
      Optional<Row> direct = row(scenario, "direct");
      Optional<Row> nginx = row(scenario, "nginx");
      Optional<Row> proxy = row(scenario, "proxy");
      if (direct.isEmpty() || proxy.isEmpty()) {
        continue;
      }
      RunResult d = direct.get().result();
      RunResult p = proxy.get().result();
      out.append(
          String.format(
              Locale.ROOT,
              "| %s | %.2f | %s | %s | %s | %s | %s |\n",
              scenario,
              p.throughput() / d.throughput(),
              nginx
                  .map(
                      n ->
                          String.format(
                              Locale.ROOT, "%.2f", p.throughput() / n.result().throughput()))
                  .orElse("-"),
              nginx
                  .map(
                      n ->
                          String.format(
                              Locale.ROOT, "%.2f", n.result().throughput() / d.throughput()))
                  .orElse("-"),
              ms(added(p, d, 50, false)),
              ms(added(p, d, 99, false)),
              ms(added(p, d, 99, true))));
    }
    return out.toString();
  }

  /** The three targets of issue 7, each with the figures and whether the proxy met it. */
  String targets() {
    StringBuilder out = new StringBuilder();
    out.append("| target | measured | met |\n|---|---|---|\n");
    int header = out.length();
    Optional<Row> smallDirect = row(QuickSuite.SMALL_OPEN, "direct");
    Optional<Row> smallProxy = row(QuickSuite.SMALL_OPEN, "proxy");
    if (smallDirect.isPresent() && smallProxy.isPresent()) {
      double added = added(smallProxy.get().result(), smallDirect.get().result(), 99, false);
      out.append(
          String.format(
              Locale.ROOT,
              "| added p99 < %.0f ms, small chat at 1,000 req/s | %s ms (proxy p99 %s ms, direct"
                  + " p99 %s ms, proxy errors %d) | %s |\n",
              ADDED_P99_TARGET_MS,
              ms(added),
              ms(RunResult.millis(smallProxy.get().result().latency(), 99)),
              ms(RunResult.millis(smallDirect.get().result().latency(), 99)),
              smallProxy.get().result().errors(),
              met(added, ADDED_P99_TARGET_MS, smallProxy.get().result().errors() == 0)));
    }
    Optional<Row> manyDirect = row(QuickSuite.MANY_STREAMS, "direct");
    Optional<Row> manyProxy = row(QuickSuite.MANY_STREAMS, "proxy");
    if (manyDirect.isPresent() && manyProxy.isPresent()) {
      RunResult p = manyProxy.get().result();
      double overhead = added(p, manyDirect.get().result(), 99, true);
      out.append(
          String.format(
              Locale.ROOT,
              "| %,d concurrent slow streams without errors | %d completed, %d errors, %d open at"
                  + " the peak | %s |\n",
              QuickSuite.MANY_STREAMS_COUNT,
              p.completed(),
              p.errors(),
              p.peakInFlight(),
              yes(p.errors() == 0 && p.completed() == QuickSuite.MANY_STREAMS_COUNT)));
      out.append(
          String.format(
              Locale.ROOT,
              "| time-to-first-token overhead p99 < %.0f ms (those streams) | %s ms (proxy p99 %s"
                  + " ms, direct p99 %s ms) | %s |\n",
              TTFT_OVERHEAD_P99_TARGET_MS,
              ms(overhead),
              ms(RunResult.millis(p.firstByte(), 99)),
              ms(RunResult.millis(manyDirect.get().result().firstByte(), 99)),
              met(overhead, TTFT_OVERHEAD_P99_TARGET_MS, true)));
    }
    Optional<Row> closedNginx = row(QuickSuite.SMALL_CLOSED, "nginx");
    Optional<Row> closedProxy = row(QuickSuite.SMALL_CLOSED, "proxy");
    Optional<Row> closedDirect = row(QuickSuite.SMALL_CLOSED, "direct");
    if (closedNginx.isPresent() && closedProxy.isPresent()) {
      double ratio =
          closedProxy.get().result().throughput() / closedNginx.get().result().throughput();
      out.append(
          String.format(
              Locale.ROOT,
              "| closed-loop small chat: proxy >= %.1f x nginx | proxy %.0f req/s, nginx %.0f"
                  + " req/s, direct %s req/s: proxy/nginx = %.2f | %s |\n",
              NGINX_THROUGHPUT_RATIO_TARGET,
              closedProxy.get().result().throughput(),
              closedNginx.get().result().throughput(),
              closedDirect
                  .map(d -> String.format(Locale.ROOT, "%.0f", d.result().throughput()))
                  .orElse("-"),
              ratio,
              yes(ratio >= NGINX_THROUGHPUT_RATIO_TARGET)));
    }
    if (out.length() == header) {
      out.append("| (no scenario of a target ran) | - | - |\n");
    }
    return out.toString();
  }

  String markdown(String title, String command, String notes) {
    return "# "
        + title
        + "\n\n"
        + machine
        + "\n\nCommand: `"
        + command
        + "`\n\n## Targets (issue 7)\n\n"
        + targets()
        + "\n## Results\n\n"
        + table()
        + "\n## The proxy against the baselines\n\n"
        + ratios()
        + "\n"
        + notes;
  }

  private List<String> scenarios() {
    Map<String, Boolean> seen = new LinkedHashMap<>();
    rows.forEach(r -> seen.put(r.scenario(), true));
    return List.copyOf(seen.keySet());
  }

  private Optional<Row> row(String scenario, String via) {
    return rows.stream()
        .filter(r -> r.scenario().equals(scenario) && r.via().equals(via))
        .findFirst();
  }

  private static double added(RunResult proxy, RunResult direct, double percentile, boolean first) {
    return first
        ? RunResult.millis(proxy.firstByte(), percentile)
            - RunResult.millis(direct.firstByte(), percentile)
        : RunResult.millis(proxy.latency(), percentile)
            - RunResult.millis(direct.latency(), percentile);
  }

  private static String ms(double millis) {
    return Double.isNaN(millis) ? "-" : String.format(Locale.ROOT, "%.2f", millis);
  }

  private static String number(double value) {
    return Double.isNaN(value) ? "-" : String.format(Locale.ROOT, "%.0f", value);
  }

  /**
   * Whether an added latency is under its target. The proxied path contains the direct one, so an
   * added latency below zero means the machine disturbed the direct run: no verdict then.
   */
  private static String met(double added, double target, boolean otherwiseMet) {
    if (added < 0) {
      return "inconclusive: direct above proxy, the machine disturbed the baseline";
    }
    return yes(added < target && otherwiseMet);
  }

  private static String yes(boolean met) {
    return met ? "yes" : "**no**";
  }
}
