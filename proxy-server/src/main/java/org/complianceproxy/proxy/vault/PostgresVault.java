package org.complianceproxy.proxy.vault;

import static java.util.Objects.requireNonNull;

import java.security.GeneralSecurityException;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.complianceproxy.proxy.error.ProxyError;
import org.complianceproxy.proxy.error.ProxyException;
import org.complianceproxy.proxy.token.KeyProvider;
import org.complianceproxy.proxy.token.TenantKeys;
import org.complianceproxy.proxy.vault.Sealer.Sealed;

/**
 * The shared vault: entries in the {@code vault_entries} table of a {@link PostgresStore}, sealed
 * before they leave the process, so that any replica restores any token of the tenant.
 *
 * <p>A put reads the stored rows of its tokens, checks them for collisions (opening them with the
 * tenant's keys, fetched asynchronously), then inserts the new ones in one transaction with {@code
 * ON CONFLICT DO NOTHING}; a row another replica inserted meanwhile is checked inside the same
 * transaction, so a collision stores none of the put's entries. Every statement runs on the store's
 * executor; futures complete there.
 */
public final class PostgresVault implements Vault {

  private final PostgresStore store;
  private final Sealer sealer;
  // close() closes the store too
  private final boolean ownsStore;

  public PostgresVault(PostgresStore store, KeyProvider keys, boolean ownsStore) {
    this.store = requireNonNull(store, "store");
    this.sealer = new Sealer(requireNonNull(keys, "keys"));
    this.ownsStore = ownsStore;
  }

  @Override
  public CompletableFuture<Void> putAll(String tenant, Collection<VaultEntry> entries) {
    requireNonNull(tenant, "tenant");
    requireNonNull(entries, "entries");
    Map<String, String> wanted = new LinkedHashMap<>();
    for (VaultEntry entry : entries) {
      String previous = wanted.putIfAbsent(entry.token(), entry.value());
      if (previous != null && !previous.equals(entry.value())) {
        return CompletableFuture.failedFuture(collision(entry.token()));
      }
    }
    if (wanted.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    return sealer
        .keys()
        .forTenantAsync(tenant)
        .thenCombine(read(tenant, wanted.keySet()), Ready::new)
        .thenCompose(
            ready ->
                sealer
                    .keysFor(tenant, ready.stored().values())
                    .thenCompose(known -> write(tenant, wanted, ready, known)));
  }

  private record Ready(TenantKeys current, Map<String, Sealed> stored) {}

  private CompletableFuture<Void> write(
      String tenant, Map<String, String> wanted, Ready ready, Map<Integer, TenantKeys> known) {
    Map<String, Sealed> inserts = new LinkedHashMap<>();
    List<String> unreadable = new ArrayList<>();
    try {
      for (Map.Entry<String, String> entry : wanted.entrySet()) {
        Sealed stored = ready.stored().get(entry.getKey());
        TenantKeys keys = stored == null ? null : known.get(stored.keyVersion());
        if (stored != null && keys != null) {
          if (!sealer.open(keys, tenant, entry.getKey(), stored).equals(entry.getValue())) {
            return CompletableFuture.failedFuture(collision(entry.getKey()));
          }
          continue;
        }
        if (stored != null) {
          // sealed under a shredded key: gone for good, so the new value takes its place
          unreadable.add(entry.getKey());
        }
        inserts.put(
            entry.getKey(), sealer.seal(ready.current(), tenant, entry.getKey(), entry.getValue()));
      }
    } catch (GeneralSecurityException e) {
      return CompletableFuture.failedFuture(Sealer.unauthentic());
    }
    if (inserts.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    return store.transaction(
        c -> {
          if (!unreadable.isEmpty()) {
            try (PreparedStatement delete =
                c.prepareStatement(
                    "DELETE FROM vault_entries WHERE tenant = ? AND token = ANY (?)")) {
              delete.setString(1, tenant);
              delete.setArray(2, c.createArrayOf("text", unreadable.toArray()));
              delete.executeUpdate();
            }
          }
          List<String> tokens = new ArrayList<>(inserts.keySet());
          int[] counts;
          try (PreparedStatement insert =
              c.prepareStatement(
                  "INSERT INTO vault_entries (tenant, token, key_version, nonce, ciphertext)"
                      + " VALUES (?, ?, ?, ?, ?) ON CONFLICT (tenant, token) DO NOTHING")) {
            for (String token : tokens) {
              Sealed sealed = inserts.get(token);
              insert.setString(1, tenant);
              insert.setString(2, token);
              insert.setInt(3, sealed.keyVersion());
              insert.setBytes(4, sealed.nonce());
              insert.setBytes(5, sealed.ciphertext());
              insert.addBatch();
            }
            counts = insert.executeBatch();
          }
          List<String> raced = new ArrayList<>();
          for (int i = 0; i < counts.length; i++) {
            if (counts[i] == 0) {
              raced.add(tokens.get(i));
            }
          }
          if (!raced.isEmpty()) {
            checkRaced(c, tenant, raced, wanted);
          }
          return null;
        });
  }

  // rows another replica inserted between our read and our insert: the same value, or a collision
  private void checkRaced(
      Connection c, String tenant, List<String> raced, Map<String, String> wanted)
      throws SQLException {
    Map<String, Sealed> rows = select(c, tenant, raced);
    for (Map.Entry<String, Sealed> row : rows.entrySet()) {
      TenantKeys keys;
      try {
        keys = sealer.keys().forTenant(tenant, row.getValue().keyVersion());
      } catch (RuntimeException notInMemory) {
        throw new ProxyException(
            ProxyError.VAULT_UNAVAILABLE, "vault entry written concurrently under another key");
      }
      String value;
      try {
        value = sealer.open(keys, tenant, row.getKey(), row.getValue());
      } catch (GeneralSecurityException e) {
        throw Sealer.unauthentic();
      }
      if (!value.equals(wanted.get(row.getKey()))) {
        throw collision(row.getKey());
      }
    }
  }

  @Override
  public CompletableFuture<Map<String, String>> getAll(String tenant, Collection<String> tokens) {
    requireNonNull(tenant, "tenant");
    requireNonNull(tokens, "tokens");
    if (tokens.isEmpty()) {
      return CompletableFuture.completedFuture(new HashMap<>());
    }
    List<String> copy = List.copyOf(tokens);
    return read(tenant, copy).thenCompose(stored -> sealer.openAll(tenant, stored));
  }

  @Override
  public CompletableFuture<Integer> shred(String tenant) {
    requireNonNull(tenant, "tenant");
    return store.transaction(
        c -> {
          try (PreparedStatement delete =
              c.prepareStatement("DELETE FROM vault_entries WHERE tenant = ?")) {
            delete.setString(1, tenant);
            return delete.executeUpdate();
          }
        });
  }

  /** Entries stored for {@code tenant}, for tests and operators. */
  public CompletableFuture<Integer> count(String tenant) {
    return store.transaction(
        c -> {
          try (PreparedStatement select =
              c.prepareStatement("SELECT count(*) FROM vault_entries WHERE tenant = ?")) {
            select.setString(1, tenant);
            try (ResultSet rows = select.executeQuery()) {
              rows.next();
              return rows.getInt(1);
            }
          }
        });
  }

  @Override
  public void close() {
    if (ownsStore) {
      store.close();
    }
  }

  private CompletableFuture<Map<String, Sealed>> read(String tenant, Collection<String> tokens) {
    List<String> copy = List.copyOf(tokens);
    return store.transaction(c -> select(c, tenant, copy));
  }

  private static Map<String, Sealed> select(Connection c, String tenant, Collection<String> tokens)
      throws SQLException {
    Map<String, Sealed> stored = new HashMap<>();
    try (PreparedStatement select =
        c.prepareStatement(
            "SELECT token, key_version, nonce, ciphertext FROM vault_entries"
                + " WHERE tenant = ? AND token = ANY (?)")) {
      select.setString(1, tenant);
      Array array = c.createArrayOf("text", tokens.toArray());
      select.setArray(2, array);
      try (ResultSet rows = select.executeQuery()) {
        while (rows.next()) {
          byte[] nonce = rows.getBytes(3);
          if (nonce.length != Sealer.NONCE_BYTES) {
            throw Sealer.unauthentic();
          }
          stored.put(rows.getString(1), new Sealed(rows.getInt(2), nonce, rows.getBytes(4)));
        }
      }
    }
    return stored;
  }

  private static ProxyException collision(String token) {
    return new ProxyException(
        ProxyError.SANITIZER_FAILED,
        "token collision: " + token + " is already bound to a different value in this tenant");
  }
}
