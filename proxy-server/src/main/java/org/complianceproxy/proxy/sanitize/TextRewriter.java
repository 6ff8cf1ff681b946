package org.complianceproxy.proxy.sanitize;

/** Rewrites one text field of a request, named by its JSON pointer. */
@FunctionalInterface
public interface TextRewriter {

  /** The new text of the field; {@code text} itself when nothing changes. */
  String rewrite(String pointer, String text);

  /**
   * As {@link #rewrite}, for a writer that reads the new text once: it may be a view of {@code
   * text} with ranges replaced (not copied into a string); {@code text} itself when nothing
   * changes.
   */
  default CharSequence rewriteText(String pointer, String text) {
    return rewrite(pointer, text);
  }
}
