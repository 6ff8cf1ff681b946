package org.complianceproxy.dlp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.List;
import org.complianceproxy.dlp.SeededCases.Gen;
import org.junit.jupiter.api.Test;

/**
 * A filter's DFA and the simulation of its NFA are two ways to run the same automaton: for every
 * bundled rule, the filter and group-span finder built with DFAs give the same answers as those
 * built without any ({@code maxDfaStates} 0), on seeded random text and on the corpus. Which
 * filters get a DFA is a size limit only, so raising it changes no finding.
 */
class DfaEquivalenceTest {

  private static final List<Rule> RULES = MatchFilterTest.bundledRules();

  /** Simulated twins of each rule's filter and group-span finder, in rule order. */
  private static final List<MatchFilter> SIMULATED_FILTERS =
      RULES.stream().map(r -> MatchFilter.of(r.pattern().pattern(), 0)).toList();

  private static final List<GroupSpan> SIMULATED_SPANS =
      RULES.stream().map(r -> GroupSpan.of(r.pattern().pattern(), 0)).toList();

  private static final MatchFilter.Scratch SCRATCH = new MatchFilter.Scratch();

  /** Chars of e-mails, phone numbers, IBANs, addresses and secrets, some non-ASCII. */
  private static final Gen<String> TEXTS =
      SeededCases.oneOf(
          SeededCases.strings("0123456789 -.+()@_/,:DEGBAKIxyzsk=\"'\n\téßÖ€", 80),
          SeededCases.strings("0123456789 +-.()", 40),
          SeededCases.strings("abcxyz.-_+@0123456789", 60),
          SeededCases.anyStrings(60));

  @Test
  void dfasAnswerAsTheSimulationOnRandomText() {
    SeededCases.forEachCase(
        400,
        random -> {
          String text = TEXTS.next(random);
          for (int r = 0; r < RULES.size(); r++) {
            assertSameAnswers(r, text);
          }
        });
  }

  @Test
  void dfasAnswerAsTheSimulationOnTheCorpus() throws IOException {
    List<String> texts = MatchFilterTest.corpusTexts();
    for (int i = 0; i < texts.size(); i += 5) {
      for (int r = 0; r < RULES.size(); r++) {
        assertSameAnswers(r, texts.get(i));
      }
    }
  }

  private static void assertSameAnswers(int r, String text) {
    Rule rule = RULES.get(r);
    MatchFilter dfa = rule.filter();
    MatchFilter simulated = SIMULATED_FILTERS.get(r);
    for (int from = 0; from < text.length(); from++) {
      int to = Math.min(text.length(), from + rule.maxLength() + 2);
      String where = String.format("%s at %d of %s", rule.id(), from, SeededCases.quote(text));
      assertThat(dfa.mayMatchAt(text, from, to, SCRATCH))
          .as("mayMatchAt " + where)
          .isEqualTo(simulated.mayMatchAt(text, from, to, SCRATCH));
      int end = dfa.onlyEnd(text, from, to, SCRATCH);
      assertThat(end).as("onlyEnd " + where).isEqualTo(simulated.onlyEnd(text, from, to, SCRATCH));
      // Group spans of the certain end, as the scanner asks for them, and of two other ends.
      for (int e : new int[] {end, to, from + (to - from) / 2}) {
        if (e >= from) {
          assertThat(rule.groupSpan().find(text, from, e, SCRATCH))
              .as("group span to %d, %s", e, where)
              .isEqualTo(SIMULATED_SPANS.get(r).find(text, from, e, SCRATCH));
        }
      }
    }
    assertThat(dfa.mayMatchIn(text, 0, text.length(), SCRATCH))
        .as("mayMatchIn %s in %s", rule.id(), SeededCases.quote(text))
        .isEqualTo(simulated.mayMatchIn(text, 0, text.length(), SCRATCH));
  }
}
