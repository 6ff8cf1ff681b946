package org.complianceproxy.dlp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NormalizationTest {

  @ParameterizedTest(name = "[{index}] {0} {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "CARD  | 4111 1111 1111 1111         | 4111111111111111",
        "CARD  | 4111-1111-1111-1111         | 4111111111111111",
        "CARD  | 4111111111111111            | 4111111111111111",
        "SSN   | 123-45-6789                 | 123456789",
        "IBAN  | DE89 3704 0044 0532 0130 00 | DE89370400440532013000",
        "IBAN  | gb82west12345698765432      | GB82WEST12345698765432",
        "EMAIL | John.Doe@Example.COM        | john.doe@example.com",
        "PHONE | +1 415-555-2671             | +14155552671",
        "PHONE | (415) 555-2671              | +14155552671",
        "PHONE | 415.555.2671                | +14155552671",
        "PHONE | +44 20 7946 0958            | +442079460958",
        "PHONE | +44 (0)20 7946 0958         | +442079460958",
      })
  void valueHasItsCanonicalForm(EntityType type, String value, String canonical) {
    assertThat(Normalization.normalize(type, value)).isEqualTo(canonical);
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "+12            | +12",
        "abc 12-34      | 1234",
      })
  void unreadablePhoneFallsBackToItsDigits(String value, String canonical) {
    assertThat(Normalization.normalize(EntityType.PHONE, value)).isEqualTo(canonical);
  }

  @Test
  void namesAndAddressesCollapseWhiteSpaceLikeTheRegexBackslashS() {
    // Runs of \s (space, tab, LF, VT, FF, CR) become one space; other white space is kept inside.
    char[] alphabet = {'a', 'B', 'ß', ' ', '\t', '\n', '\u000B', '\f', '\r', '\u00A0', '\u2003'};
    Random random = new Random(SeededCases.SEED);
    for (int i = 0; i < 2_000; i++) {
      StringBuilder value = new StringBuilder();
      for (int n = random.nextInt(12); n > 0; n--) {
        value.append(alphabet[random.nextInt(alphabet.length)]);
      }
      String expected = value.toString().strip().replaceAll("\\s+", " ").toLowerCase(Locale.ROOT);
      assertThat(Normalization.normalize(EntityType.NAME, value))
          .as("value %s", value.toString().codePoints().boxed().toList())
          .isEqualTo(expected);
      assertThat(Normalization.normalize(EntityType.ADDRESS, value)).isEqualTo(expected);
    }
  }
}
