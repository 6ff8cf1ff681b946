package org.complianceproxy.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * A summary of the proxy's JDK Flight Recorder execution samples: the methods that were on CPU
 * (self), and the share of samples each method was on the stack for (inclusive), so that the report
 * can say what costs the time.
 */
final class Profile {
  private static final int TOP = 25;
  private static final String PROXY_PREFIX = "org.complianceproxy.";

  private final Map<String, Integer> self = new HashMap<>();
  private final Map<String, Integer> inclusive = new HashMap<>();
  private final Map<String, Integer> monitorMillis = new HashMap<>();
  private final Map<String, Integer> components = new HashMap<>();
  private final Map<String, Integer> threads = new HashMap<>();
  private int samples;

  static Profile read(Path recording) throws IOException {
    Profile profile = new Profile();
    for (RecordedEvent event : RecordingFile.readAllEvents(recording)) {
      String type = event.getEventType().getName();
      if ("jdk.ExecutionSample".equals(type)) {
        profile.addSample(event.getStackTrace());
        if (event.getThread("sampledThread") != null) {
          String thread = String.valueOf(event.getThread("sampledThread").getJavaName());
          profile.threads.merge(thread, 1, Integer::sum);
        }
      } else if ("jdk.JavaMonitorEnter".equals(type)) {
        profile.addMonitor(event);
      }
    }
    return profile;
  }

  private void addSample(RecordedStackTrace stack) {
    if (stack == null || stack.getFrames().isEmpty()) {
      return;
    }
    samples++;
    List<RecordedFrame> frames = stack.getFrames();
    self.merge(name(frames.get(0)), 1, Integer::sum);
    components.merge(component(frames), 1, Integer::sum);
    Set<String> seen = new HashSet<>();
    for (RecordedFrame frame : frames) {
      String name = name(frame);
      if (name.startsWith("org.complianceproxy.") && seen.add(name)) {
        inclusive.merge(name, 1, Integer::sum);
      }
    }
  }

  /**
   * What a sample was doing: the library or part of the proxy of the innermost frame that is not
   * the JDK's own code (so that {@code String.charAt} called by the scanner counts for the
   * scanner), with crypto counted apart.
   */
  private static String component(List<RecordedFrame> frames) {
    for (RecordedFrame frame : frames) {
      String type = frame.getMethod().getType().getName();
      if (type.startsWith("com.sun.crypto.")
          || type.startsWith("sun.security.")
          || type.startsWith("javax.crypto.")) {
        return "crypto (HMAC, AES-GCM, SHA)";
      }
      if (type.startsWith("java.") || type.startsWith("jdk.") || type.startsWith("sun.")) {
        continue;
      }
      if (type.startsWith("com.google.re2j.")) {
        return "DLP patterns (re2j)";
      }
      if (type.startsWith("com.google.i18n.phonenumbers.")) {
        return "phone validation (libphonenumber)";
      }
      if (type.startsWith("com.fasterxml.jackson.")) {
        return "JSON (jackson)";
      }
      if (type.startsWith("org.apache.kafka.")) {
        return "Kafka producer";
      }
      if (type.startsWith("io.netty.")) {
        return "Netty (I/O, HTTP codec)";
      }
      if (type.startsWith("ch.qos.logback.") || type.startsWith("org.slf4j.")) {
        return "logging";
      }
      if (type.startsWith("org.complianceproxy.")) {
        int lambda = type.indexOf("$$Lambda");
        String named = lambda < 0 ? type : type.substring(0, lambda);
        return "proxy code: " + named.substring(PROXY_PREFIX.length(), named.lastIndexOf('.'));
      }
      return type.substring(0, Math.max(0, type.lastIndexOf('.')));
    }
    return "JDK";
  }

  private void addMonitor(RecordedEvent event) {
    RecordedStackTrace stack = event.getStackTrace();
    String where =
        stack == null || stack.getFrames().isEmpty() ? "?" : name(stack.getFrames().get(0));
    String monitorClass =
        event.getClass("monitorClass") == null ? "?" : event.getClass("monitorClass").getName();
    monitorMillis.merge(
        monitorClass + " in " + where, (int) event.getDuration().toMillis(), Integer::sum);
  }

  private static String name(RecordedFrame frame) {
    return frame.getMethod().getType().getName() + "." + frame.getMethod().getName();
  }

  String markdown() {
    StringBuilder out = new StringBuilder();
    out.append(
        String.format(
            Locale.ROOT,
            "%d execution samples of the proxy (JFR, settings=profile).\n\n",
            samples));
    shares(out, "By component (the innermost frame outside the JDK):", "component", components, "");
    shares(out, "\nBy thread:", "thread", threads, "");
    shares(
        out,
        "\nProxy methods on the stack (inclusive), top " + TOP + ":",
        "method",
        inclusive,
        "`");
    shares(out, "\nOn CPU (self), top " + TOP + ":", "method", self, "`");
    if (!monitorMillis.isEmpty()) {
      out.append("\nBlocked entering a monitor (JFR, events over 20 ms), top 10:\n\n");
      out.append("| ms blocked | monitor in |\n|---:|---|\n");
      monitorMillis.entrySet().stream()
          .sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
          .limit(10)
          .forEach(
              e ->
                  out.append("| ")
                      .append(e.getValue())
                      .append(" | `")
                      .append(e.getKey())
                      .append("` |\n"));
    }
    return out.toString();
  }

  /**
   * A table of the {@value #TOP} largest {@code counts}, each as its share of all samples, under
   * {@code title}; {@code quote} goes around each name (e.g. a backquote for code).
   */
  private void shares(
      StringBuilder out, String title, String column, Map<String, Integer> counts, String quote) {
    out.append(title).append("\n\n| share | ").append(column).append(" |\n|---:|---|\n");
    for (Map.Entry<String, Integer> e : top(counts)) {
      out.append(
          String.format(
              Locale.ROOT,
              "| %.1f %% | %s%s%s |\n",
              100.0 * e.getValue() / samples,
              quote,
              e.getKey(),
              quote));
    }
  }

  private static List<Map.Entry<String, Integer>> top(Map<String, Integer> counts) {
    return counts.entrySet().stream()
        .sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
        .limit(TOP)
        .toList();
  }
}
