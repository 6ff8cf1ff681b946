package org.complianceproxy.proxy.token;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Where per-tenant keys come from: the local {@link Keyring} by default, a KMS-backed provider when
 * one is configured. Implementations are thread-safe.
 *
 * <p>The synchronous methods answer from memory only and never block, so callers on an event loop
 * may call them; a provider that must first fetch a key (a KMS call) fails them instead. The
 * asynchronous methods fetch what is missing without blocking the caller: a request calls {@link
 * #forTenantAsync(String)} once before it mints, and then the synchronous methods answer from
 * memory for the rest of the request.
 */
public interface KeyProvider {

  /**
   * The tenant's keys under the current key version, from memory.
   *
   * @throws org.complianceproxy.proxy.error.ProxyException {@code VAULT_UNAVAILABLE} when the keys
   *     are not in memory (call {@link #forTenantAsync(String)} first)
   */
  TenantKeys forTenant(String tenant);

  /**
   * The tenant's keys under {@code version}, for reading what was written before a rotation.
   *
   * @throws IllegalArgumentException when this provider does not know {@code version}
   */
  TenantKeys forTenant(String tenant, int version);

  /**
   * The tenant's keys under the current key version, fetching them when they are not in memory. The
   * future completes on the calling thread when they are, else on a thread of the provider; it
   * fails with {@code VAULT_UNAVAILABLE} when the keys cannot be had (KMS unavailable or access
   * denied).
   */
  default CompletableFuture<TenantKeys> forTenantAsync(String tenant) {
    try {
      return CompletableFuture.completedFuture(forTenant(tenant));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * The tenant's keys under {@code version}, fetching them when they are not in memory; empty when
   * the version does not exist (never created, or shredded).
   */
  default CompletableFuture<Optional<TenantKeys>> forTenantAsync(String tenant, int version) {
    try {
      return CompletableFuture.completedFuture(Optional.of(forTenant(tenant, version)));
    } catch (IllegalArgumentException unknown) {
      return CompletableFuture.completedFuture(Optional.empty());
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }
}
