package org.complianceproxy.proxy.token;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;

/**
 * The shape of a token in text: {@code <<} TAG {@code _} BODY {@code >>}, where TAG is {@code
 * [A-Z][A-Z0-9]{1,11}} and BODY is 10 characters of Crockford base32 in upper case ({@code 0-9A-Z}
 * without {@code I L O U}), e.g. {@code <<CARD_7K3QZ9XW2M>>}.
 *
 * <p>The grammar is unambiguous (a tag cannot contain {@code _}, a body cannot contain {@code >}),
 * so a scan from any position decides in at most {@link #MAX_LENGTH} characters whether a token
 * starts there, without backtracking. Scanning a whole text is linear in its length.
 */
public final class TokenGrammar {

  /** Length of the shortest token: a two-character tag. */
  public static final int MIN_LENGTH = 2 + 2 + 1 + 10 + 2;

  /** Length of the longest token: a twelve-character tag. */
  public static final int MAX_LENGTH = 2 + 12 + 1 + 10 + 2;

  /** Number of base32 characters after the underscore. */
  public static final int BODY_LENGTH = 10;

  /** The body alphabet, in digit order. */
  public static final String ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

  private static final int MIN_TAG_LENGTH = 2;
  private static final int MAX_TAG_LENGTH = 12;

  // Results of scan() that are not an end index.
  private static final int MISMATCH = -1;
  private static final int INCOMPLETE = -2;

  // Indexed by ASCII code: true for the characters of ALPHABET.
  private static final boolean[] BODY_CHAR = new boolean[128];

  static {
    for (int i = 0; i < ALPHABET.length(); i++) {
      BODY_CHAR[ALPHABET.charAt(i)] = true;
    }
  }

  private TokenGrammar() {}

  /** Where one token lies in a text: {@code text[start, end)}. */
  public record Span(int start, int end) {

    /** The token's characters in {@code text}. */
    public String in(CharSequence text) {
      return text.subSequence(start, end).toString();
    }
  }

  /** True when the whole of {@code text} is one token. */
  public static boolean isToken(CharSequence text) {
    requireNonNull(text, "text");
    return text.length() >= MIN_LENGTH && scan(text, 0) == text.length();
  }

  /** True when {@code tag} can be a token's tag: {@code [A-Z][A-Z0-9]{1,11}}. */
  public static boolean isTag(CharSequence tag) {
    requireNonNull(tag, "tag");
    int n = tag.length();
    if (n < MIN_TAG_LENGTH || n > MAX_TAG_LENGTH || !isUpper(tag.charAt(0))) {
      return false;
    }
    for (int i = 1; i < n; i++) {
      if (!isTagChar(tag.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  /**
   * The end of the token that starts at {@code start}, or {@code -1} when none starts there (even
   * if more text could complete one).
   */
  public static int matchEnd(CharSequence text, int start) {
    requireNonNull(text, "text");
    if (start < 0 || start > text.length()) {
      throw new IndexOutOfBoundsException(
          "start: " + start + " (expected: 0.." + text.length() + ")");
    }
    int end = scan(text, start);
    return end >= 0 ? end : -1;
  }

  /** Every token in {@code text}, left to right, without overlaps. */
  public static List<Span> findAll(CharSequence text) {
    requireNonNull(text, "text");
    List<Span> spans = new ArrayList<>();
    int i = 0;
    while ((i = indexOfLt(text, i)) >= 0) {
      int end = scan(text, i);
      if (end >= 0) {
        spans.add(new Span(i, end));
        i = end;
      } else {
        i++;
      }
    }
    return spans;
  }

  /**
   * {@code text} with the tag and body of each of {@code spans} (tokens found in it, see {@link
   * #findAll}) replaced by {@code _}, offsets kept: a token still reads as a token to a DLP scan,
   * but its letters cannot pass for words of the text around it, such as a title before a name
   * ({@code <<SSN_0A9ZK37Q3M>> Write} is not "M Write"). {@code text} itself when there are none.
   */
  public static String withBlankTokens(String text, List<Span> spans) {
    requireNonNull(text, "text");
    if (spans.isEmpty()) {
      return text;
    }
    // A builder copied from the text keeps its compact (Latin-1) form, and so does '_', so the
    // blanked text costs one copy of its bytes and one for the result, with no char[] in between.
    StringBuilder blanked = new StringBuilder(text);
    for (Span span : spans) {
      for (int i = span.start() + 2, end = span.end() - 2; i < end; i++) {
        blanked.setCharAt(i, '_');
      }
    }
    return blanked.toString();
  }

  /**
   * The earliest index {@code i} such that {@code text[i..]} is a proper prefix of some token, or
   * {@code text.length()} when there is none. A stream restorer must hold back exactly that suffix:
   * everything before it can never become part of a token, whatever text follows.
   */
  public static int heldBackStart(CharSequence text) {
    return heldBackStart(text, 0);
  }

  /**
   * Like {@link #heldBackStart(CharSequence)}, considering only starts at or after {@code from}
   * (e.g. the end of the last complete token, whose own characters cannot start another).
   */
  public static int heldBackStart(CharSequence text, int from) {
    requireNonNull(text, "text");
    int n = text.length();
    if (from < 0 || from > n) {
      throw new IndexOutOfBoundsException("from: " + from + " (expected: 0.." + n + ")");
    }
    // A proper prefix is at most MAX_LENGTH - 1 characters long.
    for (int i = Math.max(from, n - (MAX_LENGTH - 1)); i < n; i++) {
      if (text.charAt(i) == '<' && scan(text, i) == INCOMPLETE) {
        return i;
      }
    }
    return n;
  }

  /**
   * Runs the token automaton from {@code start}: the end index of the token starting there, {@link
   * #MISMATCH} when no token can start there, or {@link #INCOMPLETE} when the text ends while it
   * still could (so {@code text[start..]} is a proper prefix of a token).
   */
  private static int scan(CharSequence text, int start) {
    int n = text.length();
    int p = start;
    for (int k = 0; k < 2; k++, p++) {
      if (p == n) {
        return INCOMPLETE;
      }
      if (text.charAt(p) != '<') {
        return MISMATCH;
      }
    }
    if (p == n) {
      return INCOMPLETE;
    }
    if (!isUpper(text.charAt(p))) {
      return MISMATCH;
    }
    p++;
    int tagLimit = start + 2 + MAX_TAG_LENGTH;
    while (p < n && p < tagLimit && isTagChar(text.charAt(p))) {
      p++;
    }
    if (p == n) {
      return INCOMPLETE;
    }
    if (text.charAt(p) != '_' || p - (start + 2) < MIN_TAG_LENGTH) {
      return MISMATCH;
    }
    p++;
    for (int k = 0; k < BODY_LENGTH; k++, p++) {
      if (p == n) {
        return INCOMPLETE;
      }
      if (!isBodyChar(text.charAt(p))) {
        return MISMATCH;
      }
    }
    for (int k = 0; k < 2; k++, p++) {
      if (p == n) {
        return INCOMPLETE;
      }
      if (text.charAt(p) != '>') {
        return MISMATCH;
      }
    }
    return p;
  }

  /** Index of the first {@code '<'} at or after {@code from}, or {@code -1}. */
  private static int indexOfLt(CharSequence text, int from) {
    if (text instanceof String s) {
      return s.indexOf('<', from);
    }
    for (int i = from, n = text.length(); i < n; i++) {
      if (text.charAt(i) == '<') {
        return i;
      }
    }
    return -1;
  }

  private static boolean isUpper(char c) {
    return c >= 'A' && c <= 'Z';
  }

  private static boolean isTagChar(char c) {
    return isUpper(c) || (c >= '0' && c <= '9');
  }

  private static boolean isBodyChar(char c) {
    return c < 128 && BODY_CHAR[c];
  }
}
