package org.complianceproxy.proxy.restore;

import static java.util.Objects.requireNonNull;

import org.complianceproxy.proxy.token.TokenLookup;

/**
 * One text of a model's answer on its way out, in pieces: first the output policy ({@link
 * OutputGuard}) on the model's own text, then token restoring ({@link StreamRestorer}) on what the
 * guard released. In that order, the guard skips the proxy's tokens and never sees the values
 * restored for the client, so a client's own data is never masked, while personal data the model
 * produced by itself is.
 *
 * <p>For any split of a text into pieces, the concatenation of every {@link #feed} result and
 * {@link #finish()} equals {@link #whole} of the whole text (within the guard's documented bounds).
 * Each part holds back only what it must: at most {@link OutputGuard#MAX_HOLD} chars in the guard
 * and a token prefix in the restorer. Not thread-safe: one instance per text.
 */
public final class AnswerStream {

  // null without an output check: tokens are restored alone
  private final OutputGuard guard;
  private final StreamRestorer restorer;

  /**
   * @param field where the text sits in the answer, e.g. {@code choices/0/delta/content}
   */
  public AnswerStream(
      TokenLookup lookup, String field, RestoreListener listener, OutputCheck check) {
    this.guard = check == OutputCheck.NONE ? null : new OutputGuard(check, field);
    this.restorer = new StreamRestorer(lookup, field, listener);
  }

  /**
   * The whole text guarded, then restored; {@code text.toString()} when nothing changed.
   *
   * @param field where the text sits in the answer, for both listeners
   */
  public static String whole(
      CharSequence text,
      TokenLookup lookup,
      String field,
      RestoreListener listener,
      OutputCheck check) {
    requireNonNull(text, "text");
    String guarded =
        check == OutputCheck.NONE ? text.toString() : OutputGuard.guardAll(text, check, field);
    return Restorer.restoreAll(guarded, lookup, field, listener);
  }

  /** The text releasable now: guarded, with every complete known token restored. */
  public String feed(CharSequence piece) {
    if (guard == null) {
      return restorer.feed(piece);
    }
    String guarded = guard.feed(piece);
    return guarded.isEmpty() ? "" : restorer.feed(guarded);
  }

  /** Releases everything still held back, guarded, at the end of the text. */
  public String finish() {
    String guarded = guard == null ? "" : guard.finish();
    String restored = guarded.isEmpty() ? "" : restorer.feed(guarded);
    return restored + restorer.finish();
  }

  /** True while some text is held back by the guard or the restorer. */
  public boolean isHolding() {
    return guard != null && guard.isHolding() || restorer.isHolding();
  }

  /** Where the text sits in the answer. */
  public String field() {
    return restorer.field();
  }
}
