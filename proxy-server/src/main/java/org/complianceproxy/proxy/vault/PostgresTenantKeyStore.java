package org.complianceproxy.proxy.vault;

import static java.util.Objects.requireNonNull;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.complianceproxy.proxy.kms.TenantKeyStore;

/**
 * Wrapped tenant data keys in the {@code vault_data_keys} table of the shared {@link
 * PostgresStore}, so every replica uses the same keys. Shredding sets {@code wrapped} to NULL and
 * keeps the row, so the version number is never reused.
 */
public final class PostgresTenantKeyStore implements TenantKeyStore {

  private final PostgresStore store;

  /** Uses {@code store} without owning it: closing this store leaves it open. */
  public PostgresTenantKeyStore(PostgresStore store) {
    this.store = requireNonNull(store, "store");
  }

  @Override
  public CompletableFuture<Optional<StoredKey>> latest(String tenant) {
    return store.transaction(
        c ->
            one(
                c,
                "SELECT tenant, version, wrapped FROM vault_data_keys WHERE tenant = ?"
                    + " ORDER BY version DESC LIMIT 1",
                tenant,
                null));
  }

  @Override
  public CompletableFuture<Optional<StoredKey>> get(String tenant, int version) {
    return store.transaction(
        c ->
            one(
                c,
                "SELECT tenant, version, wrapped FROM vault_data_keys"
                    + " WHERE tenant = ? AND version = ?",
                tenant,
                version));
  }

  @Override
  public CompletableFuture<StoredKey> addIfAbsent(StoredKey key) {
    return store.transaction(
        c -> {
          try (PreparedStatement insert =
              c.prepareStatement(
                  "INSERT INTO vault_data_keys (tenant, version, wrapped) VALUES (?, ?, ?)"
                      + " ON CONFLICT (tenant, version) DO NOTHING")) {
            insert.setString(1, key.tenant());
            insert.setInt(2, key.version());
            insert.setBytes(3, key.wrapped().orElse(null));
            if (insert.executeUpdate() == 1) {
              return key;
            }
          }
          return one(
                  c,
                  "SELECT tenant, version, wrapped FROM vault_data_keys"
                      + " WHERE tenant = ? AND version = ?",
                  key.tenant(),
                  key.version())
              .orElseThrow(() -> new SQLException("data key row vanished during insert"));
        });
  }

  @Override
  public CompletableFuture<List<Integer>> shred(String tenant) {
    return store.transaction(
        c -> {
          List<Integer> versions = new ArrayList<>();
          try (PreparedStatement update =
              c.prepareStatement(
                  "UPDATE vault_data_keys SET wrapped = NULL, shredded_at = now()"
                      + " WHERE tenant = ? AND wrapped IS NOT NULL RETURNING version")) {
            update.setString(1, tenant);
            try (ResultSet rows = update.executeQuery()) {
              while (rows.next()) {
                versions.add(rows.getInt(1));
              }
            }
          }
          versions.sort(null);
          return versions;
        });
  }

  @Override
  public CompletableFuture<List<String>> tenants() {
    return store.transaction(
        c -> {
          List<String> tenants = new ArrayList<>();
          try (PreparedStatement select =
                  c.prepareStatement(
                      "SELECT DISTINCT tenant FROM vault_data_keys WHERE wrapped IS NOT NULL"
                          + " ORDER BY tenant");
              ResultSet rows = select.executeQuery()) {
            while (rows.next()) {
              tenants.add(rows.getString(1));
            }
          }
          return tenants;
        });
  }

  @Override
  public void close() {}

  private static Optional<StoredKey> one(Connection c, String sql, String tenant, Integer version)
      throws SQLException {
    try (PreparedStatement select = c.prepareStatement(sql)) {
      select.setString(1, tenant);
      if (version != null) {
        select.setInt(2, version);
      }
      try (ResultSet rows = select.executeQuery()) {
        if (!rows.next()) {
          return Optional.empty();
        }
        return Optional.of(
            new StoredKey(
                rows.getString(1), rows.getInt(2), Optional.ofNullable(rows.getBytes(3))));
      }
    }
  }
}
