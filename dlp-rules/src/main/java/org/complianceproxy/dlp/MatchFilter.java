package org.complianceproxy.dlp;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A cheap, sound over-approximation of a rule's RE2J pattern: it says {@code false} only when the
 * pattern cannot match, so the scanner skips RE2J (whose every call costs a matcher, a machine and
 * capture bookkeeping) at the many starts where the pattern dies after a char or two.
 *
 * <p>The pattern is parsed into a Thompson NFA without captures. Small automatons are turned into
 * DFAs at load time (one table lookup per char); larger ones are simulated as a set of states. Both
 * run in time linear in the slice. Everything that would need exactness is widened instead: word
 * boundaries match anywhere, a class's non-ASCII part is "none", "all" or "some" (and "some"
 * accepts every non-ASCII char, so all non-ASCII chars behave alike), case folding under {@code
 * (?i)} applies to the whole pattern. {@code ^} and {@code $} match only at the ends of the slice,
 * as they do for RE2J, which is handed the slice alone. A pattern with syntax outside the supported
 * subset gets {@link #ANY}, which always says "maybe". Immutable and thread-safe; simulation state
 * lives in a {@link Scratch} owned by one scan.
 *
 * <p>When nothing but non-ASCII chars was widened, the filter is exact on ASCII text, and where it
 * sees only one possible end of an anchored match ({@link #onlyEnd}), that is RE2J's match too: the
 * scanner then needs no RE2J at all.
 */
final class MatchFilter {

  /** The filter of patterns it cannot read: every slice may match. */
  static final MatchFilter ANY = new MatchFilter();

  /** Most NFA states built for one pattern; a pattern needing more gets {@link #ANY}. */
  private static final int MAX_STATES = 4096;

  /** Most ints in all follow sets of one pattern together. */
  private static final int MAX_FOLLOW = 1 << 20;

  /**
   * Most DFA states built for searches anywhere in a window; a larger automaton is simulated as an
   * NFA instead.
   */
  private static final int MAX_DFA_STATES = 160;

  /**
   * Most DFA states built for anchored tries, at 129 ints a state (about 200 KB at most). Larger
   * than {@link #MAX_DFA_STATES}: anchored tries are the hot ones (every start of every rule), and
   * the e-mail and international phone patterns and their group-1 filters need 180 to 330 states;
   * simulating them instead cost a tenth of a small chat's scan, and their simulation scratch half
   * of its allocation.
   */
  static final int MAX_ANCHORED_DFA_STATES = 400;

  /** Symbols of the DFA: the 128 ASCII chars, then one for every non-ASCII code point. */
  private static final int SYMBOLS = 129;

  /** Kinds of NFA state: one that reads a char, {@code ^}, {@code $}, the match. */
  static final byte CHAR = 0;

  static final byte BEGIN = 1;
  static final byte END = 2;
  static final byte MATCH = 3;

  /** Per state: the ASCII chars 0-63 it accepts, as bits (0 for non-char states). */
  private final long[] lo;

  /** Per state: the ASCII chars 64-127 it accepts, as bits. */
  private final long[] hi;

  /** Per state: whether it accepts every non-ASCII char (else none). */
  private final boolean[] nonAscii;

  /** Per state: {@link #CHAR}, {@link #BEGIN}, {@link #END} or {@link #MATCH}. */
  private final byte[] kinds;

  /** Per state: the states (never splits) reached after it accepts a char or its assertion. */
  private final int[][] follow;

  /** The states the pattern starts in, before {@code ^} is taken. */
  private final int[] start;

  /** The DFA of anchored tries, or null when too large. */
  private final Dfa anchored;

  /** The DFA of searches anywhere in a window, or null when too large. */
  private final Dfa unanchored;

  /** Whether this filter accepts exactly what the pattern matches on ASCII text. */
  private final boolean exactOverAscii;

  /** {@link #onlyEnd} found no match. */
  static final int NO_MATCH = -1;

  /** {@link #onlyEnd} cannot tell. */
  static final int UNSURE = -2;

  private MatchFilter() {
    lo = null;
    hi = null;
    nonAscii = null;
    kinds = null;
    follow = null;
    start = null;
    anchored = null;
    unanchored = null;
    exactOverAscii = false;
  }

  private MatchFilter(
      long[] lo,
      long[] hi,
      boolean[] nonAscii,
      byte[] kinds,
      int[][] follow,
      int[] start,
      boolean exactOverAscii,
      int maxAnchoredDfaStates) {
    this.lo = lo;
    this.hi = hi;
    this.nonAscii = nonAscii;
    this.kinds = kinds;
    this.follow = follow;
    this.start = start;
    this.anchored = Dfa.build(this, false, maxAnchoredDfaStates);
    this.unanchored = Dfa.build(this, true, Math.min(MAX_DFA_STATES, maxAnchoredDfaStates));
    this.exactOverAscii = exactOverAscii;
  }

  /** The filter of {@code regex}, or {@link #ANY} when its syntax is outside the subset. */
  static MatchFilter of(String regex) {
    return of(regex, MAX_ANCHORED_DFA_STATES);
  }

  /**
   * The filter of {@code regex} with DFAs of at most {@code maxAnchoredDfaStates} states (0: none,
   * every run simulates the NFA; tests compare the two).
   */
  static MatchFilter of(String regex, int maxAnchoredDfaStates) {
    try {
      return new Builder()
          .build(
              FilterSyntax.parse(regex), FilterSyntax.exactOverAscii(regex), maxAnchoredDfaStates);
    } catch (FilterSyntax.Unsupported e) {
      return ANY;
    }
  }

  /** Number of states a {@link Scratch} holds for this filter once it ran. */
  int states() {
    return follow == null ? 0 : follow.length;
  }

  /**
   * Whether the pattern may match {@code text[from, to)} anchored at {@code from} (a match may end
   * anywhere up to {@code to}, where {@code $} matches).
   */
  boolean mayMatchAt(String text, int from, int to, Scratch scratch) {
    if (follow == null) {
      return true;
    }
    return anchored != null
        ? anchored.run(text, from, to)
        : simulate(text, from, to, scratch, false, false) >= 0;
  }

  /**
   * Where the pattern's match anchored at {@code from} ends, when only one end is possible: {@code
   * text[from, to)} is then matched by RE2J exactly there, whatever its preferences among
   * alternatives. {@link #NO_MATCH} when the pattern cannot match; {@link #UNSURE} when several
   * ends are possible, the slice holds a non-ASCII char, or this filter widens its pattern over
   * ASCII. One DFA step per char, or one step of the simulation when there is no DFA.
   */
  int onlyEnd(String text, int from, int to, Scratch scratch) {
    if (!exactOverAscii) {
      return UNSURE;
    }
    return anchored != null
        ? anchored.onlyEnd(text, from, to)
        : simulate(text, from, to, scratch, false, true);
  }

  /** Whether the pattern may match anywhere in {@code text[from, to)}. */
  boolean mayMatchIn(String text, int from, int to, Scratch scratch) {
    if (follow == null) {
      return true;
    }
    return unanchored != null
        ? unanchored.run(text, from, to)
        : simulate(text, from, to, scratch, true, false) >= 0;
  }

  /** Whether state {@code s} accepts the DFA symbol {@code symbol}. */
  private boolean accepts(int s, int symbol) {
    return symbol < 64
        ? (lo[s] & (1L << symbol)) != 0
        : symbol < 128 ? (hi[s] & (1L << (symbol - 64))) != 0 : nonAscii[s];
  }

  /** The symbol of the char at {@code i}, and the chars it takes (a surrogate pair is one). */
  private static int width(String text, int i, int to) {
    return Character.isHighSurrogate(text.charAt(i))
            && i + 1 < to
            && Character.isLowSurrogate(text.charAt(i + 1))
        ? 2
        : 1;
  }

  /**
   * Runs the NFA over {@code text[from, to)}, from {@code from} only or, when {@code anywhere},
   * from every position. Without {@code allEnds}: where the first match found ends, or {@link
   * #NO_MATCH}. With it (anchored only): what {@link #onlyEnd} returns.
   */
  private int simulate(
      String text, int from, int to, Scratch scratch, boolean anywhere, boolean allEnds) {
    int gen = scratch.nextGeneration(follow.length);
    int[] mark = scratch.mark;
    int[] cur = scratch.current;
    int[] next = scratch.next;
    int count = 0;
    int end = NO_MATCH;
    // The start states, with ^ taken: the slice starts here.
    int[] stack = scratch.stack;
    int top = 0;
    for (int s : start) {
      mark[s] = gen;
      stack[top++] = s;
    }
    while (top > 0) {
      int s = stack[--top];
      if (kinds[s] == MATCH) {
        if (!allEnds) {
          return from;
        }
        end = from;
        continue;
      }
      if (kinds[s] == BEGIN) {
        for (int t : follow[s]) {
          if (mark[t] != gen) {
            mark[t] = gen;
            stack[top++] = t;
          }
        }
      }
      cur[count++] = s;
    }
    int i = from;
    while (i < to && (count > 0 || anywhere)) {
      char c = text.charAt(i);
      if (allEnds && c >= 128) {
        return UNSURE;
      }
      int symbol = c < 128 ? c : 128;
      gen = scratch.nextGeneration(follow.length);
      int nextCount = 0;
      boolean matched = false;
      for (int k = 0; k < count; k++) {
        int s = cur[k];
        if (!accepts(s, symbol)) {
          continue;
        }
        for (int t : follow[s]) {
          if (kinds[t] == MATCH) {
            matched = true;
          } else if (mark[t] != gen) {
            mark[t] = gen;
            next[nextCount++] = t;
          }
        }
      }
      i += c < 128 ? 1 : width(text, i, to);
      if (matched) {
        if (!allEnds) {
          return i;
        }
        if (end != NO_MATCH) {
          return UNSURE;
        }
        end = i;
      }
      if (anywhere) {
        for (int s : start) {
          if (mark[s] != gen) {
            mark[s] = gen;
            next[nextCount++] = s;
          }
        }
      }
      int[] swap = cur;
      cur = next;
      next = swap;
      count = nextCount;
    }
    if (i >= to && count > 0 && end != i && endMatches(cur, count, scratch)) {
      return end == NO_MATCH ? i : UNSURE;
    }
    return end;
  }

  /** Whether {@code $} (and any assertion after it) leads from the states to a match. */
  private boolean endMatches(int[] states, int count, Scratch scratch) {
    int gen = scratch.nextGeneration(follow.length);
    int[] mark = scratch.mark;
    int[] stack = scratch.stack;
    int top = 0;
    for (int k = 0; k < count; k++) {
      if (kinds[states[k]] == END && mark[states[k]] != gen) {
        mark[states[k]] = gen;
        stack[top++] = states[k];
      }
    }
    while (top > 0) {
      int s = stack[--top];
      if (kinds[s] == MATCH) {
        return true;
      }
      if (kinds[s] != CHAR) {
        for (int t : follow[s]) {
          if (mark[t] != gen) {
            mark[t] = gen;
            stack[top++] = t;
          }
        }
      }
    }
    return false;
  }

  /**
   * The subset construction of the NFA, built whole at load time when it stays small. States are
   * numbered from 0 (the start); a state's row holds its successor per symbol.
   */
  private static final class Dfa {
    /** Flag of a state that holds the match state. */
    private static final int MATCHED = 1;

    /** Flag of a state where {@code $} at the end of the slice completes a match. */
    private static final int MATCHED_AT_END = 2;

    /** Flag of a state after which no match can follow (only for anchored tries). */
    private static final int DEAD = 4;

    /**
     * Flag of a state that holds the match state and nothing else, so no later end can follow (only
     * for anchored tries). {@link #onlyEnd} stops there, as the simulation does when only the match
     * is left, instead of reading on into a char it cannot tell about.
     */
    private static final int ENDED = 8;

    /** Where an entry keeps its state's flags; below them is the state's row. */
    private static final int FLAG_SHIFT = 24;

    private static final int ROW_MASK = (1 << FLAG_SHIFT) - 1;

    /**
     * Per state and symbol, at {@code state * SYMBOLS + symbol}: the entry of the successor, that
     * is its row ({@code successor * SYMBOLS}) with its flags above {@link #FLAG_SHIFT}. One load
     * per char gives both where to look next and whether to stop.
     */
    private final int[] next;

    /** The entry of the start state (row 0). */
    private final int first;

    private Dfa(int[] next, int first) {
      this.next = next;
      this.first = first;
    }

    boolean run(String text, int from, int to) {
      int entry = first;
      int i = from;
      while (true) {
        int flags = entry >>> FLAG_SHIFT;
        if ((flags & MATCHED) != 0) {
          return true;
        }
        if ((flags & DEAD) != 0 || i >= to) {
          return (flags & MATCHED_AT_END) != 0;
        }
        char c = text.charAt(i);
        int row = entry & ROW_MASK;
        if (c < 128) {
          entry = next[row + c];
          i++;
        } else {
          entry = next[row + 128];
          i += width(text, i, to);
        }
      }
    }

    /** See {@link MatchFilter#onlyEnd}. */
    int onlyEnd(String text, int from, int to) {
      int end = NO_MATCH;
      int entry = first;
      int i = from;
      while (true) {
        int flags = entry >>> FLAG_SHIFT;
        boolean ends = (flags & MATCHED) != 0 || (i >= to && (flags & MATCHED_AT_END) != 0);
        if (ends) {
          if (end != NO_MATCH) {
            return UNSURE;
          }
          end = i;
        }
        if ((flags & (DEAD | ENDED)) != 0 || i >= to) {
          return end;
        }
        char c = text.charAt(i++);
        if (c >= 128) {
          return UNSURE;
        }
        entry = next[(entry & ROW_MASK) + c];
      }
    }

    /** The DFA of {@code filter}, or null when it would exceed {@code maxStates} states. */
    static Dfa build(MatchFilter filter, boolean anywhere, int maxStates) {
      if (maxStates <= 0) {
        return null;
      }
      int n = filter.follow.length;
      java.util.Map<Key, Integer> ids = new java.util.HashMap<>();
      List<int[]> sets = new ArrayList<>();
      Scratch scratch = new Scratch(n);
      // The start set, with ^ taken.
      int[] first = filter.closeBegin(filter.start, scratch);
      ids.put(new Key(first), 0);
      sets.add(first);
      List<int[]> rows = new ArrayList<>();
      boolean[] seen = new boolean[n];
      int[] buffer = new int[n];
      for (int d = 0; d < sets.size(); d++) {
        int[] set = sets.get(d);
        int[] row = new int[SYMBOLS];
        for (int symbol = 0; symbol < SYMBOLS; symbol++) {
          int size = 0;
          for (int s : set) {
            if (filter.kinds[s] == CHAR && filter.accepts(s, symbol)) {
              for (int t : filter.follow[s]) {
                if (!seen[t]) {
                  seen[t] = true;
                  buffer[size++] = t;
                }
              }
            }
          }
          if (anywhere) {
            for (int t : filter.start) {
              if (!seen[t]) {
                seen[t] = true;
                buffer[size++] = t;
              }
            }
          }
          int[] target = Arrays.copyOf(buffer, size);
          for (int t : target) {
            seen[t] = false;
          }
          Arrays.sort(target);
          Key key = new Key(target);
          Integer id = ids.get(key);
          if (id == null) {
            if (sets.size() >= maxStates) {
              return null;
            }
            id = sets.size();
            ids.put(key, id);
            sets.add(target);
          }
          row[symbol] = id;
        }
        rows.add(row);
      }
      int count = sets.size();
      int[] flags = new int[count];
      for (int d = 0; d < count; d++) {
        int[] set = sets.get(d);
        boolean matched = false;
        boolean onlyMatch = set.length > 0;
        for (int s : set) {
          matched |= filter.kinds[s] == MATCH;
          onlyMatch &= filter.kinds[s] == MATCH;
        }
        boolean matchedAtEnd = matched || filter.endMatches(set, set.length, scratch);
        flags[d] =
            (matched ? MATCHED : 0)
                | (matchedAtEnd ? MATCHED_AT_END : 0)
                | (!anywhere && set.length == 0 ? DEAD : 0)
                | (!anywhere && onlyMatch ? ENDED : 0);
      }
      if ((long) count * SYMBOLS > ROW_MASK) {
        return null; // rows would reach into the flags
      }
      int[] next = new int[count * SYMBOLS];
      for (int d = 0; d < count; d++) {
        int[] row = rows.get(d);
        for (int symbol = 0; symbol < SYMBOLS; symbol++) {
          int target = row[symbol];
          next[d * SYMBOLS + symbol] = (target * SYMBOLS) | (flags[target] << FLAG_SHIFT);
        }
      }
      return new Dfa(next, flags[0] << FLAG_SHIFT);
    }
  }

  /** {@code states} plus what their {@code ^} assertions lead to, sorted. */
  private int[] closeBegin(int[] states, Scratch scratch) {
    int gen = scratch.nextGeneration(follow.length);
    List<Integer> out = new ArrayList<>();
    int[] stack = scratch.stack;
    int top = 0;
    for (int s : states) {
      scratch.mark[s] = gen;
      stack[top++] = s;
    }
    while (top > 0) {
      int s = stack[--top];
      out.add(s);
      if (kinds[s] == BEGIN) {
        for (int t : follow[s]) {
          if (scratch.mark[t] != gen) {
            scratch.mark[t] = gen;
            stack[top++] = t;
          }
        }
      }
    }
    return out.stream().mapToInt(Integer::intValue).sorted().toArray();
  }

  /** A set of NFA states as a hash key. */
  private record Key(int[] states) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Key k && Arrays.equals(states, k.states);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(states);
    }
  }

  /**
   * Simulation state of one scan, reused for every try. Its arrays are allocated when a filter
   * without a DFA first runs, as long as that filter's states, and grown when a larger one runs: a
   * scan pays only for the filters its text makes it simulate, not for the largest of all rules.
   * Holds state numbers only, never text.
   */
  static final class Scratch {
    /** States the arrays are allocated for at least. */
    private final int size;

    /** Generation in which each state was last added, to add each state once per step. */
    private int[] mark;

    /** States alive before the current char. */
    private int[] current;

    /** States alive after it. */
    private int[] next;

    /** Work list of the closures over assertions; a state is pushed once per closure. */
    private int[] stack;

    /** Current generation; never 0, which a fresh {@link #mark} holds. */
    private int generation;

    /** A scratch whose arrays are as long as the first filter that runs needs. */
    Scratch() {
      this(0);
    }

    /** A scratch whose arrays hold at least {@code states} states once allocated. */
    Scratch(int states) {
      size = states;
    }

    /** A new generation, for a filter of {@code states} states. */
    private int nextGeneration(int states) {
      if (mark == null || mark.length < states) {
        // Fresh arrays: a zero mark is older than every generation, so no state looks added.
        int length = Math.max(states, size);
        mark = new int[length];
        current = new int[length];
        next = new int[length];
        stack = new int[length];
      }
      if (++generation == Integer.MAX_VALUE) {
        Arrays.fill(mark, 0);
        generation = 1;
      }
      return generation;
    }
  }

  /** Compiles the tree into char and assertion states with their follow sets. */
  private static final class Builder {
    /** Kind of a split: reads nothing, goes on to all its successors. */
    private static final byte SPLIT = -1;

    /** Per state: its kind, {@link #SPLIT} or one of the filter's. */
    private final List<Byte> kinds = new ArrayList<>();

    /** Per state: its char set, or null. */
    private final List<FilterSyntax.CharSet> sets = new ArrayList<>();

    /** Per state: successors (one for a char or assertion state, any number for a split). */
    private final List<int[]> outs = new ArrayList<>();

    MatchFilter build(FilterSyntax.Node root, boolean exactOverAscii, int maxAnchoredDfaStates)
        throws FilterSyntax.Unsupported {
      int match = add(MATCH, null, new int[0]);
      int start = compile(root, match);
      int n = sets.size();
      long[] lo = new long[n];
      long[] hi = new long[n];
      boolean[] nonAscii = new boolean[n];
      byte[] kindArray = new byte[n];
      int[][] follow = new int[n][];
      int total = 0;
      for (int s = 0; s < n; s++) {
        byte kind = kinds.get(s);
        kindArray[s] = kind == SPLIT ? CHAR : kind;
        if (kind == CHAR || kind == BEGIN || kind == END) {
          FilterSyntax.CharSet set = sets.get(s);
          if (set != null) {
            lo[s] = set.lo();
            hi[s] = set.hi();
            nonAscii[s] = set.nonAscii() != FilterSyntax.NONE;
          }
          follow[s] = closure(outs.get(s)[0]);
          total += follow[s].length;
          if (total > MAX_FOLLOW) {
            throw new FilterSyntax.Unsupported();
          }
        } else {
          follow[s] = new int[0];
        }
      }
      return new MatchFilter(
          lo,
          hi,
          nonAscii,
          kindArray,
          follow,
          closure(start),
          exactOverAscii,
          maxAnchoredDfaStates);
    }

    /** The non-split states reachable from {@code state} through splits. */
    private int[] closure(int state) {
      List<Integer> found = new ArrayList<>();
      boolean[] seen = new boolean[sets.size()];
      int[] stack = new int[sets.size() + 1];
      int top = 0;
      stack[top++] = state;
      seen[state] = true;
      while (top > 0) {
        int s = stack[--top];
        if (kinds.get(s) != SPLIT) {
          found.add(s);
          continue;
        }
        int[] next = outs.get(s);
        for (int k = next.length - 1; k >= 0; k--) {
          if (!seen[next[k]]) {
            seen[next[k]] = true;
            stack[top++] = next[k];
          }
        }
      }
      return found.stream().mapToInt(Integer::intValue).toArray();
    }

    private int newSplit(int... next) throws FilterSyntax.Unsupported {
      return add(SPLIT, null, next);
    }

    private int add(byte kind, FilterSyntax.CharSet set, int[] next)
        throws FilterSyntax.Unsupported {
      if (sets.size() >= MAX_STATES) {
        throw new FilterSyntax.Unsupported();
      }
      kinds.add(kind);
      sets.add(set);
      outs.add(next);
      return sets.size() - 1;
    }

    /** Compiles {@code node} so that it continues at {@code next}; returns its entry state. */
    private int compile(FilterSyntax.Node node, int next) throws FilterSyntax.Unsupported {
      if (node instanceof FilterSyntax.Chars chars) {
        return add(CHAR, chars.set(), new int[] {next});
      }
      if (node instanceof FilterSyntax.Assertion assertion) {
        return add(assertion.kind(), null, new int[] {next});
      }
      if (node instanceof FilterSyntax.Concat concat) {
        int at = next;
        for (int i = concat.parts().size() - 1; i >= 0; i--) {
          at = compile(concat.parts().get(i), at);
        }
        return at;
      }
      if (node instanceof FilterSyntax.Alternation alternation) {
        int[] entries = new int[alternation.choices().size()];
        for (int i = 0; i < entries.length; i++) {
          entries[i] = compile(alternation.choices().get(i), next);
        }
        return newSplit(entries);
      }
      FilterSyntax.Repeat repeat = (FilterSyntax.Repeat) node;
      int at;
      if (repeat.max() < 0) {
        int loop = newSplit();
        int body = compile(repeat.body(), loop);
        outs.set(loop, new int[] {body, next});
        at = loop;
      } else {
        at = next;
        for (int i = 0; i < repeat.max() - repeat.min(); i++) {
          at = newSplit(compile(repeat.body(), at), next);
        }
      }
      for (int i = 0; i < repeat.min(); i++) {
        at = compile(repeat.body(), at);
      }
      return at;
    }
  }
}
