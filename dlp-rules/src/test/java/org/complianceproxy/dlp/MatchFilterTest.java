package org.complianceproxy.dlp;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.re2j.Pattern;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import org.complianceproxy.dlp.SeededCases.Gen;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The filter is only an optimisation if it is sound: wherever RE2J matches, the filter must say
 * "maybe". Checked against RE2J itself, on the bundled rules, over the corpus and random text.
 */
class MatchFilterTest {

  private static final List<Rule> RULES = bundledRules();

  private static final MatchFilter.Scratch SCRATCH = new MatchFilter.Scratch(MAX_STATES());

  private static int MAX_STATES() {
    return RULES.stream().mapToInt(r -> r.filter().states()).max().orElse(0) + 64;
  }

  /** Chars the bundled patterns care about, plus non-ASCII letters, marks and a surrogate pair. */
  private static final Gen<String> TEXTS =
      SeededCases.oneOf(
          SeededCases.strings("0123456789 -.+()@_/,:DEGBAKIxyzsk=\"'\n\téßÖ€\u212a", 60),
          SeededCases.strings("0123456789 -", 40),
          SeededCases.anyStrings(60));

  @Test
  void everyBundledPatternIsReadByTheFilter() {
    for (Rule rule : RULES) {
      assertThat(rule.filter()).as(rule.id()).isNotSameAs(MatchFilter.ANY);
    }
  }

  @Test
  void filterSaysMaybeWhereverRe2jMatchesInRandomText() {
    forEachRuleOnRandomText(1500, TEXTS, MatchFilterTest::assertSound);
  }

  @Test
  void filterSaysMaybeWhereverRe2jMatchesInTheCorpus() throws IOException {
    assertThat(corpusTexts()).hasSizeGreaterThan(1000);
    forEachRuleOnTheCorpus(3, MatchFilterTest::assertSound);
  }

  @Test
  void aCertainEndIsWhereRe2jEndsInRandomAndCorpusText() throws IOException {
    forEachRuleOnRandomText(600, ASCII_TEXTS, MatchFilterTest::assertOnlyEndAgrees);
    forEachRuleOnTheCorpus(7, MatchFilterTest::assertOnlyEndAgrees);
  }

  /** Runs {@code check} with every bundled rule on {@code cases} seeded texts of {@code texts}. */
  static void forEachRuleOnRandomText(
      int cases, Gen<String> texts, BiConsumer<Rule, String> check) {
    SeededCases.forEachCase(
        cases,
        random -> {
          String text = texts.next(random);
          for (Rule rule : RULES) {
            check.accept(rule, text);
          }
        });
  }

  /** Runs {@code check} with every bundled rule on every {@code stride}-th text of the corpus. */
  static void forEachRuleOnTheCorpus(int stride, BiConsumer<Rule, String> check)
      throws IOException {
    List<String> texts = corpusTexts();
    for (int i = 0; i < texts.size(); i += stride) {
      for (Rule rule : RULES) {
        check.accept(rule, texts.get(i));
      }
    }
  }

  @Test
  void theHotRulesHaveACertainEndOnTheirUsualFindings() {
    for (String[] rule :
        new String[][] {
          {"card-spaced", " 4111 1111 1111 1111 and"},
          {"ssn-dashed", " 123-45-6789 and"},
          {"email", " ann.lee@example.com and"},
        }) {
      Rule found = RULES.stream().filter(r -> r.id().equals(rule[0])).findFirst().orElseThrow();
      String text = rule[1];
      assertThat(found.filter().onlyEnd(text, 0, text.length(), SCRATCH))
          .as(rule[0])
          .isEqualTo(text.lastIndexOf(' ') + 1);
    }
  }

  @Test
  void filtersThatWidenOverAsciiNeverClaimACertainEnd() {
    for (String regex : List.of("(?i)(ab)", "(a.)", "(\\ba)", "(?m)(a$)")) {
      assertThat(MatchFilter.of(regex).onlyEnd("ab", 0, 2, SCRATCH))
          .as(regex)
          .isEqualTo(MatchFilter.UNSURE);
    }
    assertThat(MatchFilter.of("(ab)").onlyEnd("ab", 0, 2, SCRATCH)).isEqualTo(2);
    assertThat(MatchFilter.of("(ab?)").onlyEnd("ab", 0, 2, SCRATCH)).isEqualTo(MatchFilter.UNSURE);
    assertThat(MatchFilter.of("(ab)").onlyEnd("ac", 0, 2, SCRATCH)).isEqualTo(MatchFilter.NO_MATCH);
    assertThat(MatchFilter.of("(a\\p{L})").onlyEnd("a\u00e9", 0, 2, SCRATCH))
        .isEqualTo(MatchFilter.UNSURE);
  }

  @ParameterizedTest(name = "[{index}] {0} on \"{1}\"")
  @CsvSource(
      delimiter = ';',
      value = {
        // pattern                                  | text              | anchored | unanchored
        "(?:^|[^0-9])([0-9]{3}-[0-9]{2}-[0-9]{4})    ; ' 4111 1111'      ; false    ; false",
        "(?:^|[^0-9])([0-9]{3}-[0-9]{2}-[0-9]{4})    ; ' 123-45-6789'    ; true     ; true",
        "(?:^|[^0-9])([0-9]{3}-[0-9]{2}-[0-9]{4})    ; 'x 123-45-6789'   ; false    ; true",
        "([A-Z]{6}[A-Z0-9]{2})                       ; 'account number'  ; false    ; false",
        "([A-Z]{6}[A-Z0-9]{2})                       ; 'bic DEUTDEFF'    ; false    ; true",
        "(?i:secret)[ \\t]*([^\\s]{8,})              ; 'SeCrEt  hunter22' ; true     ; true",
        "(?i)(k)                                     ; '\u212a'          ; true     ; true",
        "([^\\p{L}]x)                                ; '€x'              ; true     ; true",
        "(\\p{Lu}+)                                  ; '1234'            ; false    ; false",
        "(a{2,3}b)                                   ; 'aab'             ; true     ; true",
        "(a{2,3}b)                                   ; 'ab'              ; false    ; false",
        "(a{2,3}b)                                   ; 'aaaab'           ; false    ; true",
        "(a$)                                        ; ab                ; false    ; false",
        "(a$)                                        ; ba                ; false    ; true",
        "(^a)                                        ; ba                ; false    ; false",
        "(?:^|-)(a)                                  ; -a                ; true     ; true",
        "(x{1}\\x27)                                 ; x'                ; true     ; true",
      })
  void filterDecidesTableCases(String regex, String text, boolean anchored, boolean unanchored) {
    MatchFilter filter = MatchFilter.of(regex);
    assertThat(filter).isNotSameAs(MatchFilter.ANY);
    assertThat(filter.mayMatchAt(text, 0, text.length(), SCRATCH)).isEqualTo(anchored);
    assertThat(filter.mayMatchIn(text, 0, text.length(), SCRATCH)).isEqualTo(unanchored);
    // The table itself agrees with RE2J.
    assertThat(Pattern.compile(regex).matcher(text).lookingAt()).isEqualTo(anchored);
    assertThat(Pattern.compile(regex).matcher(text).find()).isEqualTo(unanchored);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {"a\\Qb\\E", "[[:alpha:]]", "(?<name>x)", "a\\1", "\\pX", "(?#c)"})
  void syntaxOutsideTheSubsetMayAlwaysMatch(String regex) {
    assertThat(MatchFilter.of(regex)).isSameAs(MatchFilter.ANY);
    assertThat(MatchFilter.ANY.mayMatchAt("zzz", 0, 3, SCRATCH)).isTrue();
  }

  /** ASCII text with the chars and values the bundled patterns care about. */
  private static final Gen<String> ASCII_TEXTS =
      SeededCases.oneOf(
          SeededCases.strings("0123456789 -.+()@_/,:DEGBAKIxyzsk=\"'\n\t", 60),
          random ->
              SeededCases.of(
                          List.of(
                              " 4111 1111 1111 1111 ",
                              "4111 1111 1111 1111 123",
                              "+44 20 7946 0958.",
                              "ann.lee@mail.example.com",
                              " DE89 3704 0044 0532 0130 00 ",
                              "123-45-6789",
                              "(415) 555-2671"))
                      .next(random)
                  + SeededCases.strings("0123456789 -.a", 6).next(random));

  /** At every start, as the scanner slices the text: RE2J matches exactly where onlyEnd says. */
  private static void assertOnlyEndAgrees(Rule rule, String text) {
    for (int from = 0; from < text.length(); from++) {
      int to = Math.min(text.length(), from + rule.maxLength() + 2);
      int end = rule.filter().onlyEnd(text, from, to, SCRATCH);
      if (end == MatchFilter.UNSURE) {
        continue;
      }
      com.google.re2j.Matcher m = rule.pattern().matcher(text.substring(from, to));
      String where = String.format("%s at %d of %s", rule.id(), from, SeededCases.quote(text));
      if (end == MatchFilter.NO_MATCH) {
        assertThat(m.lookingAt()).as(where).isFalse();
      } else {
        assertThat(m.lookingAt()).as(where).isTrue();
        assertThat(from + m.end()).as(where).isEqualTo(end);
      }
    }
  }

  private static void assertSound(Rule rule, String text) {
    int slice = rule.maxLength() + 2;
    for (int from = 0; from < text.length(); from++) {
      int to = Math.min(text.length(), from + slice);
      if (rule.pattern().matcher(CharBuffer.wrap(text, from, to)).lookingAt()) {
        assertThat(rule.filter().mayMatchAt(text, from, to, SCRATCH))
            .as("%s anchored at %d of %s", rule.id(), from, SeededCases.quote(text))
            .isTrue();
      }
    }
    if (rule.pattern().matcher(text).find()) {
      assertThat(rule.filter().mayMatchIn(text, 0, text.length(), SCRATCH))
          .as("%s in %s", rule.id(), SeededCases.quote(text))
          .isTrue();
    }
  }

  static List<String> corpusTexts() throws IOException {
    List<String> texts = new ArrayList<>();
    for (String name : List.of("/corpus/corpus.jsonl", "/corpus/hand-written.jsonl")) {
      try (InputStream in = MatchFilterTest.class.getResourceAsStream(name)) {
        BufferedReader reader =
            new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        for (String line = reader.readLine(); line != null; line = reader.readLine()) {
          int at = line.indexOf("\"text\":\"");
          if (at >= 0) {
            int end = line.indexOf("\",\"", at + 8);
            texts.add(
                line.substring(at + 8, end < 0 ? line.length() : end)
                    .replace("\\n", "\n")
                    .replace("\\\"", "\""));
          }
        }
      }
    }
    return texts;
  }

  static List<Rule> bundledRules() {
    try (InputStream in = Scanner.class.getResourceAsStream("/dlp/rules.yaml")) {
      return RuleLoader.load(in);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
