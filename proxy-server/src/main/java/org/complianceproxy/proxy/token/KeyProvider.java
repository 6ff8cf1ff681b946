package org.complianceproxy.proxy.token;

/**
 * Where per-tenant keys come from: the local {@link Keyring} by default, a KMS-backed provider when
 * one is configured. Implementations are thread-safe and answer from memory on the request path
 * (they may cache keys with a bounded age), so callers on an event loop may call them.
 */
public interface KeyProvider {

  /** The tenant's keys under the current key version. */
  TenantKeys forTenant(String tenant);

  /**
   * The tenant's keys under {@code version}, for reading what was written before a rotation.
   *
   * @throws IllegalArgumentException when this provider does not know {@code version}
   */
  TenantKeys forTenant(String tenant, int version);
}
