package org.complianceproxy.dlp;

/**
 * The prefilter pass as it was written first (commit 3ab1752), kept as the reference that {@link
 * Prefilter#hits} must agree with exactly: plain per-char tests, a running hex-run tracker, no
 * class table. Test-only; see {@code PrefilterEquivalenceTest}.
 */
final class ReferencePrefilter {

  private ReferencePrefilter() {}

  /** The hits as the scanner found them before its char-class table: one test after another. */
  static Prefilter.Hits hits(String text, Keywords keywords) {
    int n = text.length();
    Prefilter.Hits hits = new Prefilter.Hits(text);
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
        if ((alnumLetter && alnumDigit) || (alnumLetter && i - alnumStart >= Prefilter.LONG_WORD)) {
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

  private static void endWord(
      Prefilter.Hits hits, Keywords keywords, int start, int end, int hash) {
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

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private static boolean isAsciiLetter(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
  }

  private static boolean isUpper(char c) {
    return c >= 'A' && c <= 'Z';
  }
}
