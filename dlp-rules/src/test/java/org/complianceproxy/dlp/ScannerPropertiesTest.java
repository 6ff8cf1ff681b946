package org.complianceproxy.dlp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.complianceproxy.dlp.SeededCases.Gen;
import org.junit.jupiter.api.Test;

class ScannerPropertiesTest {

  private static final Scanner SCANNER = Scanner.defaults();
  private static final Map<String, Rule> RULES = bundledRulesById();

  /** Values every rule must find when they stand alone between spaces. */
  private static final List<String> PLANTED =
      List.of(
          "4111111111111111",
          "4111 1111 1111 1111",
          "3714-496353-98431",
          "123-45-6789",
          "john.doe@example.com",
          "+44 20 7946 0958",
          "(415) 555-2671",
          "DE89 3704 0044 0532 0130 00",
          "GB82WEST12345698765432");

  @Test
  void anyStringGivesSortedNonOverlappingFindingsInBounds() {
    SeededCases.forEachCase(
        2000,
        random -> {
          String text = ANY_TEXTS.next(random);
          assertWellFormed(text, SCANNER.scan(text));
        });
  }

  @Test
  void nearMissStringsGiveFindingsThatRevalidate() {
    SeededCases.forEachCase(
        3000,
        random -> {
          String text = NEAR_MISSES.next(random);
          List<Finding> findings = SCANNER.scan(text);
          assertWellFormed(text, findings);
          for (Finding f : findings) {
            String value = text.substring(f.start(), f.end());
            Rule rule = RULES.get(f.ruleId());
            assertThat(rule.validator().accepts(value))
                .as("%s re-validates %s in %s", rule.id(), value, SeededCases.quote(text))
                .isTrue();
            assertThat(value.length())
                .as("%s: length of %s in %s", rule.id(), value, SeededCases.quote(text))
                .isLessThanOrEqualTo(rule.maxLength());
            assertThat(SCANNER.scan(value))
                .as("%s alone", value)
                .extracting(Finding::start, Finding::end, Finding::type)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(0, value.length(), f.type()));
          }
        });
  }

  @Test
  void plantedValueIsFoundWhateverSurroundsIt() {
    SeededCases.forEachCase(
        1000,
        random -> {
          String before = NEAR_MISSES.next(random);
          String value = PLANTED_VALUES.next(random);
          String after = NEAR_MISSES.next(random);
          String text = before + " " + value + " " + after;
          int start = before.length() + 1;
          List<Finding> findings = SCANNER.scan(text);
          assertWellFormed(text, findings);
          // A finding overlaps the value: usually the value itself or a longer finding it is part
          // of. Not always all of it: in "4040 4111 1111 1111 1111" the first 16 digits pass Luhn
          // too, and the earlier of two equally long, equally confident findings wins.
          assertThat(findings)
              .as("findings in %s", SeededCases.quote(text))
              .anySatisfy(
                  f -> {
                    assertThat(f.start()).isLessThan(start + value.length());
                    assertThat(f.end()).isGreaterThan(start);
                  });
        });
  }

  /** Any text of up to 300 chars. */
  private static final Gen<String> ANY_TEXTS = SeededCases.anyStrings(300);

  private static final Gen<String> PLANTED_VALUES = SeededCases.of(PLANTED);

  /** Digits, separators and the characters of e-mails and IBANs: candidates are frequent. */
  private static final Gen<String> NOISE =
      SeededCases.strings("0123456789 -.+()@_/,:DEGBxyz\n", 80);

  /** Noise alone, or a planted value between two pieces of noise. */
  private static final Gen<String> NEAR_MISSES =
      SeededCases.oneOf(
          NOISE,
          random -> {
            String p = PLANTED_VALUES.next(random);
            String a = NOISE.next(random);
            String b = NOISE.next(random);
            return a + p + b;
          });

  private static void assertWellFormed(String text, List<Finding> findings) {
    int previousEnd = 0;
    for (Finding f : findings) {
      assertThat(f.start())
          .as("%s in %s", f, SeededCases.quote(text))
          .isGreaterThanOrEqualTo(previousEnd);
      assertThat(f.end())
          .as("%s in %s", f, SeededCases.quote(text))
          .isGreaterThan(f.start())
          .isLessThanOrEqualTo(text.length());
      previousEnd = f.end();
    }
  }

  private static Map<String, Rule> bundledRulesById() {
    try (InputStream in = ScannerPropertiesTest.class.getResourceAsStream("/dlp/rules.yaml")) {
      return RuleLoader.load(in).stream().collect(Collectors.toMap(Rule::id, Function.identity()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
