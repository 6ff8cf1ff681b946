package org.complianceproxy.dlp;

import static java.util.Objects.requireNonNull;

/**
 * One piece of sensitive data found in a text: the half-open char range {@code [start, end)}, what
 * it is, which rule found it, and what the rule says to do with it. A finding never holds the value
 * itself, so it is safe to log; the caller cuts the value out of its own text.
 */
public record Finding(
    int start, int end, EntityType type, String ruleId, Action action, double confidence) {

  public Finding {
    requireNonNull(type, "type");
    requireNonNull(ruleId, "ruleId");
    requireNonNull(action, "action");
    if (start < 0 || end <= start) {
      throw new IllegalArgumentException(
          "range: [" + start + ", " + end + ") (expected: 0 <= start < end)");
    }
  }

  public int length() {
    return end - start;
  }
}
