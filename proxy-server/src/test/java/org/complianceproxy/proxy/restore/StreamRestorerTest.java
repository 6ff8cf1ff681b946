package org.complianceproxy.proxy.restore;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.complianceproxy.dlp.EntityType;
import org.complianceproxy.proxy.testing.SeededRandom;
import org.complianceproxy.proxy.testing.SeededRandom.Gen;
import org.complianceproxy.proxy.token.TokenGrammar;
import org.complianceproxy.proxy.token.TokenLookup;
import org.complianceproxy.proxy.token.TokenLookup.Restoration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class StreamRestorerTest {

  private static final String CARD = "<<CARD_7K3QZ9XW2M>>";
  private static final String EMAIL = "<<EMAIL_ABCDEFGHJK>>";
  private static final String SSN = "<<SSN_0123456789>>";
  // A valid token this request may not restore (another tenant's).
  private static final String FOREIGN = "<<CARD_ZZZZZZZZZZ>>";

  // Originals include a token look-alike and a surrogate pair: restored text is never re-scanned.
  private static final Map<String, Restoration> KNOWN =
      Map.of(
          CARD, new Restoration("4111 1111 1111 1111", EntityType.CARD, "request"),
          EMAIL, new Restoration("jane.doe+😀@example.com", EntityType.EMAIL, "vault"),
          SSN, new Restoration("<<SSN_", EntityType.SSN, "request"));

  private static final TokenLookup LOOKUP = token -> KNOWN.get(token.toString());

  static Stream<Arguments> splits() {
    return Stream.of(
        Arguments.of(List.of("Card ", CARD, " ok"), "Card 4111 1111 1111 1111 ok"),
        Arguments.of(List.of("Card <<CA", "RD_7K", "3QZ9XW2M>> ok"), "Card 4111 1111 1111 1111 ok"),
        Arguments.of(List.of("<", "<", "CARD_7K3QZ9XW2M>", ">"), "4111 1111 1111 1111"),
        Arguments.of(List.of("x <<", "card", " y"), "x <<card y"),
        Arguments.of(List.of("<<<", "CARD_7K3QZ9XW2M>>"), "<4111 1111 1111 1111"),
        Arguments.of(List.of(FOREIGN.substring(0, 9), FOREIGN.substring(9)), FOREIGN),
        Arguments.of(List.of("end <<CARD_7K3Q"), "end <<CARD_7K3Q"),
        Arguments.of(List.of(SSN, "SSN_0123456789>>"), "<<SSN_SSN_0123456789>>"),
        Arguments.of(List.of("😀", "<<EMAIL_ABCDEFGHJK", ">>😀"), "😀jane.doe+😀@example.com😀"));
  }

  @ParameterizedTest
  @MethodSource("splits")
  void splitTokenAcrossPiecesIsRestored(List<String> pieces, String expected) {
    StreamRestorer restorer = new StreamRestorer(LOOKUP, "f", RestoreListener.NONE);
    StringBuilder out = new StringBuilder();
    for (String piece : pieces) {
      out.append(restorer.feed(piece));
    }
    out.append(restorer.finish());
    assertThat(out.toString()).isEqualTo(expected);
    assertThat(restorer.isHolding()).isFalse();
  }

  @Test
  void splitTokenAcrossThreePiecesIsReleasedInThePieceThatCompletesIt() {
    StreamRestorer restorer = new StreamRestorer(LOOKUP, "f", RestoreListener.NONE);
    assertThat(restorer.feed("Card <<CA")).isEqualTo("Card ");
    assertThat(restorer.isHolding()).isTrue();
    assertThat(restorer.feed("RD_7K")).isEmpty();
    assertThat(restorer.feed("3QZ9XW2M>> ok")).isEqualTo("4111 1111 1111 1111 ok");
    assertThat(restorer.isHolding()).isFalse();
  }

  @Test
  void textThatCanNoLongerBecomeATokenIsReleasedAtOnce() {
    StreamRestorer restorer = new StreamRestorer(LOOKUP, "f", RestoreListener.NONE);
    assertThat(restorer.feed("a <<CA")).isEqualTo("a ");
    assertThat(restorer.feed("rd")).isEqualTo("<<CArd");
    assertThat(restorer.feed("1 < 2")).isEqualTo("1 < 2");
    assertThat(restorer.finish()).isEmpty();
  }

  @Test
  void listenerHearsEachRestoredTokenWithItsField() {
    List<String> heard = new ArrayList<>();
    StreamRestorer restorer =
        new StreamRestorer(
            LOOKUP,
            "choices/0/delta/content",
            (token, restoration, field) ->
                heard.add(token + " " + restoration.type() + " " + field));
    restorer.feed(CARD.substring(0, 5));
    restorer.feed(CARD.substring(5) + " " + FOREIGN + " " + EMAIL);
    restorer.finish();
    assertThat(heard)
        .containsExactly(
            CARD + " CARD choices/0/delta/content", EMAIL + " EMAIL choices/0/delta/content");
  }

  @Test
  void anySplitGivesTheWholeTextRestore() {
    SeededRandom.forEachCase(
        3000,
        random -> {
          String text = TEXTS.next(random);
          List<Integer> cuts = CUTS.next(random);
          String input = "text " + SeededRandom.quote(text) + ", cuts " + cuts;

          List<String> viaWhole = new ArrayList<>();
          String whole = Restorer.restoreAll(text, LOOKUP, "f", (t, r, f) -> viaWhole.add(t));

          List<String> viaStream = new ArrayList<>();
          StreamRestorer restorer = new StreamRestorer(LOOKUP, "f", (t, r, f) -> viaStream.add(t));
          StringBuilder out = new StringBuilder();
          int from = 0;
          for (int cut : splitPoints(text.length(), cuts)) {
            out.append(restorer.feed(text.substring(from, cut)));
            assertThat(restorer.isHolding())
                .as("%s: holding after cut %d", input, cut)
                .isEqualTo(TokenGrammar.heldBackStart(text.substring(0, cut)) < cut);
            from = cut;
          }
          out.append(restorer.feed(text.substring(from)));
          out.append(restorer.finish());

          assertThat(out.toString()).as(input).isEqualTo(whole);
          assertThat(viaStream).as(input).isEqualTo(viaWhole);
          assertThat(whole).as(input).isEqualTo(reference(text));
        });
  }

  @Test
  void heldBackTextIsExactlyTheShortestPossibleTokenPrefix() {
    SeededRandom.forEachCase(
        1000,
        random -> {
          String text = TEXTS.next(random);
          List<Integer> cuts = CUTS.next(random);
          String input = "text " + SeededRandom.quote(text) + ", cuts " + cuts;

          StreamRestorer restorer = new StreamRestorer(TokenLookup.NONE, "f", RestoreListener.NONE);
          StringBuilder released = new StringBuilder();
          int from = 0;
          for (int cut : splitPoints(text.length(), cuts)) {
            released.append(restorer.feed(text.substring(from, cut)));
            // With nothing known, everything fed so far is released except the held-back suffix.
            assertThat(released.toString())
                .as("%s: released after cut %d", input, cut)
                .isEqualTo(text.substring(0, TokenGrammar.heldBackStart(text.substring(0, cut))));
            from = cut;
          }
        });
  }

  /** Token by token with String.replace: independent of the scanner's position logic. */
  private static String reference(String text) {
    StringBuilder out = new StringBuilder();
    int i = 0;
    while (i < text.length()) {
      int end = TokenGrammar.matchEnd(text, i);
      if (end > 0 && KNOWN.containsKey(text.substring(i, end))) {
        out.append(KNOWN.get(text.substring(i, end)).original());
        i = end;
      } else if (end > 0) {
        out.append(text, i, end);
        i = end;
      } else {
        out.append(text.charAt(i++));
      }
    }
    return out.toString();
  }

  private static TreeSet<Integer> splitPoints(int length, List<Integer> cuts) {
    TreeSet<Integer> points = new TreeSet<>();
    for (int cut : cuts) {
      points.add(cut % (length + 1));
    }
    return points;
  }

  /** Up to 12 raw cut positions; each is taken modulo the text length + 1. */
  private static final Gen<List<Integer>> CUTS = SeededRandom.integers(0, 10_000).list(0, 12);

  private static final Gen<String> KNOWN_TOKENS = SeededRandom.of(CARD, EMAIL, SSN);

  /** Well-formed tokens (tag of 2..12 characters, Crockford body) that are not known. */
  static final Gen<String> UNKNOWN_TOKENS =
      random -> {
        char first = (char) SeededRandom.between(random, 'A', 'Z');
        String rest =
            SeededRandom.strings(
                    SeededRandom.charRange('A', 'Z') + SeededRandom.charRange('0', '9'), 1, 11)
                .next(random);
        String body = SeededRandom.strings(TokenGrammar.ALPHABET, 10, 10).next(random);
        return "<<" + first + rest + "_" + body + ">>";
      };

  /** A known token with one character (or nothing) inserted at a random inner position. */
  private static final Gen<String> NEAR_MISSES =
      random -> {
        String token = KNOWN_TOKENS.next(random);
        int cut = SeededRandom.between(random, 1, 18);
        String insert = SeededRandom.of("", "x", "<", "I", "a", ">").next(random);
        return token.substring(0, cut) + insert + token.substring(cut);
      };

  /** A prefix of a known token: proper, except all of an 18-character one. */
  private static final Gen<String> TRUNCATED =
      random -> KNOWN_TOKENS.next(random).substring(0, SeededRandom.between(random, 1, 18));

  private static final Gen<String> NOISE =
      SeededRandom.of("<", "<<", "<<<", ">", ">>", "_", " ", "\n");

  private static final Gen<String> PLAIN = SeededRandom.strings("abc XYZ09_", 0, 6);

  /** Non-ASCII text, including surrogate pairs and a surrogate pair directly before a '<'. */
  private static final Gen<String> UNICODE =
      SeededRandom.of("é", "日本", "😀", "\uD83D\uDE00<", "\uD83C\uDF89", "\u0000");

  private static final Gen<String> TEXTS =
      SeededRandom.concatenated(
          SeededRandom.<String>weighted()
              .with(4, KNOWN_TOKENS)
              .with(2, UNKNOWN_TOKENS)
              .with(3, NEAR_MISSES)
              .with(2, TRUNCATED)
              .with(3, NOISE)
              .with(3, PLAIN)
              .with(2, UNICODE),
          14);
}
