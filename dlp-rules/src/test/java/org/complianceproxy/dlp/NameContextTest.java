package org.complianceproxy.dlp;

import static org.assertj.core.api.Assertions.assertThat;

import org.complianceproxy.dlp.SeededCases.Gen;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The name detector reads the words before a capitalised word without splitting strings; this
 * checks it against the obvious version (lower-case the 40 chars before, split them on what is not
 * a letter or an apostrophe) that it replaced.
 */
class NameContextTest {

  /** Introductions, titles, closings and their punctuation, mixed with noise. */
  private static final Gen<String> BEFORE =
      random -> {
        String[] parts = {
          "my name is ",
          "Name: ",
          "Mr. ",
          "Regards,\n",
          "Regards, ",
          "from ",
          "von ",
          "I'm ",
          "c'est ",
          "nom: ",
          "dear ",
          "Thanks,\r\n",
          "contact ",
          "- ",
          "(",
          ") ",
          "this is ",
          "ich heiße ",
          "xx",
          " ",
          "\u00a0",
          "'",
          "\ud835\udc00",
          "\udc00",
          "é",
          "9",
          ":",
          ".",
          ","
        };
        StringBuilder text = new StringBuilder();
        int n = SeededCases.between(random, 0, 8);
        for (int i = 0; i < n; i++) {
          text.append(parts[random.nextInt(parts.length)]);
        }
        return text.toString();
      };

  @Test
  void agreesWithTheSplitBasedReference() {
    SeededCases.forEachCase(
        20_000,
        random -> {
          String text = BEFORE.next(random) + "Anna";
          int start = text.length() - 4;
          assertThat(NameDetector.introducedBefore(text, start))
              .as(SeededCases.quote(text))
              .isEqualTo(reference(text, start));
        });
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "'my name is Anna'    | 11 | true",
        "'Mr. Anna'           | 4  | true",
        "'Regards,\nAnna'     | 9  | true",
        "'Regards, Anna'      | 9  | false",
        "'from Anna'          | 5  | false",
        "'contact Anna'       | 8  | true",
        "'the Anna'           | 4  | false",
      })
  void introductionsAreRecognised(String text, int start, boolean introduced) {
    String t = text.replace("\\n", "\n");
    assertThat(NameDetector.introducedBefore(t, start)).isEqualTo(introduced);
    assertThat(reference(t, start)).isEqualTo(introduced);
  }

  /** The detector's former implementation, kept here as the oracle. */
  private static boolean reference(String text, int start) {
    int from = Math.max(0, start - 40);
    String before = Keywords.lowerAll(text.substring(from, start));
    String trimmed = before.stripTrailing();
    if (trimmed.endsWith(",") || trimmed.endsWith(".") || trimmed.endsWith(":")) {
      String[] tokens = trimmed.substring(0, trimmed.length() - 1).split("[^\\p{L}']+");
      String lastWord = tokens.length == 0 ? "" : tokens[tokens.length - 1];
      if (trimmed.endsWith(".") && NameDetector.titles().contains(lastWord)) {
        return true;
      }
      if (trimmed.endsWith(":")) {
        return NameDetector.introPairs().contains(lastWord + ":")
            || NameDetector.introLast().contains(lastWord);
      }
      return trimmed.endsWith(",")
          && NameDetector.closings().contains(lastWord)
          && before.substring(trimmed.length()).indexOf('\n') >= 0;
    }
    String[] tokens = trimmed.split("[^\\p{L}']+");
    if (tokens.length == 0) {
      return false;
    }
    String lastWord = tokens[tokens.length - 1];
    String pair = tokens.length >= 2 ? tokens[tokens.length - 2] + " " + lastWord : lastWord;
    return NameDetector.introPairs().contains(pair)
        || NameDetector.introPairs().contains(lastWord)
        || NameDetector.titles().contains(lastWord)
        || (NameDetector.introLast().contains(lastWord)
            && !lastWord.equals("from")
            && !lastWord.equals("von"));
  }
}
