package org.complianceproxy.dlp;

import com.google.re2j.Matcher;
import java.util.List;

/**
 * Tries one rule at the starts its trigger allows and confirms the candidates. Each try is an
 * anchored RE2J match over a slice of {@code max_length + 2} chars: the char before the start
 * (which the pattern's leading boundary matches), the longest possible finding, and the char after
 * it. A scan therefore costs, per rule, at most {@code max_length + 2} chars per start, whatever
 * the text. RE2J is skipped where the rule's {@link MatchFilter} knows the only possible end of the
 * match and its {@link GroupSpan} where group 1 lies in it (most findings of checksummed types);
 * RE2J's capture pass is skipped wherever the group span can tell. One search serves a whole scan,
 * trying its rules one after another ({@link #run}); used by one thread.
 *
 * <p>RE2J reports the leftmost-first match, which may be too long: in {@code "4111 1111 1111 1111
 * 123"} (a card and its CVV) the card pattern's optional fifth group takes the CVV and the 19
 * digits fail Luhn. So when a candidate fails, its prefixes that end before a separator are tried,
 * longest first; one that passes its validator and that the pattern matches on its own is the
 * finding.
 */
final class AnchoredSearch {
  /** Rejected window matches up to this long are searched again from their second char. */
  private static final int SHORT_RETRY = 64;

  /** What {@link #group} returns when the pattern's group 1 took no part in the match. */
  private static final long NO_GROUP = -1;

  /** The rule being applied. */
  private Rule rule;

  /** Position of the rule in its file, carried into candidates. */
  private int ruleIndex;

  /** The whole text. */
  private final String text;

  /** Where the work done is added up. */
  private final ScanCounters counters;

  /** The prefilter's hits, for context words. */
  private final Prefilter.Hits hits;

  /** Simulation state for the rule's {@link MatchFilter}, shared by the scan's searches. */
  private final MatchFilter.Scratch scratch;

  /** The rule's matcher, created on the rule's first RE2J match and reset for each later one. */
  private Matcher matcher;

  AnchoredSearch(
      String text, Prefilter.Hits hits, MatchFilter.Scratch scratch, ScanCounters counters) {
    this.text = text;
    this.hits = hits;
    this.scratch = scratch;
    this.counters = counters;
  }

  /** Adds the candidates of {@code rule}, the {@code ruleIndex}th of its file, to {@code out}. */
  void run(Rule rule, int ruleIndex, List<Candidate> out) {
    this.rule = rule;
    this.ruleIndex = ruleIndex;
    this.matcher = null;
    Prefilter.Ints starts = hits.startsFor(rule);
    if (rule.keywordTriggered()) {
      runWindows(starts, out);
      return;
    }
    // A start inside a finding of this rule could only give a shorter, overlapping one.
    int coveredUntil = 0;
    for (int i = 0; i < starts.size(); i++) {
      int start = starts.get(i);
      if (start < coveredUntil || !startsWithPrefix(start)) {
        continue;
      }
      // Context is a binary search over the few context words; RE2J costs far more.
      if (rule.contextRequired()
          && !hits.hasContext(
              rule.contextSets(), start, start + rule.maxLength(), rule.contextWindow())) {
        continue;
      }
      int end = matchAt(start);
      int accepted = end < 0 ? -1 : confirm(start, end);
      if (accepted > 0 && emit(start, accepted, out)) {
        coveredUntil = accepted;
      }
    }
  }

  /**
   * Searches each window (disjoint, ascending {@code [from, to)} pairs) with an unanchored find;
   * every match of group 1 that passes the validator and word boundaries is a candidate. Each char
   * of a window is read by RE2J once per find, and windows never overlap.
   */
  private void runWindows(Prefilter.Ints windows, List<Candidate> out) {
    for (int i = 0; i < windows.size(); i += 2) {
      int from = windows.get(i);
      int to = windows.get(i + 1);
      counters.attempts++;
      int length = to - from;
      if (!rule.filter().mayMatchIn(text, from, to, scratch)) {
        counters.searchedChars += length;
        continue;
      }
      Matcher m = matcher(text.substring(from, to));
      int pos = 0;
      while (pos <= length) {
        if (!m.find(pos)) {
          counters.searchedChars += length - pos;
          break;
        }
        counters.searchedChars += m.end() - pos;
        long group = group(m, from);
        if (group == NO_GROUP) {
          group = span(from + m.start(), from + m.end());
        }
        int s = (int) (group >>> 32);
        int e = (int) group;
        if (e > s && confirmed(s, e)) {
          emit(s, e, out);
          pos = Math.max(e - from, pos + 1);
        } else if (e - s <= SHORT_RETRY) {
          // A later match may start inside a short rejected one ("secret_access_key = value");
          // long ones are skipped whole, so that a window is never searched quadratically.
          pos = Math.max(m.start() + 1, pos + 1);
        } else {
          pos = Math.max(e - from, pos + 1);
        }
      }
    }
  }

  /** Adds the finding with its context-adjusted confidence; false when context rules it out. */
  private boolean emit(int start, int end, List<Candidate> out) {
    double confidence = rule.confidence();
    if (rule.contextSets() != 0 && !rule.keywordTriggered()) {
      boolean context = hits.hasContext(rule.contextSets(), start, end, rule.contextWindow());
      if (!context && rule.contextRequired()) {
        return false;
      }
      if (context && !rule.contextRequired()) {
        confidence = Math.min(1.0, confidence + Rule.CONTEXT_BONUS);
      }
    }
    if (rule.antiContextSets() != 0
        && hits.hasContext(rule.antiContextSets(), start, end, rule.contextWindow())) {
      confidence -= Rule.ANTI_CONTEXT_PENALTY;
    }
    if (confidence < Rule.MIN_CONFIDENCE) {
      return false;
    }
    out.add(
        new Candidate(
            new Finding(start, end, rule.type(), rule.id(), rule.action(), confidence), ruleIndex));
    return true;
  }

  private boolean startsWithPrefix(int start) {
    if (rule.startsWith().isEmpty()) {
      return true;
    }
    for (String prefix : rule.startsWith()) {
      if (text.startsWith(prefix, start)) {
        return true;
      }
    }
    return false;
  }

  /** The end of the pattern's finding that starts exactly at {@code start}, or -1. */
  private int matchAt(int start) {
    int sliceStart = start == 0 ? 0 : start - 1;
    int sliceEnd = Math.min(text.length(), start + rule.maxLength() + 1);
    counters.attempts++;
    counters.searchedChars += sliceEnd - sliceStart;
    // Most findings have one possible end, and group 1 follows from it: then RE2J is not needed.
    int end = rule.filter().onlyEnd(text, sliceStart, sliceEnd, scratch);
    if (end == MatchFilter.NO_MATCH) {
      return -1;
    }
    long group = GroupSpan.UNKNOWN;
    if (end >= 0) {
      group = rule.groupSpan().find(text, sliceStart, end, scratch);
    } else if (!rule.filter().mayMatchAt(text, sliceStart, sliceEnd, scratch)) {
      return -1;
    }
    if (group == GroupSpan.UNKNOWN) {
      Matcher m = matcher(text.substring(sliceStart, sliceEnd));
      if (!m.lookingAt()) {
        return -1;
      }
      group = group(m, sliceStart);
      if (group == NO_GROUP) {
        return -1;
      }
    }
    int groupStart = (int) (group >>> 32);
    int groupEnd = (int) group;
    if (groupStart != start || groupEnd <= groupStart) {
      return -1;
    }
    return groupEnd;
  }

  /**
   * The finding of the matcher's last match over the slice starting at {@code offset}, in text
   * positions packed by {@link #span}: group 1, or the whole match when the pattern has no group;
   * {@link #NO_GROUP} when group 1 took no part. Asks RE2J for group 1 (a second pass over the
   * match) only when {@link GroupSpan} cannot tell.
   */
  private long group(Matcher m, int offset) {
    int from = offset + m.start();
    int to = offset + m.end();
    if (m.groupCount() == 0) {
      return span(from, to);
    }
    long found = rule.groupSpan().find(text, from, to, scratch);
    if (found != GroupSpan.UNKNOWN) {
      return found;
    }
    return m.start(1) < 0 ? NO_GROUP : span(offset + m.start(1), offset + m.end(1));
  }

  /** {@code [start, end)} packed into a long, as {@link GroupSpan#find} packs it. */
  private static long span(int start, int end) {
    return ((long) start << 32) | end;
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
        if (matcher(text.substring(start, e)).matches()) {
          return e;
        }
      }
    }
    return -1;
  }

  /** The rule's matcher over {@code input}: one RE2J matcher per search, reset for each input. */
  private Matcher matcher(CharSequence input) {
    if (matcher == null) {
      matcher = rule.pattern().matcher(input);
    } else {
      matcher.reset(input);
    }
    return matcher;
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
