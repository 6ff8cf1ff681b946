package org.complianceproxy.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/** A one-paragraph description of the machine a run measured, for the report. */
final class Machine {
  private Machine() {}

  static String describe(Instant started) {
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
        + ".";
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
