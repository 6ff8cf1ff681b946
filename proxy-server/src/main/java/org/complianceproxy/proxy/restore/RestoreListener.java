package org.complianceproxy.proxy.restore;

import org.complianceproxy.proxy.token.TokenLookup.Restoration;

/**
 * Told about every token put back into an answer, for the audit trail. Called on the thread that
 * restores, in text order, before the restored text is released; it must not block.
 */
@FunctionalInterface
public interface RestoreListener {

  /**
   * @param token the token as it appeared in the answer
   * @param restoration what replaced it
   * @param field where in the answer, e.g. {@code choices/0/delta/content}
   */
  void restored(String token, Restoration restoration, String field);

  RestoreListener NONE = (token, restoration, field) -> {};
}
