package org.complianceproxy.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

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
