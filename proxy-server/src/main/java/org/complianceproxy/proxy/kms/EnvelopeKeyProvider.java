package org.complianceproxy.proxy.kms;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.LongSupplier;
import org.complianceproxy.proxy.error.ProxyError;
import org.complianceproxy.proxy.error.ProxyException;
import org.complianceproxy.proxy.kms.TenantKeyStore.StoredKey;
import org.complianceproxy.proxy.token.KeyProvider;
import org.complianceproxy.proxy.token.TenantKeys;

/**
 * Envelope encryption: each tenant has its own random data keys, one per version, made and
 * unwrapped by a {@link DataKeySource} (KMS) and stored wrapped in a {@link TenantKeyStore}; the
 * token, fingerprint and vault keys are derived from the clear data key ({@link
 * TenantKeys#fromDataKey}). Clear keys live in memory only, for at most the cache period.
 *
 * <ul>
 *   <li>A tenant's first request makes version 1 ({@code GenerateDataKey}); later loads unwrap the
 *       stored newest version ({@code Decrypt}). Concurrent loads of one tenant share one call, so
 *       the source is called at most once per tenant and version per cache period.
 *   <li>A cached key serves until the cache period ends, whatever the source does meanwhile; then
 *       it is loaded again, and when the source refuses or is unreachable, requests that need it
 *       fail with {@code VAULT_UNAVAILABLE}.
 *   <li>Rotation adds version n+1; replicas pick it up when their cached current key expires. Older
 *       versions stay readable until shredded.
 *   <li>Shredding forgets every wrapped key of the tenant and drops its cached keys, so nothing
 *       sealed under them can be opened again (other replicas drop theirs within one cache period).
 * </ul>
 */
public final class EnvelopeKeyProvider implements KeyProvider, AutoCloseable {

  /**
   * How long past the cache period the synchronous methods still answer: a request fetches its keys
   * once at its start ({@link #forTenantAsync(String)}), and must not fail because the period ends
   * while it is being sanitized.
   */
  static final Duration IN_FLIGHT_GRACE = Duration.ofSeconds(30);

  /**
   * How long a failed load is answered from memory: while KMS is down or denies, requests fail at
   * once instead of each sending KMS another call.
   */
  static final Duration FAILURE_BACKOFF = Duration.ofSeconds(1);

  private final DataKeySource source;
  private final TenantKeyStore store;
  private final long ttlNanos;
  private final LongSupplier nanoTime;
  // tenant -> its current keys
  private final ConcurrentMap<String, Cached> current = new ConcurrentHashMap<>();
  // (tenant, version) -> keys of any version that was read
  private final ConcurrentMap<TenantVersion, Cached> versions = new ConcurrentHashMap<>();
  // loads in flight, shared by everyone who asks meanwhile
  private final ConcurrentMap<String, CompletableFuture<TenantKeys>> loadingCurrent =
      new ConcurrentHashMap<>();
  private final ConcurrentMap<TenantVersion, CompletableFuture<Optional<TenantKeys>>>
      loadingVersion = new ConcurrentHashMap<>();

  private record TenantVersion(String tenant, int version) {}

  private record Cached(TenantKeys keys, long loadedAt) {}

  private record Failed(ProxyException error, long failedAt) {}

  // tenant -> its last failed load, answered for FAILURE_BACKOFF
  private final ConcurrentMap<String, Failed> failed = new ConcurrentHashMap<>();

  public EnvelopeKeyProvider(DataKeySource source, TenantKeyStore store, Duration ttl) {
    this(source, store, ttl, System::nanoTime);
  }

  EnvelopeKeyProvider(
      DataKeySource source, TenantKeyStore store, Duration ttl, LongSupplier nanoTime) {
    this.source = requireNonNull(source, "source");
    this.store = requireNonNull(store, "store");
    requireNonNull(ttl, "ttl");
    if (ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("ttl: " + ttl + " (expected: > 0)");
    }
    this.ttlNanos = ttl.toNanos();
    this.nanoTime = requireNonNull(nanoTime, "nanoTime");
  }

  @Override
  public TenantKeys forTenant(String tenant) {
    checkTenant(tenant);
    Cached cached = current.get(tenant);
    if (cached == null || age(cached) > ttlNanos + IN_FLIGHT_GRACE.toNanos()) {
      throw new ProxyException(
          ProxyError.VAULT_UNAVAILABLE,
          "the data key of tenant " + tenant + " is not loaded (expected: forTenantAsync first)");
    }
    return cached.keys();
  }

  @Override
  public TenantKeys forTenant(String tenant, int version) {
    checkTenant(tenant);
    Cached cached = current.get(tenant);
    if (cached == null || cached.keys().version() != version) {
      cached = versions.get(new TenantVersion(tenant, version));
    }
    if (cached == null || age(cached) > ttlNanos + IN_FLIGHT_GRACE.toNanos()) {
      throw new ProxyException(
          ProxyError.VAULT_UNAVAILABLE,
          "version "
              + version
              + " of the data key of tenant "
              + tenant
              + " is not loaded (expected: forTenantAsync first)");
    }
    return cached.keys();
  }

  @Override
  public CompletableFuture<TenantKeys> forTenantAsync(String tenant) {
    try {
      checkTenant(tenant);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    Cached cached = current.get(tenant);
    if (cached != null && age(cached) <= ttlNanos) {
      return CompletableFuture.completedFuture(cached.keys());
    }
    Failed recent = failed.get(tenant);
    if (recent != null && nanoTime.getAsLong() - recent.failedAt() < FAILURE_BACKOFF.toNanos()) {
      return CompletableFuture.failedFuture(recent.error());
    }
    CompletableFuture<TenantKeys> mine = new CompletableFuture<>();
    CompletableFuture<TenantKeys> loading = loadingCurrent.putIfAbsent(tenant, mine);
    if (loading != null) {
      return loading;
    }
    // re-check: a load may have finished between the first look and our claim
    cached = current.get(tenant);
    if (cached != null && age(cached) <= ttlNanos) {
      loadingCurrent.remove(tenant, mine);
      mine.complete(cached.keys());
      return mine;
    }
    loadCurrent(tenant)
        .whenComplete(
            (keys, error) -> {
              ProxyException failure = error == null ? null : unavailable(error);
              if (error == null) {
                Cached loaded = new Cached(keys, nanoTime.getAsLong());
                current.put(tenant, loaded);
                versions.put(new TenantVersion(tenant, keys.version()), loaded);
                failed.remove(tenant);
              } else {
                failed.put(tenant, new Failed(failure, nanoTime.getAsLong()));
              }
              loadingCurrent.remove(tenant, mine);
              if (error != null) {
                mine.completeExceptionally(failure);
              } else {
                mine.complete(keys);
              }
            });
    return mine;
  }

  @Override
  public CompletableFuture<Optional<TenantKeys>> forTenantAsync(String tenant, int version) {
    try {
      checkTenant(tenant);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    TenantVersion key = new TenantVersion(tenant, version);
    Cached cached = versions.get(key);
    if (cached != null && age(cached) <= ttlNanos) {
      return CompletableFuture.completedFuture(Optional.of(cached.keys()));
    }
    CompletableFuture<Optional<TenantKeys>> mine = new CompletableFuture<>();
    CompletableFuture<Optional<TenantKeys>> loading = loadingVersion.putIfAbsent(key, mine);
    if (loading != null) {
      return loading;
    }
    store
        .get(tenant, version)
        .thenCompose(
            stored -> {
              if (stored.isEmpty() || stored.get().shredded()) {
                return CompletableFuture.completedFuture(Optional.<TenantKeys>empty());
              }
              return source
                  .unwrap(tenant, version, stored.get().wrapped().get())
                  .thenApply(plain -> Optional.of(derive(tenant, version, plain)));
            })
        .whenComplete(
            (keys, error) -> {
              if (error == null && keys.isPresent()) {
                versions.put(key, new Cached(keys.get(), nanoTime.getAsLong()));
              }
              loadingVersion.remove(key, mine);
              if (error != null) {
                mine.completeExceptionally(unavailable(error));
              } else {
                mine.complete(keys);
              }
            });
    return mine;
  }

  /**
   * Adds a new data-key version for {@code tenant} and makes it current here at once (other
   * replicas within one cache period); entries sealed under older versions stay readable.
   *
   * @return the new version
   */
  public CompletableFuture<Integer> rotate(String tenant) {
    checkTenant(tenant);
    return store
        .latest(tenant)
        .thenCompose(
            latest -> {
              int version = latest.map(k -> k.version() + 1).orElse(1);
              return create(tenant, version);
            })
        .thenApply(
            keys -> {
              Cached loaded = new Cached(keys, nanoTime.getAsLong());
              current.put(tenant, loaded);
              versions.put(new TenantVersion(tenant, keys.version()), loaded);
              return keys.version();
            })
        .exceptionallyCompose(e -> CompletableFuture.failedFuture(unavailable(e)));
  }

  /**
   * Forgets every wrapped data key of {@code tenant} and drops its keys from memory: whatever was
   * sealed under them can no longer be opened, by any replica, once their caches expire.
   *
   * @return the versions shredded
   */
  public CompletableFuture<List<Integer>> shred(String tenant) {
    checkTenant(tenant);
    return store
        .shred(tenant)
        .whenComplete((versions, error) -> forget(tenant))
        .exceptionallyCompose(e -> CompletableFuture.failedFuture(unavailable(e)));
  }

  /** Tenants with a live data key, for scheduled rotation. */
  public CompletableFuture<List<String>> tenants() {
    return store.tenants();
  }

  /** Drops every cached key of {@code tenant} from memory. */
  public void forget(String tenant) {
    current.remove(tenant);
    failed.remove(tenant);
    versions.keySet().removeIf(k -> k.tenant().equals(tenant));
  }

  @Override
  public void close() {
    current.clear();
    versions.clear();
    store.close();
  }

  private CompletableFuture<TenantKeys> loadCurrent(String tenant) {
    return store
        .latest(tenant)
        .thenCompose(
            latest -> {
              if (latest.isEmpty()) {
                return create(tenant, 1);
              }
              StoredKey stored = latest.get();
              if (stored.shredded()) {
                // a shredded tenant that comes back starts afresh, under a number never used
                return create(tenant, stored.version() + 1);
              }
              return source
                  .unwrap(tenant, stored.version(), stored.wrapped().get())
                  .thenApply(plain -> derive(tenant, stored.version(), plain));
            });
  }

  // makes a version; when another replica made it first, uses theirs
  private CompletableFuture<TenantKeys> create(String tenant, int version) {
    return source
        .generate(tenant, version)
        .thenCompose(
            dataKey ->
                store
                    .addIfAbsent(new StoredKey(tenant, version, Optional.of(dataKey.wrapped())))
                    .thenCompose(
                        winner -> {
                          if (winner.wrapped().isPresent()
                              && Arrays.equals(winner.wrapped().get(), dataKey.wrapped())) {
                            return CompletableFuture.completedFuture(
                                derive(tenant, version, dataKey.plaintext()));
                          }
                          Arrays.fill(dataKey.plaintext(), (byte) 0);
                          if (winner.shredded()) {
                            return CompletableFuture.failedFuture(
                                new ProxyException(
                                    ProxyError.VAULT_UNAVAILABLE,
                                    "tenant " + tenant + " was shredded while its key was made"));
                          }
                          return source
                              .unwrap(tenant, version, winner.wrapped().get())
                              .thenApply(plain -> derive(tenant, version, plain));
                        }));
  }

  private static TenantKeys derive(String tenant, int version, byte[] plaintext) {
    try {
      return TenantKeys.fromDataKey(tenant, version, plaintext);
    } finally {
      Arrays.fill(plaintext, (byte) 0);
    }
  }

  private long age(Cached cached) {
    return nanoTime.getAsLong() - cached.loadedAt();
  }

  private static void checkTenant(String tenant) {
    requireNonNull(tenant, "tenant");
    if (tenant.isEmpty()) {
      throw new IllegalArgumentException("tenant: \"\" (expected: a non-empty tenant id)");
    }
  }

  private static ProxyException unavailable(Throwable error) {
    Throwable cause =
        error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    if (cause instanceof ProxyException proxy) {
      return proxy;
    }
    return new ProxyException(
        ProxyError.VAULT_UNAVAILABLE,
        "tenant data key unavailable: " + cause.getClass().getSimpleName());
  }
}
