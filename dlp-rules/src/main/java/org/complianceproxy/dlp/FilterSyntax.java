package org.complianceproxy.dlp;

import java.util.ArrayList;
import java.util.List;

/**
 * The subset of RE2 syntax that {@link MatchFilter} reads, parsed into a small tree. Classes are
 * exact over ASCII and widened beyond (see {@link CharSet}); what is outside the subset throws
 * {@link Unsupported}, and the filter then always says "maybe".
 */
final class FilterSyntax {

  /** Non-ASCII part of a char set: none, some, or all non-ASCII code points. */
  static final byte NONE = 0;

  static final byte SOME = 1;
  static final byte ALL = 2;

  private FilterSyntax() {}

  /** The tree of {@code regex}. */
  static Node parse(String regex) throws Unsupported {
    Parser parser = new Parser(regex);
    Node root = parser.parseAlternation();
    if (parser.pos != regex.length()) {
      throw new Unsupported();
    }
    return root;
  }

  /**
   * Whether the tree of {@code regex} matches, on ASCII text, exactly what RE2J matches: nothing
   * was widened but non-ASCII chars (no {@code .}, which RE2J keeps off {@code '\n'}, no word
   * boundary, no case folding, no multi-line anchors). False for syntax outside the subset.
   */
  static boolean exactOverAscii(String regex) {
    Parser parser = new Parser(regex);
    try {
      parser.parseAlternation();
    } catch (Unsupported e) {
      return false;
    }
    return parser.pos == regex.length() && parser.exact && !parser.foldCase && !parser.multiLine;
  }

  /** Thrown by the parser at syntax outside the subset. */
  static final class Unsupported extends Exception {
    Unsupported() {
      super(null, null, false, false);
    }
  }

  /** A set of chars: exact over ASCII, widened beyond. */
  record CharSet(long lo, long hi, byte nonAscii) {
    static final CharSet EMPTY = new CharSet(0, 0, NONE);

    static CharSet range(int from, int to) {
      long lo = 0;
      long hi = 0;
      for (int c = from; c <= Math.min(to, 127); c++) {
        if (c < 64) {
          lo |= 1L << c;
        } else {
          hi |= 1L << (c - 64);
        }
      }
      byte non = to < 128 ? NONE : (from <= 128 && to >= Character.MAX_CODE_POINT ? ALL : SOME);
      return new CharSet(lo, hi, non);
    }

    static CharSet of(String chars) {
      CharSet set = EMPTY;
      for (int i = 0; i < chars.length(); i++) {
        set = set.union(range(chars.charAt(i), chars.charAt(i)));
      }
      return set;
    }

    CharSet union(CharSet other) {
      byte non;
      if (nonAscii == ALL || other.nonAscii == ALL) {
        non = ALL;
      } else {
        non = nonAscii == NONE && other.nonAscii == NONE ? NONE : SOME;
      }
      return new CharSet(lo | other.lo, hi | other.hi, non);
    }

    CharSet negate() {
      byte non = nonAscii == NONE ? ALL : nonAscii == ALL ? NONE : SOME;
      return new CharSet(~lo, ~hi, non);
    }

    /** Adds the other case of each ASCII letter; K and S also fold to non-ASCII chars. */
    CharSet foldCase() {
      long letters = hi & 0x07fffffe07fffffeL;
      long both = letters | (letters << 32) | (letters >>> 32);
      boolean any = letters != 0;
      return new CharSet(
          lo, hi | (both & 0x07fffffe07fffffeL), any && nonAscii == NONE ? SOME : nonAscii);
    }
  }

  /** Regex syntax tree of the subset. */
  sealed interface Node permits Chars, Assertion, Concat, Alternation, Repeat {}

  /** {@code ^} ({@link MatchFilter#BEGIN}) or {@code $} ({@link MatchFilter#END}). */
  record Assertion(byte kind) implements Node {}

  record Chars(CharSet set) implements Node {}

  record Concat(List<Node> parts) implements Node {}

  record Alternation(List<Node> choices) implements Node {}

  /** {@code max} is -1 for no upper bound. */
  record Repeat(Node body, int min, int max) implements Node {}

  /** Recursive descent over RE2 syntax; what it does not know throws {@link Unsupported}. */
  private static final class Parser {
    private final String re;

    /** Case folding anywhere widens the whole pattern. */
    private final boolean foldCase;

    /** Under {@code (?m)} anchors also match at line ends: they are widened to match anywhere. */
    private final boolean multiLine;

    /** Cleared at syntax widened even over ASCII ({@code .}, word boundaries). */
    private boolean exact = true;

    private int pos;

    Parser(String re) {
      this.re = re;
      this.foldCase = re.contains("(?i");
      this.multiLine = java.util.regex.Pattern.compile("\\(\\?[imsU-]*m").matcher(re).find();
    }

    Node parseAlternation() throws Unsupported {
      List<Node> choices = new ArrayList<>();
      choices.add(parseConcat());
      while (pos < re.length() && re.charAt(pos) == '|') {
        pos++;
        choices.add(parseConcat());
      }
      return choices.size() == 1 ? choices.get(0) : new Alternation(choices);
    }

    private Node parseConcat() throws Unsupported {
      List<Node> parts = new ArrayList<>();
      while (pos < re.length() && re.charAt(pos) != '|' && re.charAt(pos) != ')') {
        Node atom = parseAtom();
        if (atom != null) {
          parts.add(parseQuantifiers(atom));
        }
      }
      return new Concat(parts);
    }

    private Node parseQuantifiers(Node atom) throws Unsupported {
      Node node = atom;
      while (pos < re.length()) {
        char c = re.charAt(pos);
        int min;
        int max;
        if (c == '*' || c == '+' || c == '?') {
          pos++;
          min = c == '+' ? 1 : 0;
          max = c == '?' ? 1 : -1;
        } else if (c == '{' && repeatAhead()) {
          pos++;
          min = number();
          max = min;
          if (re.charAt(pos) == ',') {
            pos++;
            max = re.charAt(pos) == '}' ? -1 : number();
          }
          pos++;
          if (max >= 0 && max < min) {
            throw new Unsupported();
          }
        } else {
          return node;
        }
        if (pos < re.length() && re.charAt(pos) == '?') {
          pos++;
        }
        node = new Repeat(node, min, max);
      }
      return node;
    }

    /** Whether {@code {n}}, {@code {n,}} or {@code {n,m}} starts at pos (else '{' is literal). */
    private boolean repeatAhead() {
      int p = pos + 1;
      int digits = 0;
      while (p < re.length() && Character.isDigit(re.charAt(p))) {
        p++;
        digits++;
      }
      if (digits == 0 || p >= re.length()) {
        return false;
      }
      if (re.charAt(p) == ',') {
        p++;
        while (p < re.length() && Character.isDigit(re.charAt(p))) {
          p++;
        }
      }
      return p < re.length() && re.charAt(p) == '}';
    }

    private int number() throws Unsupported {
      int start = pos;
      while (pos < re.length() && Character.isDigit(re.charAt(pos))) {
        pos++;
      }
      if (pos == start || pos - start > 4) {
        throw new Unsupported();
      }
      return Integer.parseInt(re.substring(start, pos));
    }

    /** One atom, or null for an assertion or a flag group, which match the empty string. */
    private Node parseAtom() throws Unsupported {
      char c = re.charAt(pos);
      switch (c) {
        case '(' -> {
          pos++;
          if (re.startsWith("?", pos)) {
            pos++;
            if (re.startsWith("P<", pos)) {
              int close = re.indexOf('>', pos);
              if (close < 0) {
                throw new Unsupported();
              }
              pos = close + 1;
            } else {
              while (pos < re.length() && "imsU-".indexOf(re.charAt(pos)) >= 0) {
                pos++;
              }
              if (re.startsWith(")", pos)) {
                pos++;
                return null;
              }
              if (!re.startsWith(":", pos)) {
                throw new Unsupported();
              }
              pos++;
            }
          }
          Node inner = parseAlternation();
          if (!re.startsWith(")", pos)) {
            throw new Unsupported();
          }
          pos++;
          return inner;
        }
        case '^', '$' -> {
          pos++;
          return multiLine ? null : new Assertion(c == '^' ? MatchFilter.BEGIN : MatchFilter.END);
        }
        case '.' -> {
          pos++;
          exact = false;
          return new Chars(CharSet.range(0, Character.MAX_CODE_POINT));
        }
        case '[' -> {
          return new Chars(fold(parseClass()));
        }
        case '\\' -> {
          pos++;
          if (pos >= re.length()) {
            throw new Unsupported();
          }
          char e = re.charAt(pos);
          if ("bBAz".indexOf(e) >= 0) {
            pos++;
            exact = false;
            return null;
          }
          return new Chars(fold(escape()));
        }
        case '*', '+', '?', ')' -> throw new Unsupported();
        default -> {
          if (Character.isSurrogate(c)) {
            throw new Unsupported();
          }
          pos++;
          return new Chars(fold(CharSet.range(c, c)));
        }
      }
    }

    private CharSet fold(CharSet set) {
      return foldCase ? set.foldCase() : set;
    }

    private CharSet parseClass() throws Unsupported {
      pos++;
      boolean negated = re.startsWith("^", pos);
      if (negated) {
        pos++;
      }
      CharSet set = CharSet.EMPTY;
      boolean first = true;
      while (pos < re.length() && (re.charAt(pos) != ']' || first)) {
        first = false;
        if (re.startsWith("[:", pos)) {
          throw new Unsupported();
        }
        CharSet item;
        int low = -1;
        if (re.charAt(pos) == '\\') {
          pos++;
          if (pos >= re.length()) {
            throw new Unsupported();
          }
          item = escape();
          if (singleChar(item) >= 0) {
            low = singleChar(item);
          }
        } else {
          char c = re.charAt(pos++);
          if (Character.isSurrogate(c)) {
            throw new Unsupported();
          }
          low = c;
          item = CharSet.range(c, c);
        }
        if (low >= 0
            && pos + 1 < re.length()
            && re.charAt(pos) == '-'
            && re.charAt(pos + 1) != ']') {
          pos++;
          int high;
          if (re.charAt(pos) == '\\') {
            pos++;
            high = singleChar(escape());
          } else {
            high = re.charAt(pos++);
          }
          if (high < low || Character.isSurrogate((char) high)) {
            throw new Unsupported();
          }
          item = CharSet.range(low, high);
        }
        set = set.union(item);
      }
      if (pos >= re.length()) {
        throw new Unsupported();
      }
      pos++;
      // RE2 folds case before it negates a class.
      set = fold(set);
      return negated ? set.negate() : set;
    }

    /** The code point of a one-char ASCII set from an escape, or -1. */
    private static int singleChar(CharSet set) {
      if (set.nonAscii() != NONE || Long.bitCount(set.lo()) + Long.bitCount(set.hi()) != 1) {
        return -1;
      }
      return set.lo() != 0
          ? Long.numberOfTrailingZeros(set.lo())
          : 64 + Long.numberOfTrailingZeros(set.hi());
    }

    /** The escape after a backslash at pos (pos on the char after the backslash). */
    private CharSet escape() throws Unsupported {
      char e = re.charAt(pos++);
      switch (e) {
        case 'd':
          return CharSet.range('0', '9');
        case 'D':
          return CharSet.range('0', '9').negate();
        case 's':
          return CharSet.of("\t\n\f\r ");
        case 'S':
          return CharSet.of("\t\n\f\r ").negate();
        case 'w':
          return word();
        case 'W':
          return word().negate();
        case 't':
          return CharSet.of("\t");
        case 'n':
          return CharSet.of("\n");
        case 'r':
          return CharSet.of("\r");
        case 'f':
          return CharSet.of("\f");
        case 'x':
          return hexChar();
        case 'p':
        case 'P':
          CharSet property = property();
          return e == 'P' ? property.negate() : property;
        default:
          if (e < 128 && !Character.isLetterOrDigit(e)) {
            return CharSet.range(e, e);
          }
          throw new Unsupported();
      }
    }

    private static CharSet word() {
      return CharSet.range('0', '9')
          .union(CharSet.range('A', 'Z'))
          .union(CharSet.range('a', 'z'))
          .union(CharSet.of("_"));
    }

    private CharSet hexChar() throws Unsupported {
      int value;
      if (re.startsWith("{", pos)) {
        int close = re.indexOf('}', pos);
        if (close < 0 || close - pos > 7) {
          throw new Unsupported();
        }
        value = parseHex(re.substring(pos + 1, close));
        pos = close + 1;
      } else {
        if (pos + 2 > re.length()) {
          throw new Unsupported();
        }
        value = parseHex(re.substring(pos, pos + 2));
        pos += 2;
      }
      if (value > 0xFFFF || Character.isSurrogate((char) value)) {
        throw new Unsupported();
      }
      return CharSet.range(value, value);
    }

    private static int parseHex(String digits) throws Unsupported {
      try {
        return Integer.parseInt(digits, 16);
      } catch (NumberFormatException e) {
        throw new Unsupported();
      }
    }

    /** {@code \p{L}}, {@code \pL}, ...: exact over ASCII for the classes known here. */
    private CharSet property() throws Unsupported {
      String name;
      if (re.startsWith("{", pos)) {
        int close = re.indexOf('}', pos);
        if (close < 0) {
          throw new Unsupported();
        }
        name = re.substring(pos + 1, close);
        pos = close + 1;
      } else if (pos < re.length()) {
        name = re.substring(pos, pos + 1);
        pos++;
      } else {
        throw new Unsupported();
      }
      CharSet ascii =
          switch (name) {
            case "L" -> CharSet.range('A', 'Z').union(CharSet.range('a', 'z'));
            case "Lu" -> CharSet.range('A', 'Z');
            case "Ll" -> CharSet.range('a', 'z');
            case "N", "Nd" -> CharSet.range('0', '9');
            default -> throw new Unsupported();
          };
      return new CharSet(ascii.lo(), ascii.hi(), SOME);
    }
  }
}
