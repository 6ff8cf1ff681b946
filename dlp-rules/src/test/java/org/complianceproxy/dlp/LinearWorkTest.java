package org.complianceproxy.dlp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The scanner's work is counted, not timed: pattern tries, chars handed to RE2J and candidates
 * handed to validators must stay within a fixed multiple of the input length, however hostile the
 * input.
 */
class LinearWorkTest {

  private static final int TEN_MIB = 10 * 1024 * 1024;

  /** Rules in the bundled file. */
  private static final int RULES = 9;

  /** Longest slice a try reads: the e-mail rule's max_length (254) plus two chars. */
  private static final int LONGEST_SLICE = 256;

  private static String repeat(String unit, int length) {
    StringBuilder text = new StringBuilder(length + unit.length());
    while (text.length() < length) {
      text.append(unit);
    }
    text.setLength(length);
    return text.toString();
  }

  @ParameterizedTest(name = "[{index}] 10 MiB of \"{0}\"")
  @ValueSource(strings = {"7", "@", "4", "@@.", "++", "-@"})
  void tenMebibytesOfDigitsOrAtSignsTryNoPatternAtAll(String unit) {
    String text = repeat(unit, TEN_MIB);
    ScanCounters counters = new ScanCounters();
    List<Finding> findings = Scanner.defaults().scan(text, counters);
    assertThat(findings).isEmpty();
    // A digit run longer than every finding, or an '@' with no letter or digit after it, is no
    // prefilter hit, so no pattern is tried and no validator runs.
    assertThat(counters.attempts).isZero();
    assertThat(counters.searchedChars).isZero();
    assertThat(counters.validatorCalls).isZero();
  }

  @ParameterizedTest(name = "[{index}] \"{0}\" repeated")
  @CsvSource(
      delimiter = '|',
      value = {
        // unit                         | most tries per char | most validator calls per char
        "'4111111111111112 '            | 0.3                 | 0.07",
        "'4111 1111 1111 1112 '         | 1.1                 | 0.3",
        "'1 '                           | 2.5                 | 0",
        "'(1 +1 '                       | 4                   | 0",
        "'a@'                           | 0.5                 | 0",
        "'@1'                           | 3                   | 0",
        "'415-555-2671 '                | 1.2                 | 0.2",
        "'123-45-6789,'                 | 1.2                 | 0.2",
        "'a@b.co '                      | 0.15                | 0.15",
        "'a@b@c.d@'                     | 0.5                 | 0.3",
        "'DE88 3704 0044 0532 0130 00 ' | 1.2                 | 0.5",
        "'+1 (415) 555-2671-'           | 2                   | 0.3",
        "'+1 2 3 4 5 6 7 8 9 '          | 3                   | 0.5",
        "'AB12 '                        | 1.2                 | 1.6",
      })
  void hostileRepetitionsCostLinearWork(
      String unit, double triesPerChar, double validatorCallsPerChar) {
    int length = 256 * 1024;
    String text = repeat(unit, length);
    ScanCounters counters = new ScanCounters();
    Scanner.defaults().scan(text, counters);
    // Each char starts at most one try per rule; the table pins the actual, much lower, rates.
    assertThat(counters.attempts).isLessThanOrEqualTo((long) RULES * length);
    assertThat(counters.attempts).isLessThanOrEqualTo((long) (triesPerChar * length) + 1);
    assertThat(counters.searchedChars).isLessThanOrEqualTo(2L * LONGEST_SLICE * counters.attempts);
    assertThat(counters.validatorCalls)
        .isLessThanOrEqualTo((long) (validatorCallsPerChar * length) + 1);
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @ValueSource(
      strings = {
        "Plain prose with no digits and no at sign costs the prefilter pass only.",
        "Emails are written as name at example dot com; handles as @ name.",
      })
  void textWithoutTriggersTriesNoPattern(String text) {
    ScanCounters counters = new ScanCounters();
    assertThat(Scanner.defaults().scan(text, counters)).isEmpty();
    assertThat(counters.attempts).isZero();
  }

  @ParameterizedTest(name = "[{index}] {0} chars of prose")
  @ValueSource(ints = {1_000, 10_000, 1_000_000})
  void patternWorkOnProseWithOneCardIsIndependentOfProseLength(int proseLength) {
    String text = repeat("lorem ipsum dolor sit amet ", proseLength) + " 4111111111111111 ";
    ScanCounters counters = new ScanCounters();
    assertThat(Scanner.defaults().scan(text, counters)).hasSize(1);
    // One try at the card for each digit rule whose max_length admits a 16-digit run.
    assertThat(counters.attempts).isEqualTo(4);
    assertThat(counters.validatorCalls).isEqualTo(1);
  }
}
