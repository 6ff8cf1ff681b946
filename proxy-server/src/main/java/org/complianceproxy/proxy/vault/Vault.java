package org.complianceproxy.proxy.vault;

import java.util.Collection;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Token to original value, per tenant, encrypted at rest. Needed to restore tokens that an earlier
 * request minted, and for audited re-identification. Both operations are asynchronous so that no
 * caller on an event loop ever waits on disk or network; implementations are thread-safe.
 *
 * <p>Failures complete the futures with a {@link org.complianceproxy.proxy.error.ProxyException}:
 * {@code VAULT_UNAVAILABLE} when the store cannot be read or written, {@code SANITIZER_FAILED} when
 * a token is already bound to a different value (a MAC collision, never resolved silently).
 */
public interface Vault extends AutoCloseable {

  /**
   * Stores the entries of {@code tenant}. The future completes once every entry is durable; entries
   * already stored with the same value are not written again. When any entry collides, none of
   * {@code entries} is stored and the future fails.
   */
  CompletableFuture<Void> putAll(String tenant, Collection<VaultEntry> entries);

  /**
   * The original values of those {@code tokens} that {@code tenant} stored; tokens that are unknown
   * to this tenant (whether another tenant has them or not) are absent from the map.
   */
  CompletableFuture<Map<String, String>> getAll(String tenant, Collection<String> tokens);

  /**
   * Removes every entry of {@code tenant} from the store (the crypto-shredding of its data keys
   * already made them unreadable; this also frees their space and their index).
   *
   * @return how many entries were removed, where the store can tell; otherwise -1
   */
  default CompletableFuture<Integer> shred(String tenant) {
    return CompletableFuture.failedFuture(
        new UnsupportedOperationException(getClass().getSimpleName() + " cannot shred"));
  }

  /** Completes or fails everything accepted so far, then releases the store. */
  @Override
  void close();
}
