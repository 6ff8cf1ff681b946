package org.complianceproxy.proxy.sanitize;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.complianceproxy.proxy.testing.RandomJson;
import org.complianceproxy.proxy.testing.SeededRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link JsonSplice} against the way it worked before it read plain ASCII strings from the bytes
 * and wrote replaced strings straight into the result: every string located by the parser itself
 * ({@code getText}, then its position), every replacement quoted on its own by the JDK's UTF-8
 * encoder plus escapes, then spliced. Both must give the same texts and the same bytes, for random
 * documents (escapes, non-ASCII, raw and escaped surrogate pairs, DEL, long plain runs) and random
 * replacements (control characters, quotes, backslashes, lone surrogates, question marks).
 */
class JsonSpliceEquivalenceTest {

  private static final JsonFactory FACTORY = new JsonFactory();
  private static final String REPLACEMENT_ALPHABET =
      "\u0000\u0001\u001f \"\\/?aZ\u007f\u0080é\u07ff\u0800\u2028\uffff\ud83d\ude00\ud800\udc00";
  private static final String PLAIN_ALPHABET =
      SeededRandom.charRange(' ', '~').replace("\"", "").replace("\\", "") + "\u007f";

  @Test
  void splicedBytesAreThoseOfTheParserLocatedAndEncoderQuotedSplice() {
    SeededRandom.forEachCase(
        2_000,
        random -> {
          RandomJson writer = new RandomJson(random);
          String plain = SeededRandom.strings(PLAIN_ALPHABET, 0, 300).next(random);
          String mixed = SeededRandom.strings(REPLACEMENT_ALPHABET + "abc", 0, 30).next(random);
          byte[] body =
              writer
                  .array(
                      List.of(
                          writer.value(4),
                          writer.string(plain),
                          writer.value(3),
                          writer.string(mixed),
                          writer.string(plain + mixed)))
                  .getBytes(UTF_8);
          List<Located> reference = locatedByTheParser(body);
          JsonSplice json = JsonSplice.parse(body, "body");
          List<JsonNode> strings = new ArrayList<>();
          collectStrings(json.root(), strings);

          assertThat(strings).hasSameSizeAs(reference);
          ByteArrayOutputStream expected = new ByteArrayOutputStream();
          int copied = 0;
          for (int i = 0; i < strings.size(); i++) {
            Located string = reference.get(i);
            assertThat(strings.get(i).textValue()).isEqualTo(string.text());
            if (random.nextInt(3) == 0) {
              String text = SeededRandom.strings(REPLACEMENT_ALPHABET, 0, 40).next(random);
              json.replace(strings.get(i), text);
              expected.write(body, copied, string.start() - copied);
              expected.writeBytes(quotedByTheEncoder(text));
              copied = string.end();
            }
          }
          expected.write(body, copied, body.length - copied);

          assertThat(json.toBytes()).isEqualTo(expected.toByteArray());
        });
  }

  /**
   * A string value, where the parser put it: its opening quote, the index after its closing one.
   */
  private record Located(int start, int end, String text) {}

  /** Every string value of {@code body} in document order, located by the parser's own offsets. */
  private static List<Located> locatedByTheParser(byte[] body) throws IOException {
    List<Located> strings = new ArrayList<>();
    try (JsonParser parser = FACTORY.createParser(body)) {
      for (JsonToken token = parser.nextToken(); token != null; token = parser.nextToken()) {
        if (token == JsonToken.VALUE_STRING) {
          long start = parser.currentTokenLocation().getByteOffset();
          String text = parser.getText();
          long end = parser.currentLocation().getByteOffset();
          strings.add(new Located((int) start, (int) end, text));
        }
      }
    }
    return strings;
  }

  private static void collectStrings(JsonNode node, List<JsonNode> out) {
    if (node.isTextual()) {
      out.add(node);
    }
    node.forEach(child -> collectStrings(child, out));
  }

  /**
   * How the splice quoted a replacement before: the JDK's UTF-8 encoder, then the bytes below 0x20,
   * {@code "} and {@code \} escaped; char by char when the encoder replaced a lone surrogate by
   * {@code ?}.
   */
  private static byte[] quotedByTheEncoder(String text) {
    byte[] utf8 = text.getBytes(UTF_8);
    int questionMarks = 0;
    for (byte b : utf8) {
      questionMarks += b == '?' ? 1 : 0;
    }
    if (questionMarks != text.chars().filter(c -> c == '?').count()) {
      return quotedCharByChar(text);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write('"');
    for (byte b : utf8) {
      if (b >= 0 && (b < 0x20 || b == '"' || b == '\\')) {
        escape((char) b, out);
      } else {
        out.write(b);
      }
    }
    out.write('"');
    return out.toByteArray();
  }

  private static byte[] quotedCharByChar(String text) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write('"');
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < 0x20 || c == '"' || c == '\\') {
        escape(c, out);
      } else if (Character.isHighSurrogate(c)
          && i + 1 < text.length()
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        out.writeBytes(text.substring(i, i + 2).getBytes(UTF_8));
        i++;
      } else if (Character.isSurrogate(c)) {
        out.writeBytes(String.format("\\u%04x", (int) c).getBytes(UTF_8));
      } else {
        out.writeBytes(String.valueOf(c).getBytes(UTF_8));
      }
    }
    out.write('"');
    return out.toByteArray();
  }

  private static void escape(char c, ByteArrayOutputStream out) {
    String escape =
        switch (c) {
          case '"' -> "\\\"";
          case '\\' -> "\\\\";
          case '\n' -> "\\n";
          case '\r' -> "\\r";
          case '\t' -> "\\t";
          case '\b' -> "\\b";
          case '\f' -> "\\f";
          default -> String.format("\\u%04x", (int) c);
        };
    out.writeBytes(escape.getBytes(UTF_8));
  }
}
