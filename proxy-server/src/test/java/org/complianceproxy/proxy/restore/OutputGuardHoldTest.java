package org.complianceproxy.proxy.restore;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.complianceproxy.dlp.Policy;
import org.complianceproxy.dlp.Scanner;
import org.junit.jupiter.api.Test;

/**
 * How much of an ordinary answer the output guard holds back while it streams in word-sized deltas,
 * counted in chars and in deltas (not timed): the time to first token it adds.
 */
class OutputGuardHoldTest {

  private static final String FIELD = "choices/0/delta/content";
  private static final Scanner SCANNER = Scanner.defaults();

  static final List<String> ANSWERS =
      List.of(
          "Hello! How can I help you today?",
          "Sure, here is a short summary of the account and the next steps for your refund.",
          "I'm sorry, but I can't help with that request. Is there anything else I can do?",
          "The quick brown fox jumps over the lazy dog. It was a sunny day in the park.",
          "To reset your password, open Settings, choose Security and follow the steps there.",
          "Your order was shipped on Monday and should arrive by Friday, according to the tracker.",
          "Here are three options:\n1. Call the support line.\n2. Write an email.\n3. Visit us.",
          "Dear customer, thank you for your patience. We have received your request and will"
              + " reply within two business days. Kind regards, the Support Team");

  /** The answer as a model streams it: each word with the space before it. */
  static List<String> deltas(String answer) {
    List<String> deltas = new ArrayList<>();
    int start = 0;
    for (int i = 1; i <= answer.length(); i++) {
      if (i == answer.length() || answer.charAt(i) == ' ' || answer.charAt(i) == '\n') {
        deltas.add(answer.substring(start, i));
        start = i;
      }
    }
    return deltas;
  }

  /** Chars held back after each delta; checks that the guard releases the whole answer. */
  static int[] heldAfterEachDelta(String answer) {
    OutputGuard guard =
        new OutputGuard(
            new OutputCheck(text -> SCANNER.scanOutput(text, Policy.DEFAULT), OutputListener.NONE),
            FIELD);
    List<String> deltas = deltas(answer);
    int[] held = new int[deltas.size()];
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < deltas.size(); i++) {
      out.append(guard.feed(deltas.get(i)));
      held[i] = guard.heldLength();
    }
    out.append(guard.finish());
    assertThat(out.toString()).isEqualTo(answer);
    return held;
  }

  /**
   * Prints, per answer, after which delta the first text leaves and the chars held after each delta
   * (the figures of issue 7), and checks that nothing is held across the end of a sentence: the
   * words before "! " or "? " have left by the time the next word begins.
   */
  @Test
  void ordinaryAnswersAreHeldBackOnlyAfterTheirLastSentenceEnd() {
    long heldSum = 0;
    int deltaCount = 0;
    for (String answer : ANSWERS) {
      int[] held = heldAfterEachDelta(answer);
      List<String> deltas = deltas(answer);
      int firstRelease = -1;
      int max = 0;
      int sent = 0;
      for (int i = 0; i < held.length; i++) {
        sent += deltas.get(i).length();
        String heldText = answer.substring(sent - held[i], sent);
        assertThat(heldText).doesNotContain("! ", "? ");
        if (firstRelease < 0 && sent > held[i]) {
          firstRelease = i;
        }
        heldSum += held[i];
        max = Math.max(max, held[i]);
      }
      deltaCount += held.length;
      System.out.printf(
          "first text out after delta %d of %d, held max %d: %s%n",
          firstRelease + 1, held.length, max, Arrays.toString(held));
    }
    System.out.printf(
        "held chars per delta, mean over all answers: %.2f%n", (double) heldSum / deltaCount);
  }

  /**
   * The proxy's own tokens carry digits and capitals, but they are never findings nor the context
   * of one: the words after a token leave as soon as they end, however many tokens an answer has.
   */
  @Test
  void wordsAfterATokenAreNotHeldBackForContext() {
    String answer =
        "Your card <<CARD_0A9ZK37Q3X>> is on file, write to <<EMAIL_1B8YJ26P2W>> or call"
            + " <<PHONE_2C7XH15N1V>> and say hello to everyone there when you are done.";
    List<String> deltas = deltas(answer);
    int[] held = heldAfterEachDelta(answer);
    for (int i = 0; i < held.length; i++) {
      // the delta just received (a whole token, or a word that may still grow), or a short word
      // and the one after it ("is on" may still be part of a name), never the words after a token
      assertThat(held[i])
          .as("held after %s: %s", deltas.get(i), java.util.Arrays.toString(held))
          .isLessThanOrEqualTo(Math.max(deltas.get(i).length(), 8));
    }
  }
}
