package org.complianceproxy.dlp;

import java.util.Arrays;

/**
 * The scanner's one pass over a text: it records the hits of every {@link Trigger}, from which each
 * rule gets the positions where one of its findings can start. Everything after this pass works on
 * short slices at those positions, so a text with neither digits nor {@code '@'} costs this pass
 * only.
 */
final class Prefilter {

  private Prefilter() {}

  /** Hits of every trigger in {@code text}, found in one pass. */
  static Hits hits(String text) {
    int n = text.length();
    Hits hits = new Hits(text);
    int runStart = -1;
    for (int i = 0; i < n; i++) {
      char c = text.charAt(i);
      if (isDigit(c)) {
        if (runStart < 0) {
          runStart = i;
        } else if (i - runStart == 1
            && i >= 3
            && isUpper(text.charAt(i - 2))
            && isUpper(text.charAt(i - 3))) {
          hits.lettersDigits.add(i - 3, i + 1);
        }
        continue;
      }
      if (runStart >= 0) {
        hits.digitRuns.add(runStart, i);
        runStart = -1;
      }
      if (c == '+' && i + 1 < n && isDigit(text.charAt(i + 1))) {
        hits.plusDigits.add(i, i + 2);
      } else if (c == '@' && i + 1 < n && isAsciiAlnum(text.charAt(i + 1))) {
        hits.ats.add(i, i + 1);
      }
    }
    if (runStart >= 0) {
      hits.digitRuns.add(runStart, n);
    }
    return hits;
  }

  /** The hits in one text, as half-open ranges per trigger, in text order. */
  static final class Hits {
    /** The text the hits are in. */
    private final String text;

    /** Maximal runs of ASCII digits. */
    final Ints digitRuns = new Ints();

    /** {@code '+'} and the digit after it. */
    final Ints plusDigits = new Ints();

    /** Two upper-case letters and two digits. */
    final Ints lettersDigits = new Ints();

    /** The {@code '@'} of a possible e-mail address. */
    final Ints ats = new Ints();

    private Hits(String text) {
      this.text = text;
    }

    /**
     * Ascending positions where a finding of {@code rule} can start, each at the start of a word or
     * number (no letter or digit before it). O(hits of the rule's trigger), except for {@link
     * Trigger#AT}, which also reads the local part before each {@code '@'} (at most {@code
     * max_length} chars, and never a char twice since a local part holds no {@code '@'}).
     */
    Ints startsFor(Rule rule) {
      Ints starts = new Ints();
      int n = text.length();
      switch (rule.trigger()) {
        case DIGIT -> {
          for (int i = 0; i < digitRuns.size(); i += 2) {
            int start = digitRuns.get(i);
            if (digitRuns.get(i + 1) - start > rule.maxLength()) {
              continue;
            }
            if (start > 0 && (text.charAt(start - 1) == '(' || text.charAt(start - 1) == '+')) {
              addIfWordStart(starts, start - 1);
            }
            addIfWordStart(starts, start);
          }
        }
        case PLUS_DIGIT -> addEachStart(plusDigits, starts);
        case LETTERS_DIGITS -> addEachStart(lettersDigits, starts);
        case AT -> {
          for (int i = 0; i < ats.size(); i += 2) {
            int at = ats.get(i);
            int start = at;
            while (start > 0
                && at - start < rule.maxLength()
                && isLocalPartChar(text.charAt(start - 1))) {
              start--;
            }
            boolean runComplete = start == 0 || !isLocalPartChar(text.charAt(start - 1));
            if (start < at && runComplete) {
              addIfWordStart(starts, start);
            }
          }
        }
        case NONE -> {
          for (int p = 0; p < n; p++) {
            addIfWordStart(starts, p);
          }
        }
      }
      return starts;
    }

    private void addEachStart(Ints ranges, Ints starts) {
      for (int i = 0; i < ranges.size(); i += 2) {
        addIfWordStart(starts, ranges.get(i));
      }
    }

    private void addIfWordStart(Ints starts, int p) {
      if (p == 0 || !Character.isLetterOrDigit(text.charAt(p - 1))) {
        starts.add(p);
      }
    }
  }

  /** A growable list of ints; ranges are stored as start and end, interleaved. */
  static final class Ints {
    /** The values; only the first {@link #size} are in use. */
    private int[] values = new int[8];

    /** Number of values in use. */
    private int size;

    void add(int value) {
      if (size == values.length) {
        values = Arrays.copyOf(values, size * 2);
      }
      values[size++] = value;
    }

    void add(int start, int end) {
      add(start);
      add(end);
    }

    int size() {
      return size;
    }

    int get(int i) {
      return values[i];
    }
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private static boolean isUpper(char c) {
    return c >= 'A' && c <= 'Z';
  }

  /** The characters of an e-mail local part in the bundled rule (an RFC 5322 dot-atom subset). */
  private static boolean isLocalPartChar(char c) {
    return isAsciiAlnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
  }

  private static boolean isAsciiAlnum(char c) {
    return isDigit(c) || isUpper(c) || (c >= 'a' && c <= 'z');
  }
}
