package org.complianceproxy.bench.jmh;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.complianceproxy.proxy.vault.Vault;
import org.complianceproxy.proxy.vault.VaultEntry;

/**
 * The baseline of {@link VaultBenchmark}: a vault that is only a concurrent map, in clear and in
 * memory, answering at once. What the real stores cost is their figure minus this one.
 */
final class MemoryVault implements Vault {
  private record Key(String tenant, String token) {}

  private final Map<Key, String> entries = new ConcurrentHashMap<>();

  @Override
  public CompletableFuture<Void> putAll(String tenant, Collection<VaultEntry> added) {
    for (VaultEntry entry : added) {
      entries.putIfAbsent(new Key(tenant, entry.token()), entry.value());
    }
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public CompletableFuture<Map<String, String>> getAll(String tenant, Collection<String> tokens) {
    Map<String, String> found = new HashMap<>();
    for (String token : tokens) {
      String value = entries.get(new Key(tenant, token));
      if (value != null) {
        found.put(token, value);
      }
    }
    return CompletableFuture.completedFuture(found);
  }

  @Override
  public void close() {}
}
