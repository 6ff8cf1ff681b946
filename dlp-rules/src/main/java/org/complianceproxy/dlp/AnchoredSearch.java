package org.complianceproxy.dlp;

import com.google.re2j.Matcher;
import java.util.List;

/**
 * Tries one rule at the starts its trigger allows and confirms the candidates. Each try is an
 * anchored RE2J match over a slice of {@code max_length + 2} chars: the char before the start
 * (which the pattern's leading boundary matches), the longest possible finding, and the char after
 * it. A scan therefore costs, per rule, at most {@code max_length + 2} chars per start, whatever
 * the text. Used once, by one thread.
 *
 * <p>RE2J reports the leftmost-first match, which may be too long: in {@code "4111 1111 1111 1111
 * 123"} (a card and its CVV) the card pattern's optional fifth group takes the CVV and the 19
 * digits fail Luhn. So when a candidate fails, its prefixes that end before a separator are tried,
 * longest first; one that passes its validator and that the pattern matches on its own is the
 * finding.
 */
final class AnchoredSearch {
  /** The rule being applied. */
  private final Rule rule;

  /** Position of the rule in its file, carried into candidates. */
  private final int ruleIndex;

  /** The whole text. */
  private final String text;

  /** Where the work done is added up. */
  private final ScanCounters counters;

  AnchoredSearch(Rule rule, int ruleIndex, String text, ScanCounters counters) {
    this.rule = rule;
    this.ruleIndex = ruleIndex;
    this.text = text;
    this.counters = counters;
  }

  void run(Prefilter.Ints starts, List<Candidate> out) {
    // A start inside a finding of this rule could only give a shorter, overlapping one.
    int coveredUntil = 0;
    for (int i = 0; i < starts.size(); i++) {
      int start = starts.get(i);
      if (start < coveredUntil) {
        continue;
      }
      int end = matchAt(start);
      int accepted = end < 0 ? -1 : confirm(start, end);
      if (accepted > 0) {
        out.add(
            new Candidate(
                new Finding(
                    start, accepted, rule.type(), rule.id(), rule.action(), rule.confidence()),
                ruleIndex));
        coveredUntil = accepted;
      }
    }
  }

  /** The end of the pattern's finding that starts exactly at {@code start}, or -1. */
  private int matchAt(int start) {
    int sliceStart = start == 0 ? 0 : start - 1;
    int sliceEnd = Math.min(text.length(), start + rule.maxLength() + 1);
    counters.attempts++;
    counters.searchedChars += sliceEnd - sliceStart;
    Matcher m = rule.pattern().matcher(text.substring(sliceStart, sliceEnd));
    if (!m.lookingAt()) {
      return -1;
    }
    boolean grouped = m.groupCount() >= 1;
    int groupStart = grouped ? m.start(1) : m.start();
    int groupEnd = grouped ? m.end(1) : m.end();
    if (groupStart < 0 || sliceStart + groupStart != start || groupEnd <= groupStart) {
      return -1;
    }
    return sliceStart + groupEnd;
  }

  /**
   * The end of the longest confirmed finding {@code [start, e)} with {@code e <= end}: the whole
   * candidate, or a prefix of it ending before a separator that the pattern matches on its own; -1
   * when there is none.
   */
  private int confirm(int start, int end) {
    if (confirmed(start, end)) {
      return end;
    }
    for (int e = end - 1; e > start; e--) {
      if (isAsciiAlnum(text.charAt(e)) || !isAsciiAlnum(text.charAt(e - 1))) {
        continue;
      }
      // Validators are cheaper than RE2J, except libphonenumber, which is gated by a digit count.
      if (confirmed(start, e)) {
        counters.searchedChars += e - start;
        if (rule.pattern().matcher(text.substring(start, e)).matches()) {
          return e;
        }
      }
    }
    return -1;
  }

  private boolean confirmed(int start, int end) {
    if (end - start > rule.maxLength() || !atWordBoundaries(start, end)) {
      return false;
    }
    counters.validatorCalls++;
    return rule.validator().accepts(text.substring(start, end));
  }

  /** A finding never continues a word or number: no letter or digit right before or after it. */
  private boolean atWordBoundaries(int start, int end) {
    return (start == 0 || !Character.isLetterOrDigit(text.charAt(start - 1)))
        && (end == text.length() || !Character.isLetterOrDigit(text.charAt(end)));
  }

  private static boolean isAsciiAlnum(char c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
  }
}
