package org.complianceproxy.proxy.restore;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.complianceproxy.dlp.EntityType;
import org.complianceproxy.proxy.testing.SeededRandom;
import org.complianceproxy.proxy.testing.SeededRandom.Gen;
import org.complianceproxy.proxy.token.TokenGrammar;
import org.complianceproxy.proxy.token.TokenLookup;
import org.complianceproxy.proxy.token.TokenLookup.Restoration;
import org.junit.jupiter.api.Test;

/**
 * The answer path's text routines, rewritten to copy less ({@link Restorer#restoreAll}, {@link
 * StreamRestorer#feed}, {@link TokenGrammar#withBlankTokens}), against the implementations they
 * replaced, kept here as {@link Legacy}: on random answers with known, foreign, partial and broken
 * tokens, non-ASCII text (Latin-1, other BMP chars, surrogate pairs, lone surrogates), JSON escape
 * look-alikes and originals much longer than their tokens, every result and every listener call
 * must be the same, piece by piece for a stream.
 */
class RestorePathEquivalenceTest {

  private static final String CARD = "<<CARD_7K3QZ9XW2M>>";
  private static final String EMAIL = "<<EMAIL_ABCDEFGHJK>>";
  private static final String SSN = "<<SSN_0123456789>>";
  private static final String NAME = "<<NAME_QRSTVWXYZ0>>";

  // Originals: longer and shorter than their tokens, non-ASCII, a token look-alike, and one longer
  // than the slack a restored text gets, so a builder must grow.
  private static final Map<String, Restoration> KNOWN =
      Map.of(
          CARD, new Restoration("4111 1111 1111 1111", EntityType.CARD, "request"),
          EMAIL, new Restoration("jane.doe+😀@exämple.com", EntityType.EMAIL, "vault"),
          SSN, new Restoration("<<SSN_", EntityType.SSN, "request"),
          NAME, new Restoration("Ann Lee ".repeat(30) + "中", EntityType.NAME, "request"));

  private static final TokenLookup LOOKUP = token -> KNOWN.get(token.toString());

  @Test
  void restoreAllMatchesTheLegacyRestore() {
    SeededRandom.forEachCase(
        3000,
        random -> {
          String text = TEXTS.next(random);
          String input = "text " + SeededRandom.quote(text);
          List<String> heardNew = new ArrayList<>();
          List<String> heardOld = new ArrayList<>();

          String restored = Restorer.restoreAll(text, LOOKUP, "f", recorder(heardNew));
          String expected = Legacy.restoreAll(text, LOOKUP, "f", recorder(heardOld));

          assertThat(restored).as(input).isEqualTo(expected);
          assertThat(heardNew).as(input).isEqualTo(heardOld);
          if (expected.equals(text)) {
            assertThat(restored).as(input).isSameAs(text);
          }
        });
  }

  @Test
  void streamRestorerReleasesWhatTheLegacyOneReleasedPieceByPiece() {
    SeededRandom.forEachCase(
        3000,
        random -> {
          String text = TEXTS.next(random);
          TreeSet<Integer> cuts = splitPoints(text.length(), CUTS.next(random));
          String input = "text " + SeededRandom.quote(text) + ", cuts " + cuts;
          List<String> heardNew = new ArrayList<>();
          List<String> heardOld = new ArrayList<>();
          StreamRestorer restorer = new StreamRestorer(LOOKUP, "f", recorder(heardNew));
          Legacy.StreamRestorer legacy = new Legacy.StreamRestorer(LOOKUP, "f", recorder(heardOld));

          int from = 0;
          cuts.add(text.length());
          for (int cut : cuts) {
            String piece = text.substring(from, cut);
            // a piece may come as any CharSequence; the JSON parsers hand over Strings
            CharSequence fed = random.nextBoolean() ? piece : new StringBuilder(piece);
            assertThat(restorer.feed(fed))
                .as("%s: released after cut %d", input, cut)
                .isEqualTo(legacy.feed(piece));
            assertThat(restorer.isHolding()).as(input).isEqualTo(legacy.isHolding());
            from = cut;
          }
          assertThat(restorer.finish()).as(input).isEqualTo(legacy.finish());
          assertThat(heardNew).as(input).isEqualTo(heardOld);
        });
  }

  @Test
  void blankedTokensMatchTheLegacyBlanking() {
    SeededRandom.forEachCase(
        3000,
        random -> {
          String text = TEXTS.next(random);
          List<TokenGrammar.Span> spans = TokenGrammar.findAll(text);

          String blanked = TokenGrammar.withBlankTokens(text, spans);

          assertThat(blanked)
              .as("text %s", SeededRandom.quote(text))
              .isEqualTo(Legacy.withBlankTokens(text, spans));
          if (spans.isEmpty()) {
            assertThat(blanked).isSameAs(text);
          }
        });
  }

  private static RestoreListener recorder(List<String> heard) {
    return (token, restoration, field) ->
        heard.add(token + " " + restoration.original() + " " + restoration.source() + " " + field);
  }

  private static TreeSet<Integer> splitPoints(int length, List<Integer> cuts) {
    TreeSet<Integer> points = new TreeSet<>();
    for (int cut : cuts) {
      points.add(cut % (length + 1));
    }
    return points;
  }

  /** Up to 16 raw cut positions; each is taken modulo the text length + 1. */
  private static final Gen<List<Integer>> CUTS = SeededRandom.integers(0, 100_000).list(0, 16);

  private static final Gen<String> KNOWN_TOKENS = SeededRandom.of(CARD, EMAIL, SSN, NAME);

  /** Well-formed tokens that are not known. */
  private static final Gen<String> FOREIGN_TOKENS = StreamRestorerTest.UNKNOWN_TOKENS;

  /** A known token with one character (or nothing) inserted at a random inner position. */
  private static final Gen<String> BROKEN =
      random -> {
        String token = KNOWN_TOKENS.next(random);
        int cut = SeededRandom.between(random, 1, token.length() - 1);
        String insert = SeededRandom.of("", "x", "<", "I", "é", ">", "😀").next(random);
        return token.substring(0, cut) + insert + token.substring(cut);
      };

  /** A prefix of a known token. */
  private static final Gen<String> PARTIAL =
      random -> {
        String token = KNOWN_TOKENS.next(random);
        return token.substring(0, SeededRandom.between(random, 1, token.length() - 1));
      };

  private static final Gen<String> NOISE =
      SeededRandom.of("<", "<<", "<<<", ">", ">>", "_", " ", "\n", "\\u003c", "\\\"", "\"", "\\");

  private static final Gen<String> PLAIN =
      SeededRandom.strings("abcdefghij klmnop XYZ 0123 .,", 0, 40);

  /** Latin-1 and other BMP chars, surrogate pairs, a lone surrogate of each kind, NUL. */
  private static final Gen<String> UNICODE =
      SeededRandom.of(
          "é", "ü ß", "日本", "😀", "\uD83D\uDE00<", "\uD83D", "\uDE00", "\u0000", "\u00ff");

  private static final Gen<String> TEXTS =
      SeededRandom.concatenated(
          SeededRandom.<String>weighted()
              .with(4, KNOWN_TOKENS)
              .with(2, FOREIGN_TOKENS)
              .with(3, BROKEN)
              .with(2, PARTIAL)
              .with(3, NOISE)
              .with(6, PLAIN)
              .with(2, UNICODE),
          60);

  /** The routines as they were before they were rewritten to copy less. */
  private static final class Legacy {

    private Legacy() {}

    static String restoreAll(
        CharSequence text, TokenLookup lookup, String field, RestoreListener listener) {
      StringBuilder out = new StringBuilder(0);
      int emitted = restoreTokens(text, lookup, field, listener, out);
      if (emitted == 0) {
        return text.toString();
      }
      return out.append(text, emitted, text.length()).toString();
    }

    static int restoreTokens(
        CharSequence text,
        TokenLookup lookup,
        String field,
        RestoreListener listener,
        StringBuilder out) {
      int emitted = 0;
      int i = 0;
      while ((i = indexOfLt(text, i)) >= 0) {
        int end = TokenGrammar.matchEnd(text, i);
        if (end < 0) {
          i++;
          continue;
        }
        String token = text.subSequence(i, end).toString();
        Restoration restoration = lookup.lookup(token);
        if (restoration != null) {
          out.append(text, emitted, i).append(restoration.original());
          emitted = end;
          listener.restored(token, restoration, field);
        }
        i = end;
      }
      return emitted;
    }

    static int indexOfLt(CharSequence text, int from) {
      for (int i = from, n = text.length(); i < n; i++) {
        if (text.charAt(i) == '<') {
          return i;
        }
      }
      return -1;
    }

    static String withBlankTokens(String text, List<TokenGrammar.Span> spans) {
      if (spans.isEmpty()) {
        return text;
      }
      char[] chars = text.toCharArray();
      for (TokenGrammar.Span span : spans) {
        Arrays.fill(chars, span.start() + 2, span.end() - 2, '_');
      }
      return new String(chars);
    }

    static final class StreamRestorer {
      private final TokenLookup lookup;
      private final String field;
      private final RestoreListener listener;
      private final StringBuilder held = new StringBuilder(TokenGrammar.MAX_LENGTH);

      StreamRestorer(TokenLookup lookup, String field, RestoreListener listener) {
        this.lookup = lookup;
        this.field = field;
        this.listener = listener;
      }

      String feed(CharSequence piece) {
        CharSequence text;
        if (held.length() == 0) {
          if (indexOfLt(piece, 0) < 0) {
            return piece.toString();
          }
          text = piece;
        } else {
          text = held.append(piece);
        }
        StringBuilder out = new StringBuilder(text.length());
        int emitted = restoreTokens(text, lookup, field, listener, out);
        int hold = TokenGrammar.heldBackStart(text, emitted);
        out.append(text, emitted, hold);
        String released = out.toString();
        String rest = text.subSequence(hold, text.length()).toString();
        held.setLength(0);
        held.append(rest);
        return released;
      }

      String finish() {
        String rest = held.toString();
        held.setLength(0);
        return rest;
      }

      boolean isHolding() {
        return held.length() > 0;
      }
    }
  }
}
