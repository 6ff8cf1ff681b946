package org.complianceproxy.dlp;

import java.util.List;

/** Findings of the bundled rules as {@code "TYPE:text"} strings, which read well in assertions. */
final class Found {

  private Found() {}

  static List<String> in(String text) {
    return Scanner.defaults().scan(text).stream()
        .map(f -> f.type() + ":" + text.substring(f.start(), f.end()))
        .toList();
  }

  static List<String> ofType(EntityType type, String text) {
    return in(text).stream().filter(s -> s.startsWith(type + ":")).toList();
  }
}
