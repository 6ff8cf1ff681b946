package org.complianceproxy.proxy.sanitize;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.json.UTF8StreamJsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.databind.util.RawValue;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.complianceproxy.proxy.error.ProxyError;
import org.complianceproxy.proxy.error.ProxyException;

/**
 * A UTF-8 JSON document read once into a tree for its text fields, and written back by splicing:
 * every string value of the tree knows where its JSON text lies in the original bytes, and {@link
 * #toBytes} copies those bytes with only the replaced strings rewritten. Everything else (numbers,
 * whitespace, key order, escapes, unknown fields) leaves exactly as it came, and a body nothing was
 * replaced in leaves as the same array.
 *
 * <p>Strict: one JSON value and nothing after it, no repeated field name in an object (a reader
 * downstream might take the other one, which nobody scanned), UTF-8 only (RFC 8259; byte offsets of
 * other encodings would not be byte offsets). The tree is for reading: integers are numeric nodes,
 * other numbers their exact text; the bytes are the output.
 *
 * <p>Parser errors are reported by position only: Jackson's own messages quote the input, which may
 * be personal data. One instance per document; not thread-safe.
 */
public final class JsonSplice implements FieldWriter {

  // the parser's default limits apply: nesting depth, number and string length
  private static final JsonFactory FACTORY = new JsonFactory();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long LOW_BITS = 0x0101010101010101L;
  private static final long HIGH_BITS = 0x8080808080808080L;
  private static final long SPACES = 0x2020202020202020L;
  private static final long QUOTES = 0x2222222222222222L;
  private static final long BACKSLASHES = 0x5C5C5C5C5C5C5C5CL;
  // the longest string the parser takes; a longer one is left to it, to fail as it does
  private static final int MAX_STRING_LENGTH = FACTORY.streamReadConstraints().getMaxStringLength();

  // the document as it came; never modified
  private final byte[] original;
  private final JsonNode root;
  // replaced strings, in the order they were recorded: [start, end) of the JSON string, new text
  private int[] starts = new int[8];
  private int[] ends = new int[8];
  private CharSequence[] texts = new CharSequence[8];
  private int edits;

  private JsonSplice(byte[] original, JsonNode root) {
    this.original = original;
    this.root = root;
  }

  /**
   * Parses {@code body}; {@code what} names it in errors ("request body").
   *
   * @throws ProxyException {@code INVALID_JSON} when {@code body} is not one UTF-8 JSON value,
   *     {@code INVALID_REQUEST} when an object repeats a field name
   */
  public static JsonSplice parse(byte[] body, String what) {
    requireNonNull(body, "body");
    try (JsonParser parser = FACTORY.createParser(body)) {
      if (!(parser instanceof UTF8StreamJsonParser)) {
        throw new ProxyException(ProxyError.INVALID_JSON, what + " is not UTF-8 encoded JSON");
      }
      if (parser.nextToken() == null) {
        throw new ProxyException(ProxyError.INVALID_JSON, what + " is empty");
      }
      JsonNode root = read(parser, body, what);
      if (parser.nextToken() != null) {
        throw new ProxyException(
            ProxyError.INVALID_JSON,
            what + " has content after the JSON value" + at(parser.currentLocation()));
      }
      return new JsonSplice(body, root);
    } catch (JsonProcessingException e) {
      throw new ProxyException(
          ProxyError.INVALID_JSON, what + " is not valid JSON" + at(e.getLocation()));
    } catch (IOException e) {
      throw new ProxyException(ProxyError.INVALID_JSON, what + " is not valid JSON");
    }
  }

  /** The document as a tree; its strings are the ones {@link #write} accepts. */
  public JsonNode root() {
    return root;
  }

  /**
   * Replaces the string {@code old} of this document by {@code text}; {@code parent} and {@code
   * field} are not used (the tree is left as it is).
   *
   * @throws IllegalArgumentException when {@code old} is not a string of this document
   */
  @Override
  public void write(ObjectNode parent, String field, JsonNode old, CharSequence text) {
    replace(old, text);
  }

  /**
   * Replaces the string {@code old} of this document by {@code text}.
   *
   * @throws IllegalArgumentException when {@code old} is not a string of this document
   */
  public void replace(JsonNode old, CharSequence text) {
    requireNonNull(text, "text");
    if (!(old instanceof LocatedText located) || located.document != this.original) {
      throw new IllegalArgumentException("old: not a string of this document");
    }
    if (edits == starts.length) {
      starts = Arrays.copyOf(starts, edits * 2);
      ends = Arrays.copyOf(ends, edits * 2);
      texts = Arrays.copyOf(texts, edits * 2);
    }
    starts[edits] = located.start;
    ends[edits] = located.end;
    texts[edits] = text;
    edits++;
  }

  /** Whether any string was replaced. */
  public boolean changed() {
    return edits > 0;
  }

  /**
   * The document with every replaced string written in its place as a JSON string (UTF-8, with
   * {@code "}, {@code \}, control characters and lone surrogates escaped); the original array when
   * nothing was replaced.
   *
   * @throws IllegalStateException when one string was replaced twice (nothing is returned that
   *     might carry the first text)
   */
  public byte[] toBytes() {
    if (edits == 0) {
      return original;
    }
    Integer[] order = new Integer[edits];
    boolean sorted = true;
    for (int i = 0; i < edits; i++) {
      order[i] = i;
      sorted &= i == 0 || starts[i] > starts[i - 1];
    }
    if (!sorted) {
      Arrays.sort(order, (a, b) -> Integer.compare(starts[a], starts[b]));
    }
    // Sized exactly first, so that every string is written once, straight into the result.
    long[] lengths = new long[edits];
    long total = original.length;
    int previousEnd = -1;
    for (Integer index : order) {
      if (starts[index] < previousEnd) {
        throw new IllegalStateException("a string was replaced twice");
      }
      previousEnd = ends[index];
      lengths[index] = quotedLength(texts[index]);
      total += lengths[index] - (ends[index] - starts[index]);
    }
    if (total > Integer.MAX_VALUE - 8) {
      throw new IllegalStateException("the rewritten document is too large");
    }
    byte[] out = new byte[(int) total];
    int copied = 0;
    int at = 0;
    for (Integer index : order) {
      int start = starts[index];
      System.arraycopy(original, copied, out, at, start - copied);
      at = writeQuoted(texts[index], lengths[index], out, at + start - copied);
      copied = ends[index];
    }
    System.arraycopy(original, copied, out, at, original.length - copied);
    return out;
  }

  /**
   * How many bytes {@link #writeQuoted} writes for {@code text}. A {@link SplicedText} is measured
   * piece by piece: no surrogate pair spans two of its pieces, so its pieces encode to what the
   * whole text would.
   */
  private static long quotedLength(CharSequence text) {
    long length = 2;
    if (text instanceof SplicedText spliced) {
      for (int k = 0; k < spliced.pieces(); k++) {
        length += encodedLength(spliced.piece(k), spliced.pieceFrom(k), spliced.pieceTo(k));
      }
    } else {
      String string = text.toString();
      length += encodedLength(string, 0, string.length());
    }
    return length;
  }

  /**
   * Writes {@code text} as a JSON string at {@code out[at]}: UTF-8, with {@code "}, {@code \},
   * control characters and lone surrogates escaped; returns the index after it. {@code
   * quotedLength} is what {@link #quotedLength} said.
   */
  private static int writeQuoted(CharSequence text, long quotedLength, byte[] out, int at) {
    // Each char that is not plain ASCII takes more than one byte: this length means none is.
    boolean plain = quotedLength == text.length() + 2L;
    int p = at;
    out[p++] = '"';
    if (text instanceof SplicedText spliced) {
      for (int k = 0; k < spliced.pieces(); k++) {
        p = encode(spliced.piece(k), spliced.pieceFrom(k), spliced.pieceTo(k), plain, out, p);
      }
    } else {
      String string = text.toString();
      p = encode(string, 0, string.length(), plain, out, p);
    }
    out[p++] = '"';
    return p;
  }

  /** How many bytes {@link #encode} writes for {@code text[from, to)}. */
  private static long encodedLength(String text, int from, int to) {
    long length = to - from;
    for (int i = from; i < to; i++) {
      char c = text.charAt(i);
      if (c < 0x80) {
        if (c < 0x20 || c == '"' || c == '\\') {
          length += shortEscape(c) != 0 ? 1 : 5;
        }
      } else if (c < 0x800) {
        length += 1;
      } else if (Character.isHighSurrogate(c)
          && i + 1 < to
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        // two chars, four bytes
        length += 2;
        i++;
      } else if (Character.isSurrogate(c)) {
        length += 5;
      } else {
        length += 2;
      }
    }
    return length;
  }

  /**
   * Writes {@code text[from, to)} at {@code out[at]} as the inside of a JSON string: UTF-8, with
   * {@code "}, {@code \}, control characters and lone surrogates escaped; returns the index after
   * it. {@code plain}: every char is printable ASCII without escape.
   */
  @SuppressWarnings("deprecation")
  private static int encode(String text, int from, int to, boolean plain, byte[] out, int at) {
    if (plain) {
      // Deprecated because it keeps only the low byte of each char; for ASCII that byte is the
      // char's UTF-8 form, and the copy is one array copy for the JDK's one-byte strings.
      text.getBytes(from, to, out, at);
      return at + to - from;
    }
    int p = at;
    for (int i = from; i < to; i++) {
      char c = text.charAt(i);
      if (c < 0x80) {
        if (c >= 0x20 && c != '"' && c != '\\') {
          out[p++] = (byte) c;
        } else {
          char escape = shortEscape(c);
          if (escape != 0) {
            out[p++] = '\\';
            out[p++] = (byte) escape;
          } else {
            p = unicodeEscape(c, out, p);
          }
        }
      } else if (c < 0x800) {
        out[p++] = (byte) (0xc0 | (c >> 6));
        out[p++] = (byte) (0x80 | (c & 0x3f));
      } else if (Character.isHighSurrogate(c)
          && i + 1 < to
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        int cp = Character.toCodePoint(c, text.charAt(++i));
        out[p++] = (byte) (0xf0 | (cp >> 18));
        out[p++] = (byte) (0x80 | ((cp >> 12) & 0x3f));
        out[p++] = (byte) (0x80 | ((cp >> 6) & 0x3f));
        out[p++] = (byte) (0x80 | (cp & 0x3f));
      } else if (Character.isSurrogate(c)) {
        // a lone surrogate has no UTF-8 form; the client sent it escaped, and so it goes on
        p = unicodeEscape(c, out, p);
      } else {
        out[p++] = (byte) (0xe0 | (c >> 12));
        out[p++] = (byte) (0x80 | ((c >> 6) & 0x3f));
        out[p++] = (byte) (0x80 | (c & 0x3f));
      }
    }
    return p;
  }

  /** The letter of the two-character escape of {@code c}, or 0 when it has none. */
  private static char shortEscape(char c) {
    return switch (c) {
      case '"' -> '"';
      case '\\' -> '\\';
      case '\n' -> 'n';
      case '\r' -> 'r';
      case '\t' -> 't';
      case '\b' -> 'b';
      case '\f' -> 'f';
      default -> 0;
    };
  }

  private static int unicodeEscape(char c, byte[] out, int at) {
    out[at] = '\\';
    out[at + 1] = 'u';
    out[at + 2] = HEX[(c >> 12) & 0xf];
    out[at + 3] = HEX[(c >> 8) & 0xf];
    out[at + 4] = HEX[(c >> 4) & 0xf];
    out[at + 5] = HEX[c & 0xf];
    return at + 6;
  }

  private static JsonNode read(JsonParser parser, byte[] body, String what) throws IOException {
    JsonToken token = parser.currentToken();
    switch (token) {
      case START_OBJECT:
        ObjectNode object = NODES.objectNode();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
          String name = parser.currentName();
          JsonLocation location = parser.currentLocation();
          parser.nextToken();
          if (object.replace(name, read(parser, body, what)) != null) {
            throw new ProxyException(
                ProxyError.INVALID_REQUEST,
                what + " repeats a field name in one object" + at(location));
          }
        }
        return object;
      case START_ARRAY:
        ArrayNode array = NODES.arrayNode();
        while (parser.nextToken() != JsonToken.END_ARRAY) {
          array.add(read(parser, body, what));
        }
        return array;
      case VALUE_STRING:
        return located(parser, body);
      case VALUE_NUMBER_INT:
        return switch (parser.getNumberType()) {
          case INT -> NODES.numberNode(parser.getIntValue());
          case LONG -> NODES.numberNode(parser.getLongValue());
          default -> NODES.numberNode(parser.getBigIntegerValue());
        };
      case VALUE_NUMBER_FLOAT:
        return NODES.rawValueNode(new RawValue(parser.getText()));
      case VALUE_TRUE:
        return NODES.booleanNode(true);
      case VALUE_FALSE:
        return NODES.booleanNode(false);
      case VALUE_NULL:
        return NODES.nullNode();
      default:
        throw new ProxyException(
            ProxyError.INVALID_JSON, what + " is not valid JSON" + at(parser.currentLocation()));
    }
  }

  /**
   * The current string with its place: the token starts at its opening quote, and once its text is
   * read the parser stands right after its closing quote. Both are checked, so a parser that
   * reported other offsets fails here instead of splicing into the wrong bytes.
   *
   * <p>A string of plain ASCII (see {@link #plainAsciiEnd}) is read here from the bytes, without
   * the parser's text buffers: its text is its bytes, and it ends at the first quote. The parser
   * has not read it yet (Jackson reads a string's text only when asked) and skips it at the next
   * token, checking it as it always does.
   */
  private static LocatedText located(JsonParser parser, byte[] document) throws IOException {
    long start = parser.currentTokenLocation().getByteOffset();
    if (start >= 0 && start < document.length && document[(int) start] == '"') {
      int close = plainAsciiEnd(document, (int) start + 1);
      if (close >= 0 && close - start - 1 <= MAX_STRING_LENGTH) {
        String text =
            new String(
                document, (int) start + 1, close - (int) start - 1, StandardCharsets.US_ASCII);
        return new LocatedText(text, document, (int) start, close + 1);
      }
    }
    String text = parser.getText();
    long end = parser.currentLocation().getByteOffset();
    if (start < 0
        || end - start < 2
        || end > document.length
        || document[(int) start] != '"'
        || document[(int) end - 1] != '"') {
      throw new IllegalStateException("the JSON parser reported no usable string offsets");
    }
    return new LocatedText(text, document, (int) start, (int) end);
  }

  /**
   * The index of the quote that closes a JSON string whose text starts at {@code from}, when every
   * byte before it is ASCII from 0x20 to 0x7f other than the backslash: such a string has no escape
   * and no multi-byte character, so each byte is one char of its text. -1 at the first other byte
   * (the parser reads that string then) or when the document ends first.
   */
  private static int plainAsciiEnd(byte[] document, int from) {
    int i = from;
    // Eight bytes at a time while none of them ends the plain run (the parser reads every byte of
    // the body once more; this pass should cost less). Each term below is non-zero exactly when
    // some byte of x is: 0x80 or above; below 0x20 (x - 0x20 in each byte borrows into the top
    // bit, which ~x keeps only for bytes below 0x80); a quote; a backslash (x ^ c has a zero byte).
    // A set bit may name the wrong byte (borrows run upwards), never a word without one: the byte
    // loop below finds which.
    for (; i <= document.length - Long.BYTES; i += Long.BYTES) {
      long x = (long) LONGS.get(document, i);
      long stop =
          (x & HIGH_BITS)
              | ((x - SPACES) & ~x & HIGH_BITS)
              | hasZeroByte(x ^ QUOTES)
              | hasZeroByte(x ^ BACKSLASHES);
      if (stop != 0) {
        break;
      }
    }
    for (; i < document.length; i++) {
      byte b = document[i];
      if (b == '"') {
        return i;
      }
      // negative: 0x80 and up, the bytes of multi-byte characters
      if (b < 0x20 || b == '\\') {
        return -1;
      }
    }
    return -1;
  }

  // Non-zero exactly when some byte of x is zero.
  private static long hasZeroByte(long x) {
    return (x - LOW_BITS) & ~x & HIGH_BITS;
  }

  private static String at(JsonLocation location) {
    if (location == null || location.getLineNr() < 1) {
      return "";
    }
    return " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
  }

  /** A string value and where its JSON text, quotes included, lies in the document's bytes. */
  private static final class LocatedText extends TextNode {

    private static final long serialVersionUID = 1L;

    // the document the offsets refer to
    private final transient byte[] document;
    // index of the opening quote
    private final int start;
    // index after the closing quote
    private final int end;

    LocatedText(String text, byte[] document, int start, int end) {
      super(text);
      this.document = document;
      this.start = start;
      this.end = end;
    }
  }
}
