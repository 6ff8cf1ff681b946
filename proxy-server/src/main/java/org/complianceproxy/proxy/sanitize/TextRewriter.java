package org.complianceproxy.proxy.sanitize;

/** Rewrites one text field of a request, named by its JSON pointer. */
@FunctionalInterface
public interface TextRewriter {

  /** The new text of the field; {@code text} itself when nothing changes. */
  String rewrite(String pointer, String text);
}
