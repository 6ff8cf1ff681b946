package org.complianceproxy.dlp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * {@link Prefilter#hits} against {@link ReferencePrefilter}, the pass it replaced: on many seeded
 * random texts both give the same hits, list by list, in the same order. The texts come from an
 * alphabet biased to what the triggers look at (lower-case prose, capitals before digits, {@code
 * '+'}, {@code '@'}, colons and dots between hex digits, non-ASCII letters, context words of the
 * bundled rules) and from arbitrary UTF-16.
 */
class PrefilterEquivalenceTest {

  /** The context words of the bundled rules, so that keyword hits and their sets are compared. */
  private static final Keywords KEYWORDS = bundledKeywords();

  /** Single chars, weighted by repetition: mostly lower-case letters and spaces. */
  private static final String CHARS =
      "abcdefghijklmnopqrstuvwxyz" // prose
          + "aeiouaeiouetaoinshrdlu" // more prose
          + "          " // word breaks
          + "ABCDEFGHIJKLMNOPQRSTUVWXYZ" // capitals: names, IBAN and NINO heads
          + "01234567890123456789" // digit runs
          + "++@@::..::--_%()\n\t,'" // phone, e-mail, IPv6 and their neighbours
          + "éßÄÖüçñ\u00AA\u00B5\u00BA\u00C0\u00BF\u00D7\u0100\u03A9\u4E2D" // non-ASCII, letters or
          // not
          + "\uD83D\uDE00\uD800\uDC00"; // surrogates, paired or not

  /** Whole words that matter to the triggers. */
  private static final String[] WORDS = {
    "account",
    "Account",
    "ACCOUNT",
    "card",
    "Visa",
    "invoice",
    "order",
    "Hauptstraße",
    "Ringstr",
    "street",
    "Main Street",
    "née",
    "DE89",
    "GB82 ",
    "AB 12",
    "QQ 12",
    "aB12",
    "fe80::1:2",
    "2001:db8::ff00:42:8329",
    "a:b:c",
    "1.2:3:4.5",
    "::",
    "ann.lee@example.com",
    "x@",
    "@é",
    "+44 20",
    "+4",
    "4111 1111 1111 1111",
    "123-45-6789",
    "abcdefghijklmnopq",
    "AKIAABCDEFGHIJKLMNOP",
  };

  @Test
  void hitsAreTheReferencesOnBiasedTexts() {
    SeededCases.forEachCase(
        5000, random -> assertSameHits(biasedText(random, SeededCases.between(random, 0, 400))));
  }

  @Test
  void hitsAreTheReferencesOnArbitraryText() {
    SeededCases.Gen<String> any = SeededCases.anyStrings(300);
    SeededCases.forEachCase(2000, random -> assertSameHits(any.next(random)));
  }

  @Test
  void hitsAreTheReferencesOnTheEdgesOfShortTexts() {
    // Every text of up to 3 chars from a small alphabet: runs that start or end at the text's ends.
    String alphabet = "aZ9:.+@ é";
    List<String> texts = new ArrayList<>(List.of(""));
    for (int length = 1; length <= 3; length++) {
      List<String> longer = new ArrayList<>();
      for (String t : texts) {
        if (t.length() == length - 1) {
          for (char c : alphabet.toCharArray()) {
            longer.add(t + c);
          }
        }
      }
      texts.addAll(longer);
    }
    for (String text : texts) {
      assertSameHits(text);
    }
  }

  private static String biasedText(Random random, int length) {
    StringBuilder text = new StringBuilder(length + 32);
    while (text.length() < length) {
      if (random.nextInt(6) == 0) {
        text.append(WORDS[random.nextInt(WORDS.length)]);
      } else {
        text.append(CHARS.charAt(random.nextInt(CHARS.length())));
      }
    }
    return text.toString();
  }

  /** Every int list of the hits, by name. */
  private static final Map<String, Function<Prefilter.Hits, Prefilter.Ints>> LISTS = orderedLists();

  private static Map<String, Function<Prefilter.Hits, Prefilter.Ints>> orderedLists() {
    Map<String, Function<Prefilter.Hits, Prefilter.Ints>> lists = new LinkedHashMap<>();
    lists.put("digit runs", h -> h.digitRuns);
    lists.put("plus digits", h -> h.plusDigits);
    lists.put("letters space digits", h -> h.lettersSpaceDigits);
    lists.put("letters digits", h -> h.lettersDigits);
    lists.put("ats", h -> h.ats);
    lists.put("alnum runs", h -> h.alnumMixed);
    lists.put("hex-colon runs", h -> h.hexColons);
    lists.put("capital words", h -> h.capitalWords);
    lists.put("keywords", h -> h.keywords);
    return lists;
  }

  private static void assertSameHits(String text) {
    Prefilter.Hits actual = Prefilter.hits(text, KEYWORDS);
    Prefilter.Hits expected = ReferencePrefilter.hits(text, KEYWORDS);
    String what = SeededCases.quote(text);
    LISTS.forEach(
        (name, list) ->
            assertThat(values(list.apply(actual)))
                .as("%s of %s", name, what)
                .isEqualTo(values(list.apply(expected))));
    assertThat(values(actual.keywordSets))
        .as("keyword sets of %s", what)
        .isEqualTo(values(expected.keywordSets));
  }

  private static List<Integer> values(Prefilter.Ints ints) {
    List<Integer> out = new ArrayList<>(ints.size());
    for (int i = 0; i < ints.size(); i++) {
      out.add(ints.get(i));
    }
    return out;
  }

  private static List<Long> values(Prefilter.Longs longs) {
    List<Long> out = new ArrayList<>(longs.size());
    for (int i = 0; i < longs.size(); i++) {
      out.add(longs.get(i));
    }
    return out;
  }

  private static Keywords bundledKeywords() {
    try (InputStream in = PrefilterEquivalenceTest.class.getResourceAsStream("/dlp/rules.yaml")) {
      return RuleLoader.loadSet(in).keywords();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
