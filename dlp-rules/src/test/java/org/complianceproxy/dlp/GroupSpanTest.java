package org.complianceproxy.dlp;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.re2j.Matcher;
import java.io.IOException;
import java.util.List;
import java.util.Random;
import org.complianceproxy.dlp.SeededCases.Gen;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link GroupSpan} stands in for RE2J's capture pass, so wherever it gives an answer, the answer
 * must be RE2J's group 1. Checked against RE2J on the bundled rules, over the corpus and random
 * text strewn with values of the hot rules.
 */
class GroupSpanTest {

  private static final List<Rule> RULES = MatchFilterTest.bundledRules();

  private static final MatchFilter.Scratch SCRATCH =
      new MatchFilter.Scratch(
          RULES.stream().mapToInt(r -> r.groupSpan().states()).max().orElse(0) + 64);

  private static final Gen<String> PIECES =
      SeededCases.oneOf(
          SeededCases.of(
              List.of(
                  "4111 1111 1111 1111",
                  "4111 1111 1111 1111 123",
                  "4111-1111-1111-1111",
                  "4111111111111111.",
                  "+44 20 7946 0958",
                  "+1 (415) 555-2671",
                  "(415) 555-2671.",
                  "123-45-6789",
                  "ann.lee+x@mail.example.com",
                  "DE89 3704 0044 0532 0130 00",
                  "GB82WEST12345698765432",
                  "192.168.0.1.",
                  "2001:db8::1",
                  "AB 12 34 56 C")),
          SeededCases.strings("0123456789 -.+()@_/,:DEGBAKIxyzsk=\"'\n\téßÖ€\u212a", 12));

  @Test
  void answersAreRe2jsGroupOneInRandomText() {
    MatchFilterTest.forEachRuleOnRandomText(400, GroupSpanTest::text, GroupSpanTest::assertAgrees);
  }

  @Test
  void answersAreRe2jsGroupOneInTheCorpus() throws IOException {
    MatchFilterTest.forEachRuleOnTheCorpus(7, GroupSpanTest::assertAgrees);
  }

  @ParameterizedTest(name = "[{index}] {0} in \"{1}\"")
  @CsvSource(
      delimiter = ';',
      value = {
        "card-spaced         ; ' 4111 1111 1111 1111 and'   ; 1 ; 20",
        "card-plain          ; ' 4111111111111111. Next'    ; 1 ; 17",
        "ssn-dashed          ; 'ssn 123-45-6789 and'        ; 4 ; 15",
        "email               ; ' ann.lee@example.com and'   ; 1 ; 20",
        "phone-international ; ' +44 20 7946 0958 ssn'      ; 1 ; 17",
        "iban-grouped        ; ' DE89 3704 0044 0532 0130 00 x' ; 1 ; 28",
      })
  void hotRulesNeedNoCapturePass(String id, String text, int start, int end) {
    Rule rule = RULES.stream().filter(r -> r.id().equals(id)).findFirst().orElseThrow();
    Matcher m = rule.pattern().matcher(text.substring(start - 1));
    assertThat(m.lookingAt()).isTrue();
    long span = rule.groupSpan().find(text, start - 1 + m.start(), start - 1 + m.end(), SCRATCH);
    assertThat(span).isEqualTo(((long) start << 32) | end);
    assertThat(start - 1 + m.start(1)).isEqualTo(start);
    assertThat(start - 1 + m.end(1)).isEqualTo(end);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = ';',
      value = {
        "[0-9]+",
        "(a)|(b)",
        "x(a)?",
        "(?:x|(a))",
        "(?i)x(a)",
        "x*(a)",
      })
  void patternsOfAnotherShapeAreLeftToRe2j(String regex) {
    assertThat(GroupSpan.of(regex)).isSameAs(GroupSpan.NONE);
    assertThat(GroupSpan.NONE.find("aaa", 0, 3, SCRATCH)).isEqualTo(GroupSpan.UNKNOWN);
  }

  private static String text(Random random) {
    StringBuilder text = new StringBuilder();
    int pieces = SeededCases.between(random, 1, 8);
    for (int i = 0; i < pieces; i++) {
      text.append(PIECES.next(random));
    }
    return text.toString();
  }

  /** At each start, as the scanner slices the text, and over the whole text as windows are read. */
  private static void assertAgrees(Rule rule, String text) {
    for (int start = 0; start < text.length(); start++) {
      int from = start == 0 ? 0 : start - 1;
      int to = Math.min(text.length(), start + rule.maxLength() + 1);
      Matcher m = rule.pattern().matcher(text.substring(from, to));
      if (m.lookingAt()) {
        assertSameGroup(rule, text, from, m);
      }
    }
    Matcher m = rule.pattern().matcher(text);
    for (int pos = 0; pos <= text.length() && m.find(pos); pos = Math.max(pos + 1, m.end())) {
      assertSameGroup(rule, text, 0, m);
    }
  }

  private static void assertSameGroup(Rule rule, String text, int offset, Matcher m) {
    long span = rule.groupSpan().find(text, offset + m.start(), offset + m.end(), SCRATCH);
    if (span != GroupSpan.UNKNOWN) {
      assertThat(span)
          .as("%s on %s at %d", rule.id(), SeededCases.quote(text), offset)
          .isEqualTo(((long) (offset + m.start(1)) << 32) | (offset + m.end(1)));
    }
  }
}
