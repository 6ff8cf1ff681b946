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
  private static final int RULES = bundledRules();

  private static int bundledRules() {
    try (java.io.InputStream in = LinearWorkTest.class.getResourceAsStream("/dlp/rules.yaml")) {
      return RuleLoader.load(in).size();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

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
        // unit                         | most tries | most chars to RE2J | most validator calls
        //                              |   per char of input (about 1.5 times what was measured)
        "'4111111111111112 '            | 0.7        | 15                 | 0.1",
        "'4111 1111 1111 1112 '         | 3          | 60                 | 0.3",
        "'1 '                           | 2.3        | 46                 | 0",
        "'(1 +1 '                       | 2.3        | 52                 | 0",
        "'a@'                           | 0.75       | 192                | 0",
        "'@1'                           | 3          | 238                | 0",
        "'415-555-2671 '                | 3.3        | 65                 | 0.12",
        "'123-45-6789,'                 | 3.5        | 73                 | 0.13",
        "'a@b.co '                      | 0.22       | 55                 | 0.22",
        "'a@b@c.d@'                     | 0.56       | 144                | 0.1",
        "'DE88 3704 0044 0532 0130 00 ' | 2.6        | 55                 | 0.54",
        "'+1 (415) 555-2671-'           | 3.5        | 78                 | 0.17",
        "'+1 2 3 4 5 6 7 8 9 '          | 2.5        | 52                 | 0.1",
        "'AB12 '                        | 1.5        | 38                 | 2.4",
        "'password: '                   | 0.01       | 4.2                | 0.15",
        "'secret_access_key = '         | 0.01       | 6                  | 0.08",
        "'Street 1 '                    | 0.17       | 5.2                | 0.1",
        "'AB 12 '                       | 0.75       | 14                 | 0.1",
        "'::1:'                         | 0.75       | 15                 | 0.1",
        "'-----BEGIN PRIVATE KEY-----'  | 0.01       | 5.5                | 0.1",
      })
  void hostileRepetitionsCostLinearWork(
      String unit, double triesPerChar, double charsPerChar, double validatorCallsPerChar) {
    int length = 256 * 1024;
    String text = repeat(unit, length);
    ScanCounters counters = new ScanCounters();
    Scanner.defaults().scan(text, counters);
    // Each char starts at most one try per rule; the table pins the actual, much lower, rates.
    assertThat(counters.attempts).isLessThanOrEqualTo((long) RULES * length);
    assertThat(counters.attempts).isLessThanOrEqualTo((long) (triesPerChar * length) + 1);
    assertThat(counters.searchedChars).isLessThanOrEqualTo((long) (charsPerChar * length) + 1);
    assertThat(counters.validatorCalls)
        .isLessThanOrEqualTo((long) (validatorCallsPerChar * length) + 1);
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @ValueSource(ints = {16 * 1024, 64 * 1024, 256 * 1024})
  void workPerCharDoesNotGrowWithLength(int length) {
    // The same hostile mix at three lengths: work per char stays flat (linear total work).
    String unit = "415-555-2671 4111 1111 1111 1112 a@b@c Street 1 password: x ::1: AB 12 ";
    ScanCounters small = new ScanCounters();
    Scanner.defaults().scan(repeat(unit, 4 * 1024), small);
    ScanCounters big = new ScanCounters();
    Scanner.defaults().scan(repeat(unit, length), big);
    double ratio = (double) length / (4 * 1024);
    assertThat((double) big.searchedChars)
        .isLessThanOrEqualTo(small.searchedChars * ratio * 1.1 + 64);
    assertThat((double) big.attempts).isLessThanOrEqualTo(small.attempts * ratio * 1.1 + 8);
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @ValueSource(
      strings = {
        "simple words with no digits and no at sign cost one quick look only.",
        "emails are written as name at example dot com; handles as @ name.",
      })
  void textWithoutTriggersTriesNoPattern(String text) {
    ScanCounters counters = new ScanCounters();
    assertThat(Scanner.defaults().scan(text, counters)).isEmpty();
    assertThat(counters.attempts).isZero();
  }

  @ParameterizedTest(name = "[{index}] {0} chars of prose")
  @ValueSource(ints = {1_000, 10_000, 1_000_000})
  void patternWorkOnProseWithOneCardIsIndependentOfProseLength(int proseLength) {
    String card = " 4111111111111111 ";
    ScanCounters alone = new ScanCounters();
    assertThat(Scanner.defaults().scan(card, alone)).hasSize(1);
    String text = repeat("lorem ipsum dolor sit amet ", proseLength) + card;
    ScanCounters counters = new ScanCounters();
    assertThat(Scanner.defaults().scan(text, counters)).hasSize(1);
    // Prose without digits, '@', capitals or context words costs the prefilter pass only.
    assertThat(counters.attempts).isEqualTo(alone.attempts);
    assertThat(counters.searchedChars).isEqualTo(alone.searchedChars);
    assertThat(counters.validatorCalls).isEqualTo(alone.validatorCalls);
  }
}
