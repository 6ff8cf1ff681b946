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

  /** Hits of every trigger in {@code text}, found in one pass, with no context words. */
  static Hits hits(String text) {
    return hits(text, Keywords.NONE);
  }

  /** Hits of every trigger in {@code text} and its {@code keywords}, found in one pass. */
  static Hits hits(String text, Keywords keywords) {
    int n = text.length();
    Hits hits = new Hits(text);
    int runStart = -1;
    int alnumStart = -1;
    boolean alnumLetter = false;
    boolean alnumDigit = false;
    int hexStart = -1;
    int hexColons = 0;
    int wordStart = -1;
    int wordHash = 0;
    for (int i = 0; i <= n; i++) {
      char c = i < n ? text.charAt(i) : ' ';
      if (c >= 'a' && c <= 'z' && wordStart >= 0 && alnumStart >= 0 && runStart < 0) {
        // Fast path for most chars of prose: a lower-case letter that continues a word, so it
        // only extends the word, the alnum run and maybe the hex run (what the general path
        // below would do for it, without its other tests).
        wordHash = Keywords.step(wordHash, c);
        alnumLetter = true;
        if (c <= 'f') {
          if (hexStart < 0) {
            hexStart = i;
            hexColons = 0;
          }
        } else if (hexStart >= 0) {
          if (hexColons >= 2) {
            hits.hexColons.add(hexStart, i);
          }
          hexStart = -1;
        }
        continue;
      }
      boolean digit = isDigit(c);
      boolean asciiLetter = isAsciiLetter(c);
      boolean letter = asciiLetter || (c >= 0xC0 && Character.isLetter(c));
      if (letter) {
        if (wordStart < 0) {
          wordStart = i;
          wordHash = 0;
        }
        wordHash = Keywords.step(wordHash, c);
      } else if (wordStart >= 0) {
        endWord(hits, keywords, wordStart, i, wordHash);
        wordStart = -1;
      }
      if (digit || asciiLetter) {
        if (alnumStart < 0) {
          alnumStart = i;
          alnumLetter = false;
          alnumDigit = false;
        }
        alnumLetter |= asciiLetter;
        alnumDigit |= digit;
      } else if (alnumStart >= 0) {
        if ((alnumLetter && alnumDigit) || (alnumLetter && i - alnumStart >= LONG_WORD)) {
          hits.alnumMixed.add(alnumStart, i);
        }
        alnumStart = -1;
      }
      if (digit || c == ':' || c == '.' || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')) {
        if (hexStart < 0) {
          hexStart = i;
          hexColons = 0;
        }
        hexColons += c == ':' ? 1 : 0;
      } else if (hexStart >= 0) {
        if (hexColons >= 2) {
          hits.hexColons.add(hexStart, i);
        }
        hexStart = -1;
      }
      if (i == n) {
        break;
      }
      if (digit) {
        if (runStart < 0) {
          runStart = i;
        } else if (i - runStart == 1
            && i >= 4
            && text.charAt(i - 2) == ' '
            && isUpper(text.charAt(i - 3))
            && isUpper(text.charAt(i - 4))
            && (i == 4 || !isAsciiLetter(text.charAt(i - 5)))) {
          hits.lettersSpaceDigits.add(i - 4, i + 1);
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
      } else if (c == '@' && i + 1 < n && Character.isLetterOrDigit(text.charAt(i + 1))) {
        hits.ats.add(i, i + 1);
      }
    }
    if (runStart >= 0) {
      hits.digitRuns.add(runStart, n);
    }
    return hits;
  }

  private static void endWord(Hits hits, Keywords keywords, int start, int end, int hash) {
    long sets = keywords.lookup(hits.text, start, end, hash);
    if (Character.isUpperCase(hits.text.charAt(start))) {
      hits.capitalWords.add(start, end);
      if (keywords.hasEndings()) {
        sets |= keywords.lookupEnding(hits.text, start, end);
      }
    }
    if (sets != 0) {
      hits.keywords.add(start, end);
      hits.keywordSets.add(sets);
    }
  }

  /** The hits in one text, as half-open ranges per trigger, in text order. */
  static final class Hits {
    /** The text the hits are in. */
    final String text;

    /** Maximal runs of ASCII digits. */
    final Ints digitRuns = new Ints();

    /** {@code '+'} and the digit after it. */
    final Ints plusDigits = new Ints();

    /** Two upper-case letters, a space and two digits ("AB 12" of a spaced NINO). */
    final Ints lettersSpaceDigits = new Ints();

    /** Two upper-case letters and two digits. */
    final Ints lettersDigits = new Ints();

    /** The {@code '@'} of a possible e-mail address. */
    final Ints ats = new Ints();

    /** Maximal runs of ASCII letters and digits holding at least one of each. */
    final Ints alnumMixed = new Ints();

    /** Maximal runs of hex digits, {@code ':'} and {@code '.'} holding at least two colons. */
    final Ints hexColons = new Ints();

    /** Words (runs of letters) that start with an upper-case letter. */
    final Ints capitalWords = new Ints();

    /** Words that are context words, in text order; their sets are in {@link #keywordSets}. */
    final Ints keywords = new Ints();

    /** The context sets of each word in {@link #keywords}. */
    final Longs keywordSets = new Longs();

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
      if (rule.triggers().size() == 1) {
        return startsFor(rule, rule.triggers().get(0));
      }
      // Each trigger's starts ascend: merge them, dropping duplicates.
      Ints starts = startsFor(rule, rule.triggers().get(0));
      for (int t = 1; t < rule.triggers().size(); t++) {
        Ints some = startsFor(rule, rule.triggers().get(t));
        Ints merged = new Ints();
        int i = 0;
        int j = 0;
        while (i < starts.size() || j < some.size()) {
          int next;
          if (j >= some.size() || (i < starts.size() && starts.get(i) <= some.get(j))) {
            next = starts.get(i++);
          } else {
            next = some.get(j++);
          }
          if (merged.size() == 0 || merged.get(merged.size() - 1) != next) {
            merged.add(next);
          }
        }
        starts = merged;
      }
      return starts;
    }

    /**
     * Whether a word of one of the context sets {@code sets} lies within {@code window} chars
     * before {@code start} or within half that after {@code end}. Reads only the context words near
     * the finding, found by binary search.
     */
    boolean hasContext(long sets, int start, int end, int window) {
      if (sets == 0) {
        return false;
      }
      int from = start - window;
      int to = end + window / 2;
      // first keyword ending at or after from
      int lo = 0;
      int hi = keywords.size() / 2;
      while (lo < hi) {
        int mid = (lo + hi) >>> 1;
        if (keywords.get(2 * mid + 1) < from) {
          lo = mid + 1;
        } else {
          hi = mid;
        }
      }
      for (int k = lo; k < keywords.size() / 2 && keywords.get(2 * k) <= to; k++) {
        boolean outside = keywords.get(2 * k + 1) <= start || keywords.get(2 * k) >= end;
        if (outside && (keywordSets.get(k) & sets) != 0) {
          return true;
        }
      }
      return false;
    }

    private Ints startsFor(Rule rule, Trigger trigger) {
      Ints starts = new Ints();
      int n = text.length();
      switch (trigger) {
        case DIGIT -> {
          for (int i = 0; i < digitRuns.size(); i += 2) {
            int start = digitRuns.get(i);
            if (digitRuns.get(i + 1) - start > rule.maxLength()) {
              continue;
            }
            if (rule.minDigits() > 1 && !enoughDigits(i, rule)) {
              continue;
            }
            if (start > 0 && (text.charAt(start - 1) == '(' || text.charAt(start - 1) == '+')) {
              addIfWordStart(starts, start - 1);
            }
            addIfWordStart(starts, start);
          }
        }
        case PLUS_DIGIT -> addEachStart(plusDigits, starts);
        case ALNUM -> {
          for (int i = 0; i < alnumMixed.size(); i += 2) {
            if (alnumMixed.get(i + 1) - alnumMixed.get(i) <= rule.maxLength()) {
              addIfWordStart(starts, alnumMixed.get(i));
            }
          }
        }
        case HEX_COLON -> {
          for (int i = 0; i < hexColons.size(); i += 2) {
            int start = hexColons.get(i);
            addIfWordStart(starts, start);
            if (text.charAt(start) == ':' && start + 1 < n && text.charAt(start + 1) != ':') {
              starts.add(start + 1);
            } else if (text.charAt(start) == '.' && start + 1 < n) {
              starts.add(start + 1);
            }
          }
        }
        case KEYWORD -> {
          // Windows, not starts: [start, end) pairs merged, searched by AnchoredSearch.
          int lastEnd = -1;
          for (int k = 0; k < keywords.size() / 2; k++) {
            if ((keywordSets.get(k) & rule.contextSets()) == 0) {
              continue;
            }
            int from = Math.max(0, keywords.get(2 * k) - rule.keywordLookback());
            int to = Math.min(n, keywords.get(2 * k + 1) + rule.contextWindow() + rule.maxLength());
            if (lastEnd >= 0 && from <= lastEnd) {
              starts.setLast(Math.max(lastEnd, to));
            } else {
              starts.add(from, to);
            }
            lastEnd = starts.get(starts.size() - 1);
          }
        }
        case LETTERS_DIGITS -> addEachStart(lettersDigits, starts);
        case LETTERS_SPACE_DIGIT -> addEachStart(lettersSpaceDigits, starts);
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

    /**
     * Whether the digit runs from run {@code i} on hold {@code minDigits} digits within {@code
     * maxLength + 1} chars of the run's start. Reads at most that many runs.
     */
    private boolean enoughDigits(int i, Rule rule) {
      int limit = digitRuns.get(i) + rule.maxLength() + 1;
      int digits = 0;
      for (int j = i; j < digitRuns.size() && digitRuns.get(j) < limit; j += 2) {
        digits += Math.min(digitRuns.get(j + 1), limit) - digitRuns.get(j);
        if (digits >= rule.minDigits()) {
          return true;
        }
      }
      return false;
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

  /** Letter-only runs this long also count as {@link Trigger#ALNUM} hits (AWS keys, base32). */
  static final int LONG_WORD = 16;

  /** A growable list of longs. */
  static final class Longs {
    private long[] values = new long[8];
    private int size;

    void add(long value) {
      if (size == values.length) {
        values = Arrays.copyOf(values, size * 2);
      }
      values[size++] = value;
    }

    long get(int i) {
      return values[i];
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

    void setLast(int value) {
      values[size - 1] = value;
    }

    int get(int i) {
      return values[i];
    }
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private static boolean isAsciiLetter(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
  }

  private static boolean isUpper(char c) {
    return c >= 'A' && c <= 'Z';
  }

  /** The characters of an e-mail local part in the bundled rule (an RFC 5322 dot-atom subset). */
  private static boolean isLocalPartChar(char c) {
    return isAsciiAlnum(c)
        || c == '.'
        || c == '_'
        || c == '%'
        || c == '+'
        || c == '-'
        || (c >= 0xC0 && Character.isLetterOrDigit(c));
  }

  private static boolean isAsciiAlnum(char c) {
    return isDigit(c) || isUpper(c) || (c >= 'a' && c <= 'z');
  }
}
