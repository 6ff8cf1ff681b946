package org.complianceproxy.proxy.token;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.complianceproxy.proxy.testing.SeededRandom;
import org.complianceproxy.proxy.testing.SeededRandom.Gen;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class TokenGrammarTest {

  // The grammar as a regex, used only as an independent oracle.
  private static final Pattern TOKEN =
      Pattern.compile("<<[A-Z][A-Z0-9]{1,11}_[0-9A-HJKMNP-TV-Z]{10}>>");

  static Stream<Arguments> tokens() {
    return Stream.of(
        Arguments.of("<<CARD_7K3QZ9XW2M>>", true),
        Arguments.of("<<SSN_0000000000>>", true),
        Arguments.of("<<A1_ZZZZZZZZZZ>>", true),
        Arguments.of("<<ABCDEFGHIJKL_0123456789>>", true),
        Arguments.of("<<ABCDEFGHIJKLM_0123456789>>", false), // 13-character tag
        Arguments.of("<<A_0123456789>>", false), // 1-character tag
        Arguments.of("<<1A_0123456789>>", false), // tag starts with a digit
        Arguments.of("<<card_7K3QZ9XW2M>>", false), // lower-case tag
        Arguments.of("<<CARD_7k3QZ9XW2M>>", false), // lower-case body
        Arguments.of("<<CARD_7K3QZ9XW2I>>", false), // I is not Crockford
        Arguments.of("<<CARD_7K3QZ9XW2L>>", false),
        Arguments.of("<<CARD_7K3QZ9XW2O>>", false),
        Arguments.of("<<CARD_7K3QZ9XW2U>>", false),
        Arguments.of("<<CARD_7K3QZ9XW2>>", false), // 9-character body
        Arguments.of("<<CARD_7K3QZ9XW2MM>>", false), // 11-character body
        Arguments.of("<<CARD-7K3QZ9XW2M>>", false),
        Arguments.of("<<CARD_7K3QZ9XW2M>", false),
        Arguments.of("<CARD_7K3QZ9XW2M>>", false),
        Arguments.of("<<CARD_7K3QZ9XW2M>> ", false),
        Arguments.of("", false));
  }

  @ParameterizedTest
  @MethodSource("tokens")
  void isTokenFollowsTheGrammar(String text, boolean expected) {
    assertThat(TokenGrammar.isToken(text)).isEqualTo(expected);
    assertThat(TOKEN.matcher(text).matches()).isEqualTo(expected);
  }

  static Stream<Arguments> texts() {
    return Stream.of(
        Arguments.of("no tokens here", List.of()),
        Arguments.of("a <<CARD_7K3QZ9XW2M>> b", List.of("<<CARD_7K3QZ9XW2M>>")),
        Arguments.of(
            "<<CARD_7K3QZ9XW2M>><<SSN_0123456789>>",
            List.of("<<CARD_7K3QZ9XW2M>>", "<<SSN_0123456789>>")),
        Arguments.of("<<<CARD_7K3QZ9XW2M>>>", List.of("<<CARD_7K3QZ9XW2M>>")),
        Arguments.of("<<<<CARD_7K3QZ9XW2M>>", List.of("<<CARD_7K3QZ9XW2M>>")),
        Arguments.of("<<CARD_7K3Q <<EMAIL_ABCDEFGHJK>>", List.of("<<EMAIL_ABCDEFGHJK>>")),
        Arguments.of("<<card_7k3qz9xw2m>>", List.of()),
        Arguments.of("😀<<IBAN_0123456789>>😀", List.of("<<IBAN_0123456789>>")));
  }

  @ParameterizedTest
  @MethodSource("texts")
  void findAllReturnsEveryTokenLeftToRight(String text, List<String> expected) {
    List<String> found = new ArrayList<>();
    for (TokenGrammar.Span span : TokenGrammar.findAll(text)) {
      found.add(span.in(text));
    }
    assertThat(found).isEqualTo(expected);
  }

  static Stream<Arguments> heldBack() {
    return Stream.of(
        Arguments.of("abc<", "<"),
        Arguments.of("abc", ""),
        Arguments.of("", ""),
        Arguments.of("<", "<"),
        Arguments.of("x<<CA", "<<CA"),
        Arguments.of("<<CARD_7K3Q", "<<CARD_7K3Q"),
        Arguments.of("<<card", ""),
        Arguments.of("<<CARD_7K3QZ9XW2M>", "<<CARD_7K3QZ9XW2M>"),
        Arguments.of("<<CARD_7K3QZ9XW2M>>", ""),
        Arguments.of("<<CARD_7K3QZ9XW2M>><<", "<<"),
        Arguments.of("<<<", "<<"),
        Arguments.of("<<<<", "<<"),
        Arguments.of("<<C", "<<C"),
        Arguments.of("<<C_", ""), // a tag needs two characters
        Arguments.of("<<CA_", "<<CA_"),
        Arguments.of("<<ABCDEFGHIJKL", "<<ABCDEFGHIJKL"),
        Arguments.of("<<ABCDEFGHIJKLM", ""),
        Arguments.of("<<CARD_7K3QI", ""),
        Arguments.of("<<CARD_7K3QZ9XW2MM", ""),
        Arguments.of("a < b", ""),
        Arguments.of("<< CARD", ""));
  }

  @ParameterizedTest
  @MethodSource("heldBack")
  void heldBackStartKeepsOnlyWhatCouldStillBecomeAToken(String text, String expectedHeld) {
    assertThat(text.substring(TokenGrammar.heldBackStart(text))).isEqualTo(expectedHeld);
  }

  @Test
  void heldBackStartIsTheEarliestProperPrefixOfAToken() {
    SeededRandom.forEachCase(
        3000,
        random -> {
          String text = NOISY_TEXTS.next(random);
          int expected = text.length();
          for (int i = 0; i < text.length(); i++) {
            Matcher m = TOKEN.matcher(text.substring(i));
            if (!m.matches() && m.hitEnd()) {
              expected = i;
              break;
            }
          }
          assertThat(TokenGrammar.heldBackStart(text))
              .as("text %s", SeededRandom.quote(text))
              .isEqualTo(expected);
        });
  }

  @Test
  void findAllAgreesWithTheRegex() {
    SeededRandom.forEachCase(
        3000,
        random -> {
          String text = NOISY_TEXTS.next(random);
          List<TokenGrammar.Span> expected = new ArrayList<>();
          Matcher m = TOKEN.matcher(text);
          while (m.find()) {
            expected.add(new TokenGrammar.Span(m.start(), m.end()));
          }
          assertThat(TokenGrammar.findAll(text))
              .as("text %s", SeededRandom.quote(text))
              .isEqualTo(expected);
        });
  }

  /** Up to 8 pieces: token fragments, or up to 6 characters that tokens and near misses use. */
  private static final Gen<String> NOISY_TEXTS =
      SeededRandom.concatenated(
          SeededRandom.oneOf(
              SeededRandom.of("<<CARD_7K3QZ9XW2M>>", "<<", "<", ">", ">>", "_", "<<CARD_", "7K3Q"),
              SeededRandom.strings("<>_ACDR7KIa0 ", 0, 6)),
          8);
}
