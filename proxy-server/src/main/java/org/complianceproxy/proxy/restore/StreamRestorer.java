package org.complianceproxy.proxy.restore;

import static java.util.Objects.requireNonNull;

import org.complianceproxy.proxy.token.TokenGrammar;
import org.complianceproxy.proxy.token.TokenLookup;

/**
 * Restores the tokens of one text that arrives in pieces, e.g. the content of one choice of a
 * streamed answer. Each {@link #feed} releases at once everything that can no longer become part of
 * a token and holds back only the shortest suffix that still could ({@link
 * TokenGrammar#heldBackStart}), so at most {@code TokenGrammar.MAX_LENGTH - 1} characters wait.
 *
 * <p>For any split of a text into pieces, the concatenation of every {@code feed} result and {@link
 * #finish()} equals {@link Restorer#restoreAll} of the whole text. Not thread-safe: one instance
 * per text, used by one thread at a time.
 */
public final class StreamRestorer {

  private final TokenLookup lookup;
  // Where the text sits in the answer, for the listener.
  private final String field;
  private final RestoreListener listener;
  // The suffix held back after the last feed: always a proper prefix of a token, or empty.
  private final StringBuilder held = new StringBuilder(TokenGrammar.MAX_LENGTH);

  /**
   * @param field where the text sits in the answer, e.g. {@code choices/0/delta/content}
   */
  public StreamRestorer(TokenLookup lookup, String field, RestoreListener listener) {
    this.lookup = requireNonNull(lookup, "lookup");
    this.field = requireNonNull(field, "field");
    this.listener = requireNonNull(listener, "listener");
  }

  /** The text releasable now, with every complete known token restored. */
  public String feed(CharSequence piece) {
    requireNonNull(piece, "piece");
    CharSequence text;
    if (held.length() == 0) {
      if (Restorer.indexOfLt(piece, 0) < 0) {
        return piece.toString();
      }
      text = piece;
    } else {
      text = held.append(piece);
    }
    // empty until the first restore, which sizes it for the whole text (Restorer.restoreTokens)
    StringBuilder out = new StringBuilder(0);
    int emitted = Restorer.restoreTokens(text, lookup, field, listener, out);
    // No complete token ends after the held-back start: a proper prefix never contains one.
    int hold = TokenGrammar.heldBackStart(text, emitted);
    String released =
        emitted == 0
            ? text.subSequence(0, hold).toString()
            : out.append(text, emitted, hold).toString();
    if (text == held) {
      held.delete(0, hold);
    } else {
      held.append(text, hold, text.length());
    }
    return released;
  }

  /**
   * Releases the held-back fragment as is, at the end of the text. It is never a complete token:
   * {@link #feed} restores or releases those at once.
   */
  public String finish() {
    String rest = held.toString();
    held.setLength(0);
    return rest;
  }

  /** True while a fragment that could still become a token is held back. */
  public boolean isHolding() {
    return held.length() > 0;
  }

  /** Where the text sits in the answer. */
  public String field() {
    return field;
  }
}
