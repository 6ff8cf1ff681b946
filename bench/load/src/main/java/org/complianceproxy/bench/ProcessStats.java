package org.complianceproxy.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * CPU time and memory of a process and its children, read from {@code /proc} (Linux), and the Java
 * heap of a JVM from {@code jcmd <pid> GC.heap_info}.
 */
final class ProcessStats {
  // USER_HZ: the unit of utime and stime in /proc/<pid>/stat; 100 on every Linux in use.
  private static final double TICKS_PER_SECOND = 100.0;
  private static final Pattern HEAP_USED = Pattern.compile("used (\\d+)K");

  private ProcessStats() {}

  /** CPU seconds (user + system) used so far by {@code pid} and its descendants. */
  static double cpuSeconds(long pid) {
    double seconds = ownCpuSeconds(pid);
    List<ProcessHandle> descendants =
        ProcessHandle.of(pid).map(p -> p.descendants().toList()).orElse(List.of());
    for (ProcessHandle child : descendants) {
      seconds += ownCpuSeconds(child.pid());
    }
    return seconds;
  }

  /** Resident set size in MiB of {@code pid} and its descendants. */
  static double rssMiB(long pid) {
    double kib = ownRssKib(pid);
    List<ProcessHandle> descendants =
        ProcessHandle.of(pid).map(p -> p.descendants().toList()).orElse(List.of());
    for (ProcessHandle child : descendants) {
      kib += ownRssKib(child.pid());
    }
    return kib / 1024.0;
  }

  /** Used Java heap in MiB of the JVM {@code pid}, or NaN if jcmd cannot tell. */
  static double heapUsedMiB(long pid) {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    try {
      Process process =
          new ProcessBuilder(jcmd.toString(), Long.toString(pid), "GC.heap_info")
              .redirectErrorStream(true)
              .start();
      String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      process.waitFor();
      Matcher used = HEAP_USED.matcher(out);
      return used.find() ? Long.parseLong(used.group(1)) / 1024.0 : Double.NaN;
    } catch (IOException e) {
      return Double.NaN;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Double.NaN;
    }
  }

  private static double ownCpuSeconds(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      // Fields after the command name, which is in parentheses and may contain spaces.
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
      return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / TICKS_PER_SECOND;
    } catch (IOException | RuntimeException gone) {
      return 0;
    }
  }

  private static long ownRssKib(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException | RuntimeException gone) {
      // The process ended.
    }
    return 0;
  }
}
