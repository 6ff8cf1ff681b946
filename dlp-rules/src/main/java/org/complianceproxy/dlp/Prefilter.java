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

  /**
   * Hits of every trigger in {@code text} and its {@code keywords}, found in one pass.
   *
   * <p>Each char is classified by one lookup in {@link #CLASS} (chars from 128 on by {@link
   * #classOf}), and the runs that end at it are closed. Most chars of prose are lower-case letters
   * that continue a word; they are read by a tight inner loop that only extends the word's hash:
   * after an ASCII letter, the word, the alphanumeric run and (for its hits) the letter flag are
   * already open and the digit run closed, so for such a char every other tracker would do nothing.
   * Hex runs are not tracked per char at all: a hex-colon hit holds colons, so {@link ColonRuns}
   * works them out from the colons alone.
   */
  static Hits hits(String text, Keywords keywords) {
    int n = text.length();
    Hits hits = new Hits(text);
    ColonRuns colons = null;
    int runStart = -1;
    int alnumStart = -1;
    int alnumClasses = 0;
    int wordStart = -1;
    int wordHash = 0;
    for (int i = 0; i < n; i++) {
      char c = text.charAt(i);
      int cls = classOf(c);
      if ((cls & LETTER) != 0) {
        if (wordStart < 0) {
          wordStart = i;
          wordHash = 0;
        }
        wordHash = Keywords.step(wordHash, c);
      } else if (wordStart >= 0) {
        endWord(hits, keywords, wordStart, i, wordHash);
        wordStart = -1;
      }
      if ((cls & ALNUM) != 0) {
        if (alnumStart < 0) {
          alnumStart = i;
          alnumClasses = 0;
        }
        alnumClasses |= cls;
      } else if (alnumStart >= 0) {
        endAlnum(hits, alnumStart, i, alnumClasses);
        alnumStart = -1;
      }
      if ((cls & DIGIT) != 0) {
        if (runStart < 0) {
          runStart = i;
        } else if (i - runStart == 1) {
          twoLettersBefore(hits, text, i);
        }
        continue;
      }
      if (runStart >= 0) {
        hits.digitRuns.add(runStart, i);
        runStart = -1;
      }
      if ((cls & ASCII_LETTER) != 0) {
        while (true) {
          // The rest of the word while it is lower-case ASCII: Keywords.step of such a char is
          // hash * 31 + c, and nothing else changes (see above).
          while (i + 1 < n && isLower(text.charAt(i + 1))) {
            wordHash = wordHash * 31 + text.charAt(i + 1);
            i++;
          }
          // A space and a lower-case letter: what the general path does for the two (close the
          // word and the alphanumeric run; open both at the letter), then on with the new word.
          if (i + 2 >= n || text.charAt(i + 1) != ' ' || !isLower(text.charAt(i + 2))) {
            break;
          }
          endWord(hits, keywords, wordStart, i + 1, wordHash);
          endAlnum(hits, alnumStart, i + 1, alnumClasses);
          i += 2;
          wordStart = i;
          wordHash = text.charAt(i);
          alnumStart = i;
          alnumClasses = CLASS[text.charAt(i)];
        }
      } else if (c == '+') {
        if (i + 1 < n && isDigit(text.charAt(i + 1))) {
          hits.plusDigits.add(i, i + 2);
        }
      } else if (c == '@') {
        if (i + 1 < n && Character.isLetterOrDigit(text.charAt(i + 1))) {
          hits.ats.add(i, i + 1);
        }
      } else if (c == ':') {
        if (colons == null) {
          colons = new ColonRuns(text, hits.hexColons);
        }
        colons.colon(i);
      }
    }
    if (wordStart >= 0) {
      endWord(hits, keywords, wordStart, n, wordHash);
    }
    if (alnumStart >= 0) {
      endAlnum(hits, alnumStart, n, alnumClasses);
    }
    if (colons != null) {
      colons.finish();
    }
    if (runStart >= 0) {
      hits.digitRuns.add(runStart, n);
    }
    return hits;
  }

  /**
   * The hits that end at the second digit of a run, at {@code i}: "AB 12" of a spaced NINO, or else
   * "AB12" of an IBAN's head.
   */
  private static void twoLettersBefore(Hits hits, String text, int i) {
    if (i >= 4
        && text.charAt(i - 2) == ' '
        && isUpper(text.charAt(i - 3))
        && isUpper(text.charAt(i - 4))
        && (i == 4 || !isAsciiLetter(text.charAt(i - 5)))) {
      hits.lettersSpaceDigits.add(i - 4, i + 1);
    } else if (i >= 3 && isUpper(text.charAt(i - 2)) && isUpper(text.charAt(i - 3))) {
      hits.lettersDigits.add(i - 3, i + 1);
    }
  }

  /** Closes the alphanumeric run {@code [start, end)}, whose chars' classes OR to {@code cls}. */
  private static void endAlnum(Hits hits, int start, int end, int cls) {
    if ((cls & ASCII_LETTER) != 0 && ((cls & DIGIT) != 0 || end - start >= LONG_WORD)) {
      hits.alnumMixed.add(start, end);
    }
  }

  /**
   * The hex-colon hits (maximal runs of hex digits, {@code ':'} and {@code '.'} holding two colons
   * or more), worked out at each colon instead of for every char: at a colon, the chars back to the
   * previous colon tell whether it is in the same run; if not, the previous run ends at the first
   * non-hex char after its last colon, and the new one starts after the last non-hex char before
   * this colon. Each char between two colons is read at most twice, so this stays linear.
   */
  private static final class ColonRuns {
    /** The text the colons are in. */
    private final String text;

    /** Where the hits go. */
    private final Ints out;

    /** Start of the run holding {@link #lastColon}. */
    private int start;

    /** Colons in that run so far. */
    private int colons;

    /** The last colon seen, or -1. */
    private int lastColon = -1;

    ColonRuns(String text, Ints out) {
      this.text = text;
      this.out = out;
    }

    void colon(int at) {
      int p = at;
      while (p > lastColon + 1 && isHex(text.charAt(p - 1))) {
        p--;
      }
      if (lastColon >= 0 && p == lastColon + 1) {
        colons++;
      } else {
        finish();
        start = p;
        colons = 1;
      }
      lastColon = at;
    }

    /** Records the run of the last colon when it is a hit; called once more at the text's end. */
    void finish() {
      if (colons >= 2) {
        int end = lastColon + 1;
        while (end < text.length() && isHex(text.charAt(end))) {
          end++;
        }
        out.add(start, end);
      }
    }
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
      hits.allKeywordSets |= sets;
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
    final Ints keywords;

    /** The context sets of each word in {@link #keywords}. */
    final Longs keywordSets;

    /** The union of {@link #keywordSets}: a rule of none of them has no keyword windows. */
    private long allKeywordSets;

    /** The lists {@link #startsFor} fills, reused for every rule of the scan. */
    private final Ints firstStarts = new Ints();

    private final Ints moreStarts = new Ints();

    private final Ints mergedStarts = new Ints();

    Hits(String text) {
      this.text = text;
      // Prose has a context word every few dozen chars ("account", "order"): size the two lists
      // for that at once instead of growing them from a few entries.
      int words = Math.max(4, Math.min(text.length() / WORDS_PER_KEYWORD_HINT, 1024));
      this.keywords = new Ints(2 * words);
      this.keywordSets = new Longs(words);
    }

    /**
     * Ascending positions where a finding of {@code rule} can start, each at the start of a word or
     * number (no letter or digit before it). O(hits of the rule's trigger), except for {@link
     * Trigger#AT}, which also reads the local part before each {@code '@'} (at most {@code
     * max_length} chars, and never a char twice since a local part holds no {@code '@'}).
     *
     * <p>The list returned is this object's own and is overwritten by the next call: a scan tries
     * its rules one after another, so one list (and two more for merging the starts of several
     * triggers) serves them all, allocated once per scan instead of once per rule.
     */
    Ints startsFor(Rule rule) {
      Ints starts = startsFor(rule, rule.triggers().get(0), firstStarts);
      for (int t = 1; t < rule.triggers().size(); t++) {
        // Each trigger's starts ascend: merge them, dropping duplicates.
        Ints some = startsFor(rule, rule.triggers().get(t), moreStarts);
        Ints merged = starts == firstStarts ? mergedStarts : firstStarts;
        merged.clear();
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

    /** The starts of one trigger, into {@code starts} (cleared first). */
    private Ints startsFor(Rule rule, Trigger trigger, Ints starts) {
      starts.clear();
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
          if ((allKeywordSets & rule.contextSets()) == 0) {
            break;
          }
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

  /** Chars of text per context word that the keyword lists are first sized for. */
  private static final int WORDS_PER_KEYWORD_HINT = 32;

  /** A growable list of longs, allocated on the first value. */
  static final class Longs {
    /** The values; only the first {@link #size} are in use. */
    private long[] values = NO_LONGS;

    /** Length of the array the first value allocates. */
    private final int firstCapacity;

    /** Number of values in use. */
    private int size;

    Longs(int firstCapacity) {
      this.firstCapacity = firstCapacity;
    }

    void add(long value) {
      if (size == values.length) {
        values = Arrays.copyOf(values, size == 0 ? firstCapacity : size * 2);
      }
      values[size++] = value;
    }

    long get(int i) {
      return values[i];
    }

    int size() {
      return size;
    }
  }

  private static final long[] NO_LONGS = {};

  private static final int[] NO_INTS = {};

  /**
   * A growable list of ints, allocated on the first value (most lists of a scan stay empty); ranges
   * are stored as start and end, interleaved.
   */
  static final class Ints {
    /** The values; only the first {@link #size} are in use. */
    private int[] values = NO_INTS;

    /** Length of the array the first value allocates. */
    private final int firstCapacity;

    /** Number of values in use. */
    private int size;

    Ints() {
      this(8);
    }

    Ints(int firstCapacity) {
      this.firstCapacity = firstCapacity;
    }

    void add(int value) {
      if (size == values.length) {
        values = Arrays.copyOf(values, size == 0 ? firstCapacity : size * 2);
      }
      values[size++] = value;
    }

    /** Empties the list, keeping its array for reuse. */
    void clear() {
      size = 0;
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

  /** Class bit: a letter of a word (an ASCII letter, or a letter from U+00C0 on). */
  private static final int LETTER = 1;

  /** Class bit: an ASCII letter or digit, part of an alphanumeric run. */
  private static final int ALNUM = 2;

  /** Class bit: an ASCII digit. */
  private static final int DIGIT = 4;

  /** Class bit: an ASCII letter. */
  private static final int ASCII_LETTER = 8;

  /** Class bit: a char of a hex-colon run (hex digit, {@code ':'} or {@code '.'}). */
  private static final int HEX = 16;

  /** The class bits of each char below 128. */
  private static final byte[] CLASS = classTable();

  private static byte[] classTable() {
    byte[] table = new byte[128];
    for (char c = 0; c < 128; c++) {
      boolean digit = c >= '0' && c <= '9';
      boolean letter = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
      boolean hex = digit || c == ':' || c == '.' || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
      table[c] =
          (byte)
              ((letter ? LETTER | ASCII_LETTER : 0)
                  | (letter || digit ? ALNUM : 0)
                  | (digit ? DIGIT : 0)
                  | (hex ? HEX : 0));
    }
    return table;
  }

  /**
   * The class bits of {@code c}: from 128 on, only letters from U+00C0 have one ({@link #LETTER}).
   */
  private static int classOf(char c) {
    if (c < 128) {
      return CLASS[c];
    }
    return c >= 0xC0 && Character.isLetter(c) ? LETTER : 0;
  }

  private static boolean isHex(char c) {
    return c < 128 && (CLASS[c] & HEX) != 0;
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

  private static boolean isLower(char c) {
    return c >= 'a' && c <= 'z';
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
