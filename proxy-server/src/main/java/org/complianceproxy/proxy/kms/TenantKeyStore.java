package org.complianceproxy.proxy.kms;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Where wrapped tenant data keys live, one per (tenant, version): a directory under the data
 * directory for one proxy, or PostgreSQL for replicas that share a vault. A shredded version keeps
 * its number (so it is never reused) but loses its key.
 *
 * <p>Thread-safe; every call is asynchronous, and may run I/O on the store's own executor.
 */
public interface TenantKeyStore extends AutoCloseable {

  /** The tenant's newest version, shredded or not; empty when the tenant has none yet. */
  CompletableFuture<Optional<StoredKey>> latest(String tenant);

  /** One version; empty when it never existed. */
  CompletableFuture<Optional<StoredKey>> get(String tenant, int version);

  /**
   * Stores {@code key} unless its (tenant, version) exists; answers what is stored afterwards, so
   * of two replicas that race to create a version, both use the winner's key.
   */
  CompletableFuture<StoredKey> addIfAbsent(StoredKey key);

  /**
   * Forgets the wrapped keys of every version of {@code tenant}, keeping the version numbers.
   *
   * @return the versions shredded
   */
  CompletableFuture<List<Integer>> shred(String tenant);

  /** Every tenant with at least one live version, for scheduled rotation. */
  CompletableFuture<List<String>> tenants();

  @Override
  void close();

  /**
   * One version of a tenant's data key.
   *
   * @param wrapped the key as the data key source wrapped it; empty once shredded
   */
  record StoredKey(String tenant, int version, Optional<byte[]> wrapped) {
    public StoredKey {
      requireNonNull(tenant, "tenant");
      requireNonNull(wrapped, "wrapped");
      if (version < 1) {
        throw new IllegalArgumentException("version: " + version + " (expected: >= 1)");
      }
    }

    public boolean shredded() {
      return wrapped.isEmpty();
    }

    @Override
    public String toString() {
      return "StoredKey[tenant="
          + tenant
          + ", version="
          + version
          + ", shredded="
          + shredded()
          + "]";
    }
  }
}
