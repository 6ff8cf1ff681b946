package org.complianceproxy.proxy.testing;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * JSON text written the many ways clients write it, for property tests of code that must keep bytes
 * as they came: random whitespace between tokens, strings with optional escapes ({@code \u00e9} for
 * {@code é}, {@code \/}, escaped surrogate pairs), numbers in every textual form, and random values
 * of any shape. Each method appends to a {@link StringBuilder}; one instance per case.
 */
public final class RandomJson {

  /** Number texts whose exact form a re-serializer would change. */
  private static final String[] NUMBERS = {
    "0",
    "-0",
    "0.70",
    "1e-7",
    "1.5E+3",
    "-0.0",
    "12345678901234567890123",
    "100",
    "-17",
    "3.141592653589793238462643383279",
    "2E10",
    "1.0"
  };

  private static final String[] WORDS = {
    "alpha",
    "Zoë’s",
    "日本語",
    "😀",
    "tab\there",
    "say \"hi\"",
    "back\\slash",
    "a/b",
    "<b>&amp;</b>",
    "line\nbreak",
    "",
    "ctrl\u0001x",
    "del\u007f",
    "sep\u2028x"
  };

  private final Random random;

  public RandomJson(Random random) {
    this.random = random;
  }

  /** Whitespace that JSON allows between tokens: mostly none. */
  public String ws() {
    return switch (random.nextInt(6)) {
      case 0 -> " ";
      case 1 -> "\n  ";
      case 2 -> "\t";
      default -> "";
    };
  }

  /** {@code text} as a JSON string literal, with random but valid escape choices. */
  public String string(String text) {
    StringBuilder out = new StringBuilder(text.length() + 8).append('"');
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '"' || c == '\\') {
        out.append(random.nextInt(4) == 0 ? unicode(c) : "\\" + c);
      } else if (c < 0x20) {
        String shortForm =
            switch (c) {
              case '\n' -> "\\n";
              case '\t' -> "\\t";
              case '\r' -> "\\r";
              case '\b' -> "\\b";
              case '\f' -> "\\f";
              default -> null;
            };
        out.append(shortForm != null && random.nextBoolean() ? shortForm : unicode(c));
      } else if (Character.isSurrogate(c)) {
        boolean pair =
            Character.isHighSurrogate(c)
                && i + 1 < text.length()
                && Character.isLowSurrogate(text.charAt(i + 1));
        if (pair && random.nextBoolean()) {
          out.append(c).append(text.charAt(++i));
        } else {
          // a lone surrogate has no UTF-8 form: only its escape is valid JSON in UTF-8
          out.append(unicode(c));
        }
      } else if (c == '/' && random.nextBoolean()) {
        out.append("\\/");
      } else if (c >= 0x80 && random.nextInt(4) == 0) {
        out.append(unicode(c));
      } else {
        out.append(c);
      }
    }
    return out.append('"').toString();
  }

  private String unicode(char c) {
    String hex = String.format("%04x", (int) c);
    return "\\u" + (random.nextBoolean() ? hex : hex.toUpperCase(java.util.Locale.ROOT));
  }

  /** A number as clients write it. */
  public String number() {
    return NUMBERS[random.nextInt(NUMBERS.length)];
  }

  /** A few words, some with characters that need escaping. */
  public String words() {
    StringBuilder out = new StringBuilder();
    for (int i = random.nextInt(4); i >= 0; i--) {
      out.append(WORDS[random.nextInt(WORDS.length)]).append(i > 0 ? " " : "");
    }
    return out.toString();
  }

  /** Any JSON value, nested at most {@code depth} levels, with strings from {@link #words}. */
  public String value(int depth) {
    int kind = random.nextInt(depth > 0 ? 8 : 6);
    return switch (kind) {
      case 0 -> "null";
      case 1 -> random.nextBoolean() ? "true" : "false";
      case 2, 3 -> number();
      case 4, 5 -> string(words());
      case 6 -> {
        List<String> items = new ArrayList<>();
        for (int i = random.nextInt(4); i > 0; i--) {
          items.add(value(depth - 1));
        }
        yield array(items);
      }
      default -> {
        List<String[]> fields = new ArrayList<>();
        for (int i = random.nextInt(4); i > 0; i--) {
          fields.add(new String[] {"k" + i + (random.nextBoolean() ? "é" : ""), value(depth - 1)});
        }
        yield object(fields);
      }
    };
  }

  /** An array of JSON texts. */
  public String array(List<String> items) {
    StringBuilder out = new StringBuilder("[").append(ws());
    for (int i = 0; i < items.size(); i++) {
      out.append(i > 0 ? ws() + "," + ws() : "").append(items.get(i));
    }
    return out.append(ws()).append(']').toString();
  }

  /** An object of {name, JSON text} pairs, in the given order. */
  public String object(List<String[]> fields) {
    StringBuilder out = new StringBuilder("{").append(ws());
    for (int i = 0; i < fields.size(); i++) {
      out.append(i > 0 ? ws() + "," + ws() : "")
          .append(string(fields.get(i)[0]))
          .append(ws())
          .append(':')
          .append(ws())
          .append(fields.get(i)[1]);
    }
    return out.append(ws()).append('}').toString();
  }

  /** {@link #object} with the fields in random order. */
  public String shuffledObject(List<String[]> fields) {
    List<String[]> shuffled = new ArrayList<>(fields);
    Collections.shuffle(shuffled, random);
    return object(shuffled);
  }
}
