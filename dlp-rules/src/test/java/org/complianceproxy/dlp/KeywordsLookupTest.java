package org.complianceproxy.dlp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link Keywords#lookup} against a plain map from lower-cased word to its sets, on seeded random
 * word lists and texts: the table (with its hash tags) finds exactly the words the map holds.
 */
class KeywordsLookupTest {

  /** Letters of words: few, so that looked-up words often are, or nearly are, listed ones. */
  private static final String LETTERS = "abcAB\u00E9\u00C9\u00DF";

  @Test
  void lookupFindsWhatAPlainMapHolds() {
    SeededCases.forEachCase(
        300,
        random -> {
          Map<String, Long> listed = new HashMap<>();
          int count = SeededCases.between(random, 0, 200);
          for (int w = 0; w < count; w++) {
            listed.merge(word(random, 1, 6), 1L << random.nextInt(64), (a, b) -> a | b);
          }
          Keywords keywords = new Keywords(listed);
          Map<String, Long> expected = new HashMap<>();
          listed.forEach(
              (w, sets) -> {
                if (!w.startsWith("-")) {
                  expected.merge(Keywords.lowerAll(w), sets, (a, b) -> a | b);
                }
              });
          for (int t = 0; t < 200; t++) {
            String text = "-" + word(random, 0, 7) + "-";
            int from = 1;
            int to = text.length() - 1;
            long sets = keywords.lookup(text, from, to, Keywords.hash(text, from, to));
            assertThat(sets)
                .as("sets of %s", SeededCases.quote(text))
                .isEqualTo(expected.getOrDefault(Keywords.lowerAll(text.substring(from, to)), 0L));
          }
        });
  }

  @Test
  void endingsAreFoundAsAPlainMapOfEndingsHasThem() {
    SeededCases.forEachCase(
        300,
        random -> {
          Map<String, Long> listed = new HashMap<>();
          int count = SeededCases.between(random, 1, 30);
          for (int w = 0; w < count; w++) {
            listed.merge("-" + word(random, 1, 5), 1L << random.nextInt(64), (a, b) -> a | b);
          }
          Keywords keywords = new Keywords(listed);
          for (int t = 0; t < 200; t++) {
            String text = " " + word(random, 1, 8) + " ";
            int from = 1;
            int to = text.length() - 1;
            long expected = 0;
            for (Map.Entry<String, Long> e : listed.entrySet()) {
              String ending = Keywords.lowerAll(e.getKey().substring(1));
              String word = Keywords.lowerAll(text.substring(from, to));
              if (ending.length() < word.length() && word.endsWith(ending)) {
                expected |= e.getValue();
              }
            }
            assertThat(keywords.lookupEnding(text, from, to))
                .as("ending sets of %s", SeededCases.quote(text))
                .isEqualTo(expected);
          }
        });
  }

  private static String word(Random random, int min, int max) {
    int length = SeededCases.between(random, min, max);
    StringBuilder word = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      word.append(LETTERS.charAt(random.nextInt(LETTERS.length())));
    }
    return word.toString();
  }
}
