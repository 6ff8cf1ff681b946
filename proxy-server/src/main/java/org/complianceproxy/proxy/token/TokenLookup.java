package org.complianceproxy.proxy.token;

import org.complianceproxy.dlp.EntityType;

/**
 * The tokens one request may restore: those minted for it, and those of the caller's tenant that
 * the prompt carried and the vault resolved. Anything else that looks like a token stays as it is.
 * Lookups are in memory, so the response path never waits on I/O.
 */
@FunctionalInterface
public interface TokenLookup {

  /** The original text of {@code token}, or {@code null} when this request may not restore it. */
  Restoration lookup(CharSequence token);

  /**
   * @param original the exact characters the client sent
   * @param source {@code request} (minted for this request) or {@code vault} (an earlier request)
   */
  record Restoration(String original, EntityType type, String source) {}

  TokenLookup NONE = token -> null;
}
