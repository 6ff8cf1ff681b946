package org.complianceproxy.bench.jmh;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.complianceproxy.dlp.RulePattern;
import org.complianceproxy.dlp.Scanner;

/**
 * The baseline the scanner is measured against: the same rules run the obvious way. Each rule's
 * regex, compiled with {@link java.util.regex}, is run with {@code find()} over the whole text, one
 * rule after the other, and every match's group 1 is handed to the rule's validator. No prefilter,
 * no context words, no overlap resolution (so it does less than the scanner). Immutable.
 */
final class NaiveScanner {

  /** The rules' patterns, compiled with java.util.regex, in file order. */
  private final List<Pattern> patterns = new ArrayList<>();

  /** The rules themselves, parallel to {@link #patterns}. */
  private final List<RulePattern> rules;

  NaiveScanner(Scanner scanner) {
    rules = scanner.rulePatterns();
    for (RulePattern rule : rules) {
      patterns.add(Pattern.compile(rule.regex()));
    }
  }

  /** Start offsets of the validated candidates of every rule, rule after rule. */
  int[] scan(String text) {
    int[] found = new int[8];
    int count = 0;
    for (int r = 0; r < rules.size(); r++) {
      Matcher m = patterns.get(r).matcher(text);
      boolean grouped = m.groupCount() >= 1;
      int from = 0;
      while (from <= text.length() && m.find(from)) {
        int start = grouped ? m.start(1) : m.start();
        int end = grouped ? m.end(1) : m.end();
        if (start >= 0
            && end > start
            && rules.get(r).validator().test(text.substring(start, end))) {
          if (count == found.length) {
            found = java.util.Arrays.copyOf(found, count * 2);
          }
          found[count++] = start;
        }
        // Next search from the char after this match's start: the pattern's leading boundary
        // consumes one char, so m.end() would skip an adjacent finding.
        from = Math.max(m.start() + 1, grouped && end > 0 ? end : m.start() + 1);
      }
    }
    return java.util.Arrays.copyOf(found, count);
  }
}
