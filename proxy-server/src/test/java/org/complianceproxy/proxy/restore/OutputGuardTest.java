package org.complianceproxy.proxy.restore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.complianceproxy.dlp.Action;
import org.complianceproxy.dlp.EntityType;
import org.complianceproxy.dlp.Finding;
import org.complianceproxy.dlp.Policy;
import org.complianceproxy.dlp.Scanner;
import org.complianceproxy.proxy.error.ProxyError;
import org.complianceproxy.proxy.error.ProxyException;
import org.complianceproxy.proxy.testing.PiiCorpus;
import org.complianceproxy.proxy.testing.SeededRandom;
import org.complianceproxy.proxy.token.TokenLookup;
import org.complianceproxy.proxy.token.TokenLookup.Restoration;
import org.junit.jupiter.api.Test;

class OutputGuardTest {

  private static final String FIELD = "choices/0/delta/content";
  private static final String CARD_TOKEN = "<<CARD_7K3QZ9XW2M>>";
  private static final String EMAIL_TOKEN = "<<EMAIL_ABCDEFGHJK>>";
  private static final String SSN_TOKEN = "<<SSN_0123456789>>";
  // restored values are personal data themselves: the guard must never see them
  private static final Map<String, Restoration> KNOWN =
      Map.of(
          CARD_TOKEN, new Restoration("4111 1111 1111 1111", EntityType.CARD, "request"),
          EMAIL_TOKEN, new Restoration("jane.doe@example.com", EntityType.EMAIL, "vault"),
          SSN_TOKEN, new Restoration("123-45-6789", EntityType.SSN, "request"));
  private static final TokenLookup LOOKUP = token -> KNOWN.get(token.toString());

  private static final Scanner SCANNER = Scanner.defaults();

  private static final String[] FILLER = {
    "Sure,",
    "here",
    "is",
    "what",
    "I",
    "found:",
    "the",
    "account",
    "looks",
    "fine.",
    "Thanks!",
    "Regards,",
    "Dear",
    "customer",
    "\n",
    "-",
    "(see",
    "below)",
    "and",
    "your",
    "details",
    "are",
    "Please",
    "note",
    "that",
    "version",
    "2.4.1",
    "on",
    "2024-03-15",
    "order",
    "#4821",
    "for",
    "$1,234.56",
    "😀",
    "über",
    "Straße",
    "a<b",
    "<<",
    "<<CARD_",
    ">>",
    "de",
    "la",
    "Maria",
    "Garcia",
    "John",
    "Smith",
    "Mr",
    "Dr.",
    "London",
    "Main",
    "Street",
    "Hello!",
    "How",
    "can",
    "today?",
    "Why?",
    "Really!"
  };

  /** Records every finding the guard reports, without the values. */
  private static final class Recorder implements OutputListener {
    final List<String> findings = new ArrayList<>();

    @Override
    public void found(Finding finding, CharSequence value, String field) {
      assertThat(field).isEqualTo(FIELD);
      assertThat(value.length()).isEqualTo(finding.length());
      findings.add(
          finding.start()
              + ".."
              + finding.end()
              + " "
              + finding.type()
              + " "
              + finding.ruleId()
              + " "
              + finding.action());
    }
  }

  private static OutputCheck check(Policy policy, OutputListener listener) {
    return new OutputCheck(text -> SCANNER.scanOutput(text, policy), listener);
  }

  /** A chat answer: filler words, personal data of the corpus, and the proxy's own tokens. */
  private static String answer(Random random, PiiCorpus corpus) {
    StringBuilder text = new StringBuilder();
    int parts = SeededRandom.between(random, 1, 40);
    for (int i = 0; i < parts; i++) {
      if (text.length() > 0) {
        text.append(random.nextInt(8) == 0 ? "\n" : " ");
      }
      switch (random.nextInt(10)) {
        case 0 -> text.append(corpus.message().text());
        case 1 ->
            text.append(
                switch (random.nextInt(5)) {
                  case 0 -> corpus.card();
                  case 1 -> corpus.email();
                  case 2 -> corpus.phone();
                  case 3 -> corpus.iban();
                  default -> corpus.ssn();
                });
        case 2 -> text.append(SeededRandom.of(CARD_TOKEN, EMAIL_TOKEN, SSN_TOKEN).next(random));
        default -> text.append(FILLER[random.nextInt(FILLER.length)]);
      }
    }
    return text.toString();
  }

  /** Cuts {@code text} into pieces of 1..max chars, never inside a surrogate pair. */
  private static List<String> pieces(String text, Random random) {
    int max = SeededRandom.between(random, 1, 12);
    List<String> pieces = new ArrayList<>();
    int i = 0;
    while (i < text.length()) {
      int end = Math.min(text.length(), i + SeededRandom.between(random, 1, max));
      if (end < text.length() && Character.isHighSurrogate(text.charAt(end - 1))) {
        end++;
      }
      pieces.add(text.substring(i, end));
      i = end;
    }
    return pieces;
  }

  /** What the guard releases for {@code text} fed in random pieces, its end included. */
  private static String streamed(OutputGuard guard, String text, Random random) {
    StringBuilder out = new StringBuilder();
    for (String piece : pieces(text, random)) {
      out.append(guard.feed(piece));
    }
    return out.append(guard.finish()).toString();
  }

  /** What the answer stream releases for {@code text} fed in random pieces, its end included. */
  private static String streamedAnswer(AnswerStream stream, String text, Random random) {
    StringBuilder out = new StringBuilder();
    for (String piece : pieces(text, random)) {
      out.append(stream.feed(piece));
    }
    return out.append(stream.finish()).toString();
  }

  @Test
  void anyChunkingGivesWhatTheWholeAnswerGives() {
    SeededRandom.forEachCase(
        200,
        random -> {
          PiiCorpus corpus = new PiiCorpus(random.nextLong());
          String text = answer(random, corpus);
          Recorder whole = new Recorder();
          String expected = OutputGuard.guardAll(text, check(Policy.DEFAULT, whole), FIELD);

          Recorder streamed = new Recorder();
          OutputGuard guard = new OutputGuard(check(Policy.DEFAULT, streamed), FIELD);
          StringBuilder out = new StringBuilder();
          for (String piece : pieces(text, random)) {
            out.append(guard.feed(piece));
            assertThat(guard.heldLength()).isLessThanOrEqualTo(OutputGuard.MAX_HOLD);
          }
          out.append(guard.finish());

          assertThat(out.toString()).isEqualTo(expected);
          assertThat(streamed.findings).isEqualTo(whole.findings);
          assertThat(guard.isHolding()).isFalse();
        });
  }

  @Test
  void tokensAndTheModelsOwnValuesSideBySideGiveTheWholeAnswersResult() {
    String text =
        "Ticket #4821 — re: refund of $1,234.56 on 2024-03-15. SSN: "
            + SSN_TOKEN
            + ". Write to "
            + EMAIL_TOKEN
            + " please. My card is "
            + CARD_TOKEN
            + ", expiring soon.\nAlso: the card 4111 1111 1111 1111, mail ann.lee@example.org,"
            + " IBAN DE89 3704 0044 0532 0130 00 and SSN 123-45-6789 are on file.";
    Recorder whole = new Recorder();
    String expected = OutputGuard.guardAll(text, check(Policy.DEFAULT, whole), FIELD);
    assertThat(expected)
        .contains(". Write to " + EMAIL_TOKEN)
        .endsWith(
            "the card ****1111, mail a***@example.org, IBAN DE****3000 and SSN ***-**-6789 are on"
                + " file.");
    SeededRandom.forEachCase(
        300,
        random -> {
          Recorder streamed = new Recorder();
          OutputGuard guard = new OutputGuard(check(Policy.DEFAULT, streamed), FIELD);
          String out = streamed(guard, text, random);
          assertThat(out).isEqualTo(expected);
          assertThat(streamed.findings).isEqualTo(whole.findings);
        });
  }

  @Test
  void personalDataTheModelProducedIsMaskedWhateverTheChunking() {
    SeededRandom.forEachCase(
        200,
        random -> {
          PiiCorpus corpus = new PiiCorpus(random.nextLong());
          PiiCorpus.Message message = corpus.message();
          OutputGuard guard = new OutputGuard(check(Policy.DEFAULT, OutputListener.NONE), FIELD);
          String out = streamed(guard, message.text(), random);
          for (String value : message.piiValues()) {
            assertThat(out).doesNotContain(value);
          }
        });
  }

  @Test
  void tokensAreRestoredByteExactAndTheirValuesAreNeverMasked() {
    SeededRandom.forEachCase(
        100,
        random -> {
          PiiCorpus corpus = new PiiCorpus(random.nextLong());
          String text = answer(random, corpus) + " " + CARD_TOKEN + " " + EMAIL_TOKEN;
          Recorder whole = new Recorder();
          List<String> wholeRestores = new ArrayList<>();
          String expected =
              AnswerStream.whole(
                  text,
                  LOOKUP,
                  FIELD,
                  (token, restoration, field) -> wholeRestores.add(token),
                  check(Policy.DEFAULT, whole));

          Recorder streamed = new Recorder();
          List<String> streamedRestores = new ArrayList<>();
          AnswerStream stream =
              new AnswerStream(
                  LOOKUP,
                  FIELD,
                  (token, restoration, field) -> streamedRestores.add(token),
                  check(Policy.DEFAULT, streamed));
          String out = streamedAnswer(stream, text, random);

          assertThat(out).isEqualTo(expected);
          assertThat(streamedRestores).isEqualTo(wholeRestores).contains(CARD_TOKEN, EMAIL_TOKEN);
          assertThat(streamed.findings).isEqualTo(whole.findings);
          assertThat(out)
              .contains("4111 1111 1111 1111")
              .contains("jane.doe@example.com")
              .doesNotContain("<<CARD_7K3QZ9XW2M>>");
        });
  }

  @Test
  void textWithoutFindingsPassesUnchanged() {
    String letters = SeededRandom.charRange('a', 'z') + "  .,;!?'\"()\n-<>";
    SeededRandom.forEachCase(
        200,
        random -> {
          String text = SeededRandom.strings(letters, 0, 400).next(random);
          Recorder recorder = new Recorder();
          OutputGuard guard = new OutputGuard(check(Policy.DEFAULT, recorder), FIELD);
          String out = streamed(guard, text, random);
          assertThat(out).isEqualTo(text);
          assertThat(recorder.findings).isEmpty();
        });
  }

  @Test
  void lowercaseProseWaitsForOneWordAtMost() {
    SeededRandom.Gen<String> word = SeededRandom.strings(SeededRandom.charRange('a', 'z'), 4, 9);
    SeededRandom.Gen<String> gap = SeededRandom.of(" ", ", ", ".\n", "; ");
    SeededRandom.forEachCase(
        100,
        random -> {
          StringBuilder text = new StringBuilder(word.next(random));
          for (int i = SeededRandom.between(random, 0, 60); i > 0; i--) {
            text.append(gap.next(random)).append(word.next(random));
          }
          OutputGuard guard = new OutputGuard(check(Policy.DEFAULT, OutputListener.NONE), FIELD);
          StringBuilder out = new StringBuilder();
          for (String piece : pieces(text.toString(), random)) {
            out.append(guard.feed(piece));
            String held = text.substring(out.length(), out.length() + guard.heldLength());
            assertThat(held).doesNotContainAnyWhitespaces();
          }
          out.append(guard.finish());
          assertThat(out.toString()).isEqualTo(text.toString());
        });
  }

  @Test
  void aTokensLettersAreNeverContextForTheModelsText() {
    // the body ends in a digit and "M": read as a word, "M. Write" would be a title and a name
    String text = "SSN: <<SSN_0A9ZK37Q3M>>. Write to <<EMAIL_ABCDEFGHJK>> please.";
    Recorder recorder = new Recorder();
    assertThat(OutputGuard.guardAll(text, check(Policy.DEFAULT, recorder), FIELD)).isEqualTo(text);
    assertThat(recorder.findings).isEmpty();
    assertThat(OutputGuard.withBlankTokens(text))
        .isEqualTo("SSN: <<______________>>. Write to <<________________>> please.");
  }

  @Test
  void aCardSplitAcrossTwoDeltasIsMaskedWhole() {
    Recorder recorder = new Recorder();
    OutputGuard guard = new OutputGuard(check(Policy.DEFAULT, recorder), FIELD);
    String first = guard.feed("Your card 4111 1111");
    String second = guard.feed(" 1111 1111");
    String third = guard.feed(" was charged today.");
    String rest = guard.finish();

    assertThat(first).isEqualTo("Your card ");
    assertThat(second).isEmpty();
    assertThat(first + second + third + rest).isEqualTo("Your card ****1111 was charged today.");
    assertThat(recorder.findings).containsExactly("10..29 CARD card-spaced MASK");
  }

  @Test
  void anEmailIsHeldUntilItsWordEnds() {
    OutputGuard guard = new OutputGuard(check(Policy.DEFAULT, OutputListener.NONE), FIELD);
    assertThat(guard.feed("write to ann.lee")).isEqualTo("write to ");
    assertThat(guard.feed("@example")).isEmpty();
    assertThat(guard.feed(".com now")).isEqualTo("a***@example.com ");
    assertThat(guard.finish()).isEqualTo("now");
  }

  @Test
  void outputActionsOfThePolicyApplyAndTokenizeOrBlockMeanMask() {
    Policy policy =
        Policy.builder()
            .outputAction(EntityType.EMAIL, Action.REDACT)
            .outputAction(EntityType.SSN, Action.ALLOW)
            .outputAction(EntityType.CARD, Action.TOKENIZE)
            .outputAction(EntityType.IBAN, Action.BLOCK)
            .build();
    Recorder recorder = new Recorder();
    String out =
        OutputGuard.guardAll(
            "mail ann.lee@example.com ssn 123-45-6789 card 4111111111111111"
                + " iban DE89370400440532013000",
            check(policy, recorder),
            FIELD);
    assertThat(out).isEqualTo("mail [EMAIL] ssn 123-45-6789 card ****1111 iban DE****3000");
    assertThat(recorder.findings)
        .extracting(f -> f.substring(f.lastIndexOf(' ') + 1))
        .containsExactly("REDACT", "ALLOW", "MASK", "MASK");
  }

  @Test
  void aFailingScanRefusesToPassTheAnswerOn() {
    OutputGuard guard =
        new OutputGuard(
            new OutputCheck(
                text -> {
                  throw new IllegalStateException("scanner broke on 4111 1111 1111 1111");
                },
                OutputListener.NONE),
            FIELD);
    assertThatThrownBy(() -> guard.feed("hello "))
        .isInstanceOfSatisfying(
            ProxyException.class, e -> assertThat(e.error()).isEqualTo(ProxyError.SANITIZER_FAILED))
        .hasMessageNotContaining("4111");
  }

  @Test
  void aGreetingIsReleasedAsSoonAsTheNextWordBegins() {
    OutputGuard guard = new OutputGuard(check(Policy.DEFAULT, OutputListener.NONE), FIELD);
    assertThat(guard.feed("Hello!")).isEmpty();
    assertThat(guard.feed(" How")).isEqualTo("Hello! ");
    // "How can I" may still be the start of a name or an address
    assertThat(guard.feed(" can")).isEmpty();
    assertThat(guard.feed(" I")).isEmpty();
    assertThat(guard.feed(" help")).isEqualTo("How can I ");
    assertThat(guard.feed(" you")).isEqualTo("help ");
    assertThat(guard.feed(" today?")).isEqualTo("you ");
    assertThat(guard.finish()).isEqualTo("today?");
  }

  @Test
  void aDenyTermOfSeveralWordsSplitAcrossPiecesIsMaskedWhole() {
    List<String> terms = List.of("Project Blue Falcon", "acme corp", "x y", "harbour plan");
    Policy.Builder builder = Policy.builder();
    terms.forEach(builder::deny);
    Policy policy = builder.build();
    String[] words = {
      "project",
      "Project Blue",
      "blue falcon",
      "PROJECT BLUE FALCON",
      "Project  Blue Falcon",
      "acme",
      "ACME Corp",
      "acme corporation",
      "Acme corp.",
      "x",
      "y",
      "x y",
      "x  y",
      "(x y)",
      "corp",
      "falcon",
      "blue",
      "harbour",
      "plan",
      "plans",
      "harbour plan",
      "the harbour"
    };
    SeededRandom.forEachCase(
        300,
        random -> {
          StringBuilder text = new StringBuilder();
          for (int i = SeededRandom.between(random, 1, 12); i > 0; i--) {
            text.append(
                    random.nextInt(3) == 0
                        ? words[random.nextInt(words.length)]
                        : FILLER[random.nextInt(FILLER.length)])
                .append(random.nextInt(6) == 0 ? "\n" : " ");
          }
          Recorder whole = new Recorder();
          String expected =
              OutputGuard.guardAll(
                  text, new OutputCheck(check(policy, whole).scanner(), whole, terms), FIELD);

          Recorder streamed = new Recorder();
          OutputGuard guard =
              new OutputGuard(
                  new OutputCheck(check(policy, streamed).scanner(), streamed, terms), FIELD);
          String out = streamed(guard, text.toString(), random);

          assertThat(out).isEqualTo(expected);
          assertThat(streamed.findings).isEqualTo(whole.findings);
          assertThat(out.toLowerCase(java.util.Locale.ROOT))
              .doesNotContain("project blue falcon")
              .doesNotContain("acme corp ")
              .doesNotContain("harbour plan ");
        });
  }

  @Test
  void aRunLongerThanTheBoundIsReleasedFromItsStart() {
    OutputGuard guard = new OutputGuard(check(Policy.DEFAULT, OutputListener.NONE), FIELD);
    StringBuilder out = new StringBuilder();
    String word = "Abc".repeat(200);
    for (int i = 0; i < word.length(); i += 5) {
      out.append(guard.feed(word.substring(i, Math.min(word.length(), i + 5))));
      assertThat(guard.heldLength()).isLessThanOrEqualTo(OutputGuard.MAX_HOLD);
    }
    out.append(guard.finish());
    assertThat(out.toString()).isEqualTo(word);
  }
}
