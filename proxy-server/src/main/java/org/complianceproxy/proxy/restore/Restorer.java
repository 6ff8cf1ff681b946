package org.complianceproxy.proxy.restore;

import static java.util.Objects.requireNonNull;

import org.complianceproxy.proxy.token.TokenGrammar;
import org.complianceproxy.proxy.token.TokenLookup;
import org.complianceproxy.proxy.token.TokenLookup.Restoration;

/**
 * Restores the tokens of a whole text at once. Tokens the lookup does not know (another tenant's,
 * or text that merely looks like a token) stay as they are.
 */
public final class Restorer {

  private Restorer() {}

  /**
   * {@link #restoreAll(CharSequence, TokenLookup, String, RestoreListener)} with an empty field.
   */
  public static String restoreAll(CharSequence text, TokenLookup lookup, RestoreListener listener) {
    return restoreAll(text, lookup, "", listener);
  }

  /**
   * The text with every token the lookup knows replaced by its original. Returns {@code
   * text.toString()} (the same instance for a {@link String}) when nothing was restored.
   *
   * @param field passed to the listener, e.g. {@code choices/0/message/content}
   */
  public static String restoreAll(
      CharSequence text, TokenLookup lookup, String field, RestoreListener listener) {
    requireNonNull(text, "text");
    requireNonNull(lookup, "lookup");
    requireNonNull(field, "field");
    requireNonNull(listener, "listener");
    StringBuilder out = new StringBuilder(0);
    int emitted = restoreTokens(text, lookup, field, listener, out);
    if (emitted == 0) {
      return text.toString();
    }
    return out.append(text, emitted, text.length()).toString();
  }

  /**
   * Appends to {@code out} the restored form of {@code text[0, emitted)}, where {@code emitted} is
   * the end of the last token the lookup knows (0 when none), and returns {@code emitted}. The
   * caller releases the rest of the text as it sees fit.
   */
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
        if (emitted == 0) {
          // the first restore: room for the whole text at once, a little to spare (originals are
          // about as long as their tokens), instead of growing from an empty builder
          out.ensureCapacity(out.length() + text.length() + text.length() / 32 + 32);
        }
        out.append(text, emitted, i).append(restoration.original());
        emitted = end;
        listener.restored(token, restoration, field);
      }
      i = end;
    }
    return emitted;
  }

  static int indexOfLt(CharSequence text, int from) {
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
}
