package org.complianceproxy.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import org.HdrHistogram.Histogram;

/** A one-paragraph description of the machine a run measured, for the report. */
final class Machine {
  private Machine() {}

  /**
   * @param loadAtStart {@link #loadAverage()} when the run started; the one at its end is read now
   */
  static String describe(Instant started, String loadAtStart) {
    return "Run "
        + started
        + " on "
        + Runtime.getRuntime().availableProcessors()
        + " cores ("
        + cpuModel()
        + "), "
        + memory()
        + " memory, "
        + System.getProperty("os.name")
        + " "
        + System.getProperty("os.version")
        + ", Java "
        + System.getProperty("java.version")
        + " ("
        + System.getProperty("java.vm.name")
        + "), nginx "
        + nginxVersion()
        + "; load average (1, 5, 15 minutes) "
        + loadAtStart
        + " at the start and "
        + loadAverage()
        + " at the end: every other process on the machine shares its cores.";
  }

  /** Appends of {@link #syncLatency}: enough for a p99, short enough for the suite's budget. */
  static final int SYNC_PROBES = 1000;

  /**
   * How long this disk takes to make a small append durable: {@value #SYNC_PROBES} appends of 400
   * bytes (about one vault entry) to a new file in {@code dir}, each followed by {@code
   * FileChannel.force(false)} (fdatasync), as the proxy's vault does before a request with a new
   * value may go upstream. One sentence for the report; the file is deleted.
   */
  static String syncLatency(Path dir) {
    Path file = dir.resolve("sync-probe.bin");
    Histogram micros = new Histogram(60_000_000L, 3);
    try (FileChannel channel =
        FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ByteBuffer record = ByteBuffer.allocate(400);
      for (int i = 0; i < SYNC_PROBES; i++) {
        record.clear();
        long start = System.nanoTime();
        while (record.hasRemaining()) {
          channel.write(record);
        }
        channel.force(false);
        micros.recordValue(Math.max(1, (System.nanoTime() - start) / 1000));
      }
    } catch (IOException e) {
      return "The disk's sync latency could not be probed: " + e.getMessage() + ".";
    } finally {
      try {
        Files.deleteIfExists(file);
      } catch (IOException e) {
        // the work directory goes anyway
      }
    }
    return String.format(
        Locale.ROOT,
        "The disk under the work directory, where the proxy's vault and audit spool live, made a"
            + " 400-byte append durable (fdatasync) in p50 %.2f ms, p99 %.2f ms, max %.1f ms over"
            + " %d appends, probed before the run: a request that stores a new token waits for one"
            + " such write before it goes upstream.",
        micros.getValueAtPercentile(50) / 1000.0,
        micros.getValueAtPercentile(99) / 1000.0,
        micros.getMaxValue() / 1000.0,
        SYNC_PROBES);
  }

  /** The 1, 5 and 15 minute load averages of the machine, e.g. {@code 0.52 0.31 0.20}. */
  static String loadAverage() {
    try {
      String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return fields[0] + " " + fields[1] + " " + fields[2];
    } catch (IOException | ArrayIndexOutOfBoundsException e) {
      return "unknown";
    }
  }

  private static String cpuModel() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          return line.substring(line.indexOf(':') + 1).trim();
        }
      }
    } catch (IOException e) {
      // Not Linux.
    }
    return "unknown CPU";
  }

  private static String memory() {
    try {
      List<String> lines = Files.readAllLines(Path.of("/proc/meminfo"));
      for (String line : lines) {
        if (line.startsWith("MemTotal:")) {
          long kib = Long.parseLong(line.replaceAll("[^0-9]", ""));
          return String.format("%.1f GiB", kib / 1024.0 / 1024.0);
        }
      }
    } catch (IOException | NumberFormatException e) {
      // Not Linux.
    }
    return "unknown";
  }

  private static String nginxVersion() {
    try {
      Process process = new ProcessBuilder("nginx", "-v").redirectErrorStream(true).start();
      String out = new String(process.getInputStream().readAllBytes()).trim();
      process.waitFor();
      return out.replace("nginx version: ", "");
    } catch (IOException e) {
      return "unknown";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "unknown";
    }
  }
}
