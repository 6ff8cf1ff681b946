package org.complianceproxy.dlp;

import java.util.List;

/**
 * Where group 1 of a rule's match lies, worked out from the bounds of the whole match, so that RE2J
 * does not run the pattern a second time with captures (which {@code Matcher.start(1)} costs, and
 * which cost a third of the scanner's RE2J time on text dense with findings).
 *
 * <p>A rule pattern reads {@code LEAD(VALUE)TRAIL}: a lead of at most {@link #MAX_EDGE} chars (the
 * boundary before a finding), the finding, and a trail as short. Each part becomes a {@link
 * MatchFilter} that must match its stretch whole. Every split {@code from <= s <= e <= to} of a
 * match {@code [from, to)} that the three filters allow is a possible group 1 {@code [s, e)}; the
 * filters over-approximate RE2J, so RE2J's own group 1 is always among them. When it is the only
 * one, it is the answer; otherwise (and for patterns of another shape) the caller asks RE2J. The
 * answer is therefore always RE2J's. The chars group 1 can begin and end with rule out most splits
 * before any filter runs over the value. Immutable; the simulation state is the scan's {@link
 * MatchFilter.Scratch}.
 */
final class GroupSpan {

  /** Longest lead or trail, in chars, that is split off: each extra char is one more try. */
  private static final int MAX_EDGE = 4;

  /** Returned by {@link #find} when RE2J must decide. */
  static final long UNKNOWN = -1;

  /** The span of patterns of another shape: always {@link #UNKNOWN}. */
  static final GroupSpan NONE = new GroupSpan(null, null, null, 0, 0, null);

  /** Filter of the lead, matched whole. */
  private final MatchFilter lead;

  /** Filter of group 1, matched whole. */
  private final MatchFilter value;

  /** Filter of the trail, matched whole. */
  private final MatchFilter trail;

  /** Most chars the lead matches. */
  private final int maxLead;

  /** Most chars the trail matches. */
  private final int maxTrail;

  /** Chars group 1 can begin with. */
  private final FilterSyntax.CharSet firsts;

  /** Chars group 1 can end with. */
  private final FilterSyntax.CharSet lasts;

  /** Whether group 1 can be empty. */
  private final boolean nullable;

  private GroupSpan(
      MatchFilter lead,
      MatchFilter value,
      MatchFilter trail,
      int maxLead,
      int maxTrail,
      FilterSyntax.Node valueTree) {
    this.lead = lead;
    this.value = value;
    this.trail = trail;
    this.maxLead = maxLead;
    this.maxTrail = maxTrail;
    this.firsts = valueTree == null ? null : edge(valueTree, false);
    this.lasts = valueTree == null ? null : edge(valueTree, true);
    this.nullable = valueTree != null && nullable(valueTree);
  }

  /** The span finder of {@code regex}, or {@link #NONE} when it is not of the shape above. */
  static GroupSpan of(String regex) {
    return of(regex, MatchFilter.MAX_ANCHORED_DFA_STATES);
  }

  /**
   * {@link #of(String)} with filters of DFAs of at most {@code maxDfaStates} states (0: none, the
   * filters simulate their NFAs; tests compare the two).
   */
  static GroupSpan of(String regex, int maxDfaStates) {
    int[] group = firstGroup(regex);
    if (group == null) {
      return NONE;
    }
    String lead = regex.substring(0, group[0]);
    String value = regex.substring(group[0] + 1, group[1]);
    String trail = regex.substring(group[1] + 1);
    // A flag set in the lead would reach into the value; scoped flags in the value stay there.
    if (hasFlags(lead) || hasFlags(trail)) {
      return NONE;
    }
    int maxLead = maxChars(lead);
    int maxTrail = maxChars(trail);
    MatchFilter valueFilter = whole(value, maxDfaStates);
    if (maxLead < 0 || maxTrail < 0 || valueFilter == MatchFilter.ANY) {
      return NONE;
    }
    try {
      return new GroupSpan(
          whole(lead, maxDfaStates),
          valueFilter,
          whole(trail, maxDfaStates),
          maxLead,
          maxTrail,
          FilterSyntax.parse(value));
    } catch (FilterSyntax.Unsupported e) {
      return NONE;
    }
  }

  /** Number of states a {@link MatchFilter.Scratch} holds for these filters once they ran. */
  int states() {
    if (value == null) {
      return 0;
    }
    return Math.max(lead.states(), Math.max(value.states(), trail.states()));
  }

  /**
   * Group 1 of the match {@code text[from, to)}, packed as {@code start << 32 | end}, or {@link
   * #UNKNOWN} when the filters allow more than one split. Costs at most {@code (MAX_EDGE + 1)^2}
   * filter runs over the match.
   */
  long find(String text, int from, int to, MatchFilter.Scratch scratch) {
    if (value == null) {
      return UNKNOWN;
    }
    long found = UNKNOWN;
    int splits = 0;
    for (int s = from; s <= Math.min(to, from + maxLead); s++) {
      if (!lead.mayMatchAt(text, from, s, scratch)) {
        continue;
      }
      for (int e = Math.max(s, to - maxTrail); e <= to; e++) {
        if (edgesFit(text, s, e) && trail.mayMatchAt(text, e, to, scratch)) {
          splits++;
          found = ((long) s << 32) | e;
        }
      }
    }
    if (splits <= 1) {
      return found;
    }
    // Several splits fit at their edges: let the value's filter rule out all but one.
    found = UNKNOWN;
    for (int s = from; s <= Math.min(to, from + maxLead); s++) {
      if (!lead.mayMatchAt(text, from, s, scratch)) {
        continue;
      }
      for (int e = Math.max(s, to - maxTrail); e <= to; e++) {
        if (edgesFit(text, s, e)
            && trail.mayMatchAt(text, e, to, scratch)
            && value.mayMatchAt(text, s, e, scratch)) {
          if (found != UNKNOWN) {
            return UNKNOWN;
          }
          found = ((long) s << 32) | e;
        }
      }
    }
    return found;
  }

  /** Whether group 1 may be {@code text[s, e)} as far as its first and last chars tell. */
  private boolean edgesFit(String text, int s, int e) {
    if (s == e) {
      return nullable;
    }
    return contains(firsts, text.charAt(s)) && contains(lasts, text.charAt(e - 1));
  }

  private static boolean contains(FilterSyntax.CharSet set, char c) {
    if (c < 64) {
      return (set.lo() & (1L << c)) != 0;
    }
    if (c < 128) {
      return (set.hi() & (1L << (c - 64))) != 0;
    }
    return set.nonAscii() != FilterSyntax.NONE;
  }

  /** The chars a match of {@code node} can begin with, or end with when {@code last}. */
  private static FilterSyntax.CharSet edge(FilterSyntax.Node node, boolean last) {
    if (node instanceof FilterSyntax.Chars chars) {
      return chars.set();
    }
    FilterSyntax.CharSet set = FilterSyntax.CharSet.EMPTY;
    if (node instanceof FilterSyntax.Concat concat) {
      List<FilterSyntax.Node> parts = concat.parts();
      for (int i = 0; i < parts.size(); i++) {
        FilterSyntax.Node part = parts.get(last ? parts.size() - 1 - i : i);
        set = set.union(edge(part, last));
        if (!nullable(part)) {
          break;
        }
      }
    } else if (node instanceof FilterSyntax.Alternation alternation) {
      for (FilterSyntax.Node choice : alternation.choices()) {
        set = set.union(edge(choice, last));
      }
    } else if (node instanceof FilterSyntax.Repeat repeat && repeat.max() != 0) {
      set = edge(repeat.body(), last);
    }
    return set;
  }

  /** Whether {@code node} matches the empty string (assertions count as empty). */
  private static boolean nullable(FilterSyntax.Node node) {
    if (node instanceof FilterSyntax.Chars) {
      return false;
    }
    if (node instanceof FilterSyntax.Concat concat) {
      return concat.parts().stream().allMatch(GroupSpan::nullable);
    }
    if (node instanceof FilterSyntax.Alternation alternation) {
      return alternation.choices().stream().anyMatch(GroupSpan::nullable);
    }
    if (node instanceof FilterSyntax.Repeat repeat) {
      return repeat.min() == 0 || nullable(repeat.body());
    }
    return true;
  }

  /** A filter that says yes only when {@code part} may match the whole stretch it is given. */
  private static MatchFilter whole(String part, int maxDfaStates) {
    return MatchFilter.of("(?:" + part + ")$", maxDfaStates);
  }

  /**
   * Where the first capturing group opens and closes, when it stands at the top level of a pattern
   * without top-level alternatives and has no quantifier; else null.
   */
  private static int[] firstGroup(String regex) {
    int depth = 0;
    int open = -1;
    int close = -1;
    for (int i = 0; i < regex.length(); i++) {
      char c = regex.charAt(i);
      if (c == '\\') {
        i++;
      } else if (c == '[') {
        i = classEnd(regex, i);
        if (i < 0) {
          return null;
        }
      } else if (c == '(') {
        boolean capturing = !regex.startsWith("?", i + 1) || regex.startsWith("?P<", i + 1);
        if (capturing && open < 0) {
          if (depth != 0) {
            return null;
          }
          open = i;
        }
        depth++;
      } else if (c == ')') {
        depth--;
        if (depth == 0 && open >= 0 && close < 0) {
          close = i;
        }
      } else if (c == '|' && depth == 0) {
        return null;
      }
    }
    if (open < 0 || close < 0 || regex.startsWith("?P<", open + 1)) {
      return null;
    }
    boolean quantified = close + 1 < regex.length() && "*+?{".indexOf(regex.charAt(close + 1)) >= 0;
    return quantified ? null : new int[] {open, close};
  }

  /** The index of the {@code ']'} closing the class that opens at {@code open}, or -1. */
  private static int classEnd(String regex, int open) {
    int i = open + 1;
    if (regex.startsWith("^", i)) {
      i++;
    }
    if (regex.startsWith("]", i)) {
      i++;
    }
    for (; i < regex.length(); i++) {
      char c = regex.charAt(i);
      if (c == '\\') {
        i++;
      } else if (c == '[') {
        return -1;
      } else if (c == ']') {
        return i;
      }
    }
    return -1;
  }

  /** Whether {@code part} sets flags ({@code (?i)}, {@code (?i:...)}) anywhere. */
  private static boolean hasFlags(String part) {
    return java.util.regex.Pattern.compile("\\(\\?[imsU-]+[:)]").matcher(part).find();
  }

  /** The most chars {@code part} matches, or -1 when unbounded, above the limit or unreadable. */
  private static int maxChars(String part) {
    try {
      int max = maxChars(FilterSyntax.parse(part));
      return max <= MAX_EDGE ? max : -1;
    } catch (FilterSyntax.Unsupported e) {
      return -1;
    }
  }

  /** The most chars {@code node} matches, or {@link Integer#MAX_VALUE} above {@link #MAX_EDGE}. */
  private static int maxChars(FilterSyntax.Node node) {
    if (node instanceof FilterSyntax.Chars chars) {
      // A non-ASCII code point may take a surrogate pair.
      return chars.set().nonAscii() == FilterSyntax.NONE ? 1 : 2;
    }
    if (node instanceof FilterSyntax.Concat concat) {
      int sum = 0;
      for (FilterSyntax.Node part : concat.parts()) {
        int max = maxChars(part);
        if (max > MAX_EDGE - sum) {
          return Integer.MAX_VALUE;
        }
        sum += max;
      }
      return sum;
    }
    if (node instanceof FilterSyntax.Alternation alternation) {
      int most = 0;
      for (FilterSyntax.Node choice : alternation.choices()) {
        most = Math.max(most, maxChars(choice));
      }
      return most;
    }
    if (node instanceof FilterSyntax.Repeat repeat) {
      int body = maxChars(repeat.body());
      if (body == 0) {
        return 0;
      }
      return repeat.max() < 0 || (long) body * repeat.max() > MAX_EDGE
          ? Integer.MAX_VALUE
          : body * repeat.max();
    }
    return 0;
  }
}
