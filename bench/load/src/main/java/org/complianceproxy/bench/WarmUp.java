package org.complianceproxy.bench;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Drives the JVMs of a run until their JIT compilers have settled, before anything is measured (as
 * JMH does): rounds of the suite's own request shapes, each followed by a look at the CPU time of
 * every watched JVM's C1 and C2 compiler threads ({@link ProcessStats#compilerCpuSeconds}). The
 * JVMs count as warm when, for {@value #QUIET_ROUNDS} rounds in a row, no compiler of any of them
 * used more than {@value #QUIET_SHARE} of one core over the round's wall time; the warm-up ends
 * there, or at its cap.
 */
final class WarmUp {
  /** Compiler CPU time per second of wall time, in a round, below which a JVM counts as warm. */
  static final double QUIET_SHARE = 0.02;

  /** Quiet rounds in a row that end the warm-up. */
  static final int QUIET_ROUNDS = 2;

  /** One round of load; it drives every watched JVM. */
  @FunctionalInterface
  interface Round {
    void run() throws InterruptedException;
  }

  /**
   * What the warm-up did.
   *
   * @param seconds its wall time
   * @param rounds how many rounds it ran
   * @param settled whether the compilers went quiet before the cap
   * @param compilerSeconds per JVM, compiler CPU seconds during the whole warm-up
   * @param lastRoundShare per JVM, compiler CPU per second of wall time in the last round
   */
  record Result(
      double seconds,
      int rounds,
      boolean settled,
      Map<String, Double> compilerSeconds,
      Map<String, Double> lastRoundShare) {

    /** One sentence for the report. */
    String describe() {
      if (rounds == 0) {
        return "No warm-up (--warm-up-cap 0): the JVMs were measured cold.";
      }
      return String.format(
          Locale.ROOT,
          "Warm-up before the measured runs: %.0f s, %d rounds of the suite's request shapes"
              + " through the proxy (small chat, PII-dense, large prompt, OpenAI streams,"
              + " Bedrock converse-stream), %s. Compiler (C1 + C2) CPU during the warm-up: %s;"
              + " in its last round: %s of one core.",
          seconds,
          rounds,
          settled
              ? String.format(
                  Locale.ROOT,
                  "until the JIT compilers of every JVM used under %.0f %% of one core for %d"
                      + " rounds in a row",
                  100 * QUIET_SHARE,
                  QUIET_ROUNDS)
              : "stopped by its cap before the JIT compilers went quiet",
          join(compilerSeconds, "%.1f s"),
          join(lastRoundShare, "%.1f %%", 100));
    }

    private static String join(Map<String, Double> values, String format) {
      return join(values, format, 1);
    }

    private static String join(Map<String, Double> values, String format, double factor) {
      return values.entrySet().stream()
          .map(e -> e.getKey() + " " + String.format(Locale.ROOT, format, factor * e.getValue()))
          .collect(Collectors.joining(", "));
    }
  }

  private WarmUp() {}

  /**
   * Runs {@code round} until the compilers of every JVM in {@code jvms} (name to pid) are quiet, or
   * until {@code cap} has passed (a round that started goes on to its end). A cap of zero skips it.
   */
  static Result run(Map<String, Long> jvms, Round round, Duration cap) throws InterruptedException {
    long start = System.nanoTime();
    Map<String, Double> first = compilerSeconds(jvms);
    Map<String, Double> before = first;
    Map<String, Double> lastShare = new LinkedHashMap<>();
    int rounds = 0;
    int quiet = 0;
    while (System.nanoTime() - start < cap.toNanos()) {
      long roundStart = System.nanoTime();
      round.run();
      rounds++;
      double wall = (System.nanoTime() - roundStart) / 1e9;
      Map<String, Double> after = compilerSeconds(jvms);
      boolean allQuiet = true;
      for (String jvm : jvms.keySet()) {
        // A compiler thread that ended takes its time with it: never below zero.
        double share = Math.max(0, after.get(jvm) - before.get(jvm)) / wall;
        lastShare.put(jvm, share);
        allQuiet &= share < QUIET_SHARE;
      }
      System.out.printf(
          Locale.ROOT,
          "bench: warm-up round %d (%.1f s): compiler CPU %s%n",
          rounds,
          wall,
          lastShare.entrySet().stream()
              .map(e -> String.format(Locale.ROOT, "%s %.1f %%", e.getKey(), 100 * e.getValue()))
              .collect(Collectors.joining(", ")));
      before = after;
      quiet = allQuiet ? quiet + 1 : 0;
      if (quiet >= QUIET_ROUNDS) {
        break;
      }
    }
    Map<String, Double> total = new LinkedHashMap<>();
    for (String jvm : jvms.keySet()) {
      total.put(jvm, Math.max(0, before.get(jvm) - first.get(jvm)));
    }
    return new Result(
        (System.nanoTime() - start) / 1e9, rounds, quiet >= QUIET_ROUNDS, total, lastShare);
  }

  private static Map<String, Double> compilerSeconds(Map<String, Long> jvms) {
    Map<String, Double> seconds = new LinkedHashMap<>();
    jvms.forEach((name, pid) -> seconds.put(name, ProcessStats.compilerCpuSeconds(pid)));
    return seconds;
  }
}
