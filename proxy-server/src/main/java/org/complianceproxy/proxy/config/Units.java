package org.complianceproxy.proxy.config;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses durations ({@code 500ms}, {@code 30s}, {@code 2m}, {@code 1h}, {@code 30d}) and byte sizes
 * ({@code 10MiB}).
 */
final class Units {

  private static final Pattern DURATION = Pattern.compile("(\\d{1,9})\\s*(ms|s|m|h|d)");
  private static final Pattern SIZE = Pattern.compile("(\\d{1,12})\\s*(B|KiB|MiB|GiB|KB|MB|GB)?");

  private Units() {}

  static Duration duration(String key, String text) {
    Matcher m = DURATION.matcher(text.trim().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw ConfigException.invalid(key, text, "a duration such as 500ms, 30s, 2m, 1h or 30d");
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofDays(n);
    };
  }

  static long bytes(String key, String text) {
    Matcher m = SIZE.matcher(text.trim());
    if (!m.matches()) {
      throw ConfigException.invalid(key, text, "a size such as 512KiB or 10MiB");
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "B" : m.group(2);
    long factor =
        switch (unit) {
          case "KiB" -> 1024L;
          case "MiB" -> 1024L * 1024;
          case "GiB" -> 1024L * 1024 * 1024;
          case "KB" -> 1000L;
          case "MB" -> 1000L * 1000;
          case "GB" -> 1000L * 1000 * 1000;
          default -> 1L;
        };
    return Math.multiplyExact(n, factor);
  }
}
