package org.complianceproxy.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * CPU time and memory of a process and its children, read from {@code /proc} (Linux); of a JVM also
 * the CPU time of its JIT compiler threads, its Java heap ({@code jcmd <pid> GC.heap_info}) and the
 * options it runs with ({@code jcmd <pid> VM.command_line}, {@code VM.flags}).
 */
final class ProcessStats {
  // USER_HZ: the unit of utime and stime in /proc/<pid>/stat; 100 on every Linux in use.
  private static final double TICKS_PER_SECOND = 100.0;
  private static final Pattern HEAP_USED = Pattern.compile("used (\\d+)K");
  // The name field of /proc/<pid>/task/<tid>/stat: 15 chars at most, "C2 CompilerThre".
  private static final Pattern COMPILER_THREAD = Pattern.compile("\\(C[12] CompilerThre");
  private static final Pattern COLLECTOR = Pattern.compile("-XX:\\+Use\\w*GC\\b");

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
    Matcher used = HEAP_USED.matcher(jcmd(pid, "GC.heap_info"));
    return used.find() ? Long.parseLong(used.group(1)) / 1024.0 : Double.NaN;
  }

  /**
   * CPU seconds used so far by the JIT compiler threads (C1 and C2) of the JVM {@code pid}: the
   * threads named {@code C1 CompilerThre...} and {@code C2 CompilerThre...} in {@code
   * /proc/<pid>/task}. HotSpot starts and stops compiler threads as its queue grows and shrinks, so
   * a thread that ended takes its time with it: compare readings a few seconds apart only.
   */
  static double compilerCpuSeconds(long pid) {
    double seconds = 0;
    try (DirectoryStream<Path> tasks =
        Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
      for (Path task : tasks) {
        Optional<String> stat = read(task.resolve("stat"));
        if (stat.isPresent() && COMPILER_THREAD.matcher(stat.get()).find()) {
          seconds += cpuSecondsOfStat(stat.get());
        }
      }
    } catch (IOException | UncheckedIOException gone) {
      // The process ended.
    }
    return seconds;
  }

  /**
   * The JVM options {@code pid} was started with (the {@code jvm_args} of {@code jcmd
   * VM.command_line}) and the collector it runs ({@code -XX:+Use...GC} of {@code VM.flags}), e.g.
   * {@code "-XX:+UseZGC (collector: -XX:+UseZGC)"}; "none" for no options.
   */
  static String jvmOptions(long pid) {
    String args = "none";
    for (String line : jcmd(pid, "VM.command_line").split("\n")) {
      if (line.startsWith("jvm_args:")) {
        args = line.substring("jvm_args:".length()).trim();
      }
    }
    Matcher gc = COLLECTOR.matcher(jcmd(pid, "VM.flags"));
    return args + " (collector: " + (gc.find() ? gc.group() : "unknown") + ")";
  }

  /** What {@code jcmd <pid> <command>} prints, or "" when it cannot run. */
  private static String jcmd(long pid, String command) {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    try {
      Process process =
          new ProcessBuilder(jcmd.toString(), Long.toString(pid), command)
              .redirectErrorStream(true)
              .start();
      String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      process.waitFor();
      return out;
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }

  private static double ownCpuSeconds(long pid) {
    return read(Path.of("/proc", Long.toString(pid), "stat"))
        .map(ProcessStats::cpuSecondsOfStat)
        .orElse(0.0);
  }

  /** utime + stime of a {@code /proc/.../stat} line, in seconds; 0 when it cannot be read. */
  private static double cpuSecondsOfStat(String stat) {
    try {
      // Fields after the command name, which is in parentheses and may contain spaces.
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
      return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / TICKS_PER_SECOND;
    } catch (RuntimeException malformed) {
      return 0;
    }
  }

  private static Optional<String> read(Path file) {
    try {
      return Optional.of(Files.readString(file));
    } catch (IOException gone) {
      return Optional.empty();
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
