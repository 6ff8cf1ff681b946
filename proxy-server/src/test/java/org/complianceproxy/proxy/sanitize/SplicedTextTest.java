package org.complianceproxy.proxy.sanitize;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.complianceproxy.proxy.testing.SeededRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link SplicedText} against the string the request's rewriter built before (a {@link
 * StringBuilder} of the original's pieces and the replacements): the same chars, read in order or
 * at random, and the same bytes once spliced into a JSON body. Random texts and replacements with
 * controls, quotes, non-ASCII and surrogates, including halves of a pair that meet across a
 * replacement's edge, and empty replacements.
 */
class SplicedTextTest {

  private static final String ALPHABET =
      "\u0000\u001f \"\\/?aZ09\u007f\u0080é\u0800\uffff\ud83d\ude00\ud800\udc00";

  @Test
  void charsAndSplicedBytesAreThoseOfTheBuiltString() {
    SeededRandom.forEachCase(
        2_000,
        random -> {
          String original = SeededRandom.strings(ALPHABET, 0, 60).next(random);
          SplicedText.Builder builder = SplicedText.builder(original);
          StringBuilder reference = new StringBuilder();
          int copied = 0;
          int at = 0;
          while (at < original.length() && random.nextInt(4) != 0) {
            int start = SeededRandom.between(random, at, original.length());
            int end = SeededRandom.between(random, start, original.length());
            String replacement = SeededRandom.strings(ALPHABET, 0, 6).next(random);
            builder.replace(start, end, replacement);
            reference.append(original, copied, start).append(replacement);
            copied = end;
            at = end;
          }
          String expected = reference.append(original, copied, original.length()).toString();
          CharSequence text = builder.build();

          assertThat(text.length()).isEqualTo(expected.length());
          for (int i = 0; i < expected.length(); i++) {
            assertThat(text.charAt(i)).as("char %d", i).isEqualTo(expected.charAt(i));
          }
          for (int n = 0; n < 10 && !expected.isEmpty(); n++) {
            int i = random.nextInt(expected.length());
            assertThat(text.charAt(i)).as("char %d", i).isEqualTo(expected.charAt(i));
          }
          assertThat(text.toString()).isEqualTo(expected);
          assertThat(spliced(builder.build())).isEqualTo(spliced(expected));
        });
  }

  @Test
  void anEmptyBuilderGivesTheOriginalText() {
    CharSequence text = SplicedText.builder("abc").build();

    assertThat(text.toString()).isEqualTo("abc");
    assertThat(text.subSequence(1, 3).toString()).isEqualTo("bc");
  }

  @Test
  void rangesOutOfOrderAreRefused() {
    SplicedText.Builder builder = SplicedText.builder("abcdef").replace(2, 4, "x");

    assertThatThrownBy(() -> builder.replace(3, 5, "y"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static byte[] spliced(CharSequence text) {
    JsonSplice json = JsonSplice.parse("{\"k\":1,\"t\":\"x\",\"z\":\"é\"}".getBytes(UTF_8), "body");
    json.replace(json.root().get("t"), text);
    return json.toBytes();
  }
}
