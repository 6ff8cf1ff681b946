package org.complianceproxy.proxy.restore;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * String values of one JSON document replaced in place: every byte outside them stays as it was
 * (field order, white space, number spelling, escapes elsewhere), and a new value is quoted as
 * Jackson's writer quotes it. This is how a streamed event is rewritten without building a tree of
 * it and writing the tree back: a parser ({@link #parser}) finds the values and their offsets
 * ({@link #value}), and only an event whose text changed is spliced ({@link #applyTo}).
 *
 * <p>Not thread-safe: one instance per document.
 */
public final class JsonEdits {

  /**
   * Parsers that refuse a repeated field name, so that a value found is the only one of its name: a
   * document with repeated names is left to a tree parse, which keeps the last one only.
   */
  public static final JsonFactory FACTORY =
      JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

  /**
   * A string value in its document.
   *
   * @param start offset of its opening quote: chars for a String document, bytes for a byte array
   * @param end offset just past its closing quote
   * @param text its decoded text
   */
  public record Value(int start, int end, String text) {}

  // the edits: start, end and the new text of each
  private final List<Value> edits = new ArrayList<>(2);

  /**
   * The string value the parser's current token is (it must be {@link JsonToken#VALUE_STRING} and
   * not yet read), with its offsets in the parser's input.
   */
  public static Value value(JsonParser parser) throws IOException {
    int start = offset(parser.currentTokenLocation());
    String text = parser.getText();
    return new Value(start, offset(parser.currentLocation()), text);
  }

  /**
   * The string member {@code name} of the object the parser is at (its start token read), read to
   * its end; null when it has none, or a value of another kind.
   */
  public static Value stringMember(JsonParser parser, String name) throws IOException {
    Value found = null;
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String field = parser.currentName();
      if (parser.nextToken() == JsonToken.VALUE_STRING && name.equals(field)) {
        found = value(parser);
      } else {
        parser.skipChildren();
      }
    }
    return found;
  }

  /** Whether the parser, after the document's last token, sees nothing but white space. */
  public static boolean endsCleanly(JsonParser parser) throws IOException {
    return parser.nextToken() == null;
  }

  private static int offset(JsonLocation location) {
    long bytes = location.getByteOffset();
    return Math.toIntExact(bytes >= 0 ? bytes : location.getCharOffset());
  }

  /** Replaces {@code value} (a value of the document, not replaced yet) by {@code text}. */
  public void replace(Value value, String text) {
    requireNonNull(text, "text");
    edits.add(new Value(value.start(), value.end(), text));
  }

  /** True when nothing is replaced. */
  public boolean isEmpty() {
    return edits.isEmpty();
  }

  /** {@code json} with every edit applied. */
  public String applyTo(String json) {
    sort();
    StringBuilder out = new StringBuilder(json.length() + 16);
    int copied = 0;
    for (Value edit : edits) {
      out.append(json, copied, edit.start()).append('"');
      JsonStringEncoder.getInstance().quoteAsString(edit.text(), out);
      out.append('"');
      copied = edit.end();
    }
    return out.append(json, copied, json.length()).toString();
  }

  /** {@code json} (UTF-8) with every edit applied. */
  public byte[] applyTo(byte[] json) {
    sort();
    ByteArrayOutputStream out = new ByteArrayOutputStream(json.length + 16);
    int copied = 0;
    for (Value edit : edits) {
      out.write(json, copied, edit.start() - copied);
      out.write('"');
      out.writeBytes(quotedUtf8(edit.text()));
      out.write('"');
      copied = edit.end();
    }
    out.write(json, copied, json.length - copied);
    return out.toByteArray();
  }

  /** Puts the edits in document order; two edits of one value are refused. */
  private void sort() {
    edits.sort(Comparator.comparingInt(Value::start));
    for (int i = 1; i < edits.size(); i++) {
      if (edits.get(i).start() < edits.get(i - 1).end()) {
        throw new IllegalStateException(
            "edit at " + edits.get(i).start() + " (expected: one per value)");
      }
    }
  }

  /**
   * {@code text} quoted as JSON in UTF-8; a lone surrogate (which UTF-8 cannot carry, and which
   * only an escape in the upstream's JSON can bring) is written as a JSON escape again.
   */
  static byte[] quotedUtf8(String text) {
    try {
      return JsonStringEncoder.getInstance().quoteAsUTF8(text);
    } catch (IllegalArgumentException e) {
      StringBuilder quoted = new StringBuilder(text.length() + 16);
      JsonStringEncoder.getInstance().quoteAsString(text, quoted);
      StringBuilder out = new StringBuilder(quoted.length() + 16);
      for (int i = 0; i < quoted.length(); i++) {
        char c = quoted.charAt(i);
        boolean pair =
            Character.isHighSurrogate(c)
                && i + 1 < quoted.length()
                && Character.isLowSurrogate(quoted.charAt(i + 1));
        if (pair) {
          out.append(c).append(quoted.charAt(++i));
        } else if (Character.isSurrogate(c)) {
          out.append(String.format("\\u%04x", (int) c));
        } else {
          out.append(c);
        }
      }
      return out.toString().getBytes(StandardCharsets.UTF_8);
    }
  }
}
