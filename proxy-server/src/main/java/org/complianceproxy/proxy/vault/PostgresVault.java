package org.complianceproxy.proxy.vault;

import static java.util.Objects.requireNonNull;

import java.security.GeneralSecurityException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
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
 * <p>A put seals its entries under the tenant's current key and queues them for the writer. The
 * writer inserts the rows of every put queued meanwhile with one multi-row {@code INSERT ... ON
 * CONFLICT DO NOTHING} in one transaction (group commit), and completes the puts once it committed.
 * A row that already existed (stored before, by another replica meanwhile, or by an earlier put of
 * the batch) is read and opened inside the transaction: the same value is fine, another value is a
 * collision, and the puts it collides with fail while the batch is rolled back and written again
 * without them, so a collision stores none of the put's entries and fails no other put. A row
 * sealed under a key version that is not in memory (or was shredded) sends its put the long way:
 * read the stored rows, fetch their keys asynchronously, check, then queue only the new rows.
 *
 * <p>Gets are batched the same way: one query for every get queued meanwhile, each get seeing only
 * its own tenant's rows. A full queue or an unreachable database fails the requests with {@code
 * VAULT_UNAVAILABLE}; futures complete on the store's executor.
 */
public final class PostgresVault implements Vault {

  /** Threads writing batches of puts, each in one transaction. */
  static final int WRITERS = 1;

  /** Threads reading batches of gets. */
  static final int READERS = 2;

  /** Puts (or gets) waiting for a batch; beyond, a request fails at once (VAULT_UNAVAILABLE). */
  static final int QUEUE_CAPACITY = 4096;

  /** Puts per transaction, at most. */
  static final int MAX_WRITE_BATCH = 256;

  /** Gets per query, at most. */
  static final int MAX_READ_BATCH = 256;

  private final PostgresStore store;
  private final Sealer sealer;
  // close() closes the store too
  private final boolean ownsStore;
  // puts' rows, many puts per transaction (group commit)
  private final PostgresStore.Batcher<Write, Void> writes;
  // gets' (and puts' checks of) stored rows, many per query
  private final PostgresStore.Batcher<Lookup, Map<String, Sealed>> reads;

  public PostgresVault(PostgresStore store, KeyProvider keys, boolean ownsStore) {
    this.store = requireNonNull(store, "store");
    this.sealer = new Sealer(requireNonNull(keys, "keys"));
    this.ownsStore = ownsStore;
    this.writes =
        store.batcher("vault-write", WRITERS, QUEUE_CAPACITY, MAX_WRITE_BATCH, true, this::store);
    this.reads =
        store.batcher(
            "vault-read", READERS, QUEUE_CAPACITY, MAX_READ_BATCH, false, PostgresVault::lookUp);
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
        .thenCompose(current -> insertFirst(tenant, wanted, current))
        .exceptionallyCompose(
            failure ->
                unwrap(failure) instanceof Unresolved
                    ? readThenWrite(tenant, wanted)
                    : CompletableFuture.failedFuture(unwrap(failure)));
  }

  // the usual put: every entry sealed and queued at once; the writer checks the rows that exist
  private CompletableFuture<Void> insertFirst(
      String tenant, Map<String, String> wanted, TenantKeys current) {
    Map<String, Sealed> inserts = new LinkedHashMap<>();
    try {
      for (Map.Entry<String, String> entry : wanted.entrySet()) {
        inserts.put(entry.getKey(), sealer.seal(current, tenant, entry.getKey(), entry.getValue()));
      }
    } catch (GeneralSecurityException e) {
      return CompletableFuture.failedFuture(Sealer.unauthentic());
    }
    return writes.submit(new Write(tenant, wanted, inserts, List.of(), false));
  }

  /**
   * A stored row the writer could not check by itself (its key version is not in memory, or was
   * shredded): the put starts again by reading its rows, fetching their keys, then writing.
   */
  private static final class Unresolved extends ProxyException {
    private static final long serialVersionUID = 1L;

    Unresolved() {
      super(ProxyError.VAULT_UNAVAILABLE, "vault entry stored under a key version not in memory");
    }
  }

  private static Throwable unwrap(Throwable failure) {
    return failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
        ? failure.getCause()
        : failure;
  }

  private CompletableFuture<Void> readThenWrite(String tenant, Map<String, String> wanted) {
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
    return writes.submit(new Write(tenant, wanted, inserts, unreadable, true));
  }

  /**
   * One put's rows to insert, queued for the writer; {@code read}: the put read its stored rows
   * before (and found none of {@code inserts} readable), otherwise it inserts first.
   */
  private record Write(
      String tenant,
      Map<String, String> wanted,
      Map<String, Sealed> inserts,
      List<String> unreadable,
      boolean read) {}

  /** One get's (or one put's check of) stored rows, queued for a reader. */
  private record Lookup(String tenant, List<String> tokens) {}

  /** A row's primary key; orders the rows of a batch so that replicas lock them in one order. */
  private record RowKey(String tenant, String token) implements Comparable<RowKey> {
    @Override
    public int compareTo(RowKey other) {
      int byTenant = tenant.compareTo(other.tenant);
      return byTenant != 0 ? byTenant : token.compareTo(other.token);
    }
  }

  /**
   * Writes the rows of many puts in one transaction: one multi-row insert; a put whose token is
   * already bound to another value (by another replica meanwhile, or by an earlier put of this
   * batch) fails alone, and the batch runs again without it.
   */
  private List<Void> store(Connection c, List<Write> batch, Map<Integer, ProxyException> failures)
      throws SQLException {
    for (Write write : batch) {
      if (!write.unreadable().isEmpty()) {
        try (PreparedStatement delete =
            c.prepareStatement("DELETE FROM vault_entries WHERE tenant = ? AND token = ANY (?)")) {
          delete.setString(1, write.tenant());
          delete.setArray(2, c.createArrayOf("text", write.unreadable().toArray()));
          delete.executeUpdate();
        }
      }
    }
    // the first put of a row inserts it; the puts of the batch sharing it must agree on its value
    TreeMap<RowKey, List<Integer>> holders = new TreeMap<>();
    for (int i = 0; i < batch.size(); i++) {
      Write write = batch.get(i);
      for (String token : write.inserts().keySet()) {
        List<Integer> same =
            holders.computeIfAbsent(new RowKey(write.tenant(), token), k -> new ArrayList<>(1));
        if (!same.isEmpty()
            && !batch.get(same.get(0)).wanted().get(token).equals(write.wanted().get(token))) {
          failures.put(i, collision(token));
        }
        same.add(i);
      }
    }
    if (!failures.isEmpty()) {
      return null;
    }
    int rows = holders.size();
    Integer[] versions = new Integer[rows];
    byte[][] nonces = new byte[rows][];
    byte[][] ciphertexts = new byte[rows][];
    int row = 0;
    for (Map.Entry<RowKey, List<Integer>> entry : holders.entrySet()) {
      Sealed sealed = batch.get(entry.getValue().get(0)).inserts().get(entry.getKey().token());
      versions[row] = sealed.keyVersion();
      nonces[row] = sealed.nonce();
      ciphertexts[row] = sealed.ciphertext();
      row++;
    }
    Set<RowKey> inserted = new HashSet<>();
    try (PreparedStatement insert =
        c.prepareStatement(
            "INSERT INTO vault_entries (tenant, token, key_version, nonce, ciphertext)"
                + " SELECT * FROM unnest(?::text[], ?::text[], ?::integer[], ?::bytea[], ?::bytea[])"
                + " ON CONFLICT (tenant, token) DO NOTHING RETURNING tenant, token")) {
      setKeys(c, insert, holders.keySet());
      insert.setArray(3, c.createArrayOf("integer", versions));
      insert.setArray(4, c.createArrayOf("bytea", nonces));
      insert.setArray(5, c.createArrayOf("bytea", ciphertexts));
      try (ResultSet returned = insert.executeQuery()) {
        while (returned.next()) {
          inserted.add(new RowKey(returned.getString(1), returned.getString(2)));
        }
      }
    }
    if (inserted.size() < rows) {
      List<RowKey> raced = new ArrayList<>(rows - inserted.size());
      for (RowKey key : holders.keySet()) {
        if (!inserted.contains(key)) {
          raced.add(key);
        }
      }
      checkRaced(c, raced, holders, batch, failures);
    }
    return Collections.nCopies(batch.size(), null);
  }

  // rows stored before the insert (by anyone, or between a put's read and its insert): the same
  // value, or a collision
  private void checkRaced(
      Connection c,
      List<RowKey> raced,
      Map<RowKey, List<Integer>> holders,
      List<Write> batch,
      Map<Integer, ProxyException> failures)
      throws SQLException {
    Map<RowKey, Sealed> rows = select(c, raced);
    for (Map.Entry<RowKey, Sealed> row : rows.entrySet()) {
      RowKey key = row.getKey();
      List<Integer> owners = holders.get(key);
      ProxyException failure = null;
      String value = null;
      boolean unresolved = false;
      try {
        if (row.getValue().nonce().length != Sealer.NONCE_BYTES) {
          throw new GeneralSecurityException("nonce length");
        }
        TenantKeys keys = sealer.keys().forTenant(key.tenant(), row.getValue().keyVersion());
        value = sealer.open(keys, key.tenant(), key.token(), row.getValue());
      } catch (GeneralSecurityException e) {
        failure = Sealer.unauthentic();
      } catch (RuntimeException notInMemory) {
        unresolved = true;
      }
      // the puts of this row agree on its value (checked before the insert)
      if (value != null && !value.equals(batch.get(owners.get(0)).wanted().get(key.token()))) {
        failure = collision(key.token());
      }
      for (int owner : owners) {
        if (unresolved) {
          // a put that read first found no readable row: another replica wrote it meanwhile
          failures.put(
              owner,
              batch.get(owner).read()
                  ? new ProxyException(
                      ProxyError.VAULT_UNAVAILABLE,
                      "vault entry written concurrently under another key")
                  : new Unresolved());
        } else if (failure != null) {
          failures.put(owner, failure);
        }
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
    return read(tenant, tokens).thenCompose(stored -> sealer.openAll(tenant, stored));
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

  /** Puts waiting for the writer, for tests. */
  int queuedWrites() {
    return writes.queued();
  }

  @Override
  public void close() {
    writes.close();
    reads.close();
    if (ownsStore) {
      store.close();
    }
  }

  private CompletableFuture<Map<String, Sealed>> read(String tenant, Collection<String> tokens) {
    return reads.submit(new Lookup(tenant, List.copyOf(tokens)));
  }

  /** Looks up the rows of many gets in one query; each get sees only its own tenant's rows. */
  private static List<Map<String, Sealed>> lookUp(
      Connection c, List<Lookup> batch, Map<Integer, ProxyException> failures) throws SQLException {
    Set<RowKey> keys = new LinkedHashSet<>();
    for (Lookup lookup : batch) {
      for (String token : lookup.tokens()) {
        keys.add(new RowKey(lookup.tenant(), token));
      }
    }
    Map<RowKey, Sealed> rows = select(c, keys);
    List<Map<String, Sealed>> answers = new ArrayList<>(batch.size());
    for (int i = 0; i < batch.size(); i++) {
      Lookup lookup = batch.get(i);
      Map<String, Sealed> stored = new HashMap<>();
      for (String token : lookup.tokens()) {
        Sealed sealed = rows.get(new RowKey(lookup.tenant(), token));
        if (sealed != null && sealed.nonce().length != Sealer.NONCE_BYTES) {
          // a tampered row fails the gets that asked for it, not the rest of the batch
          failures.put(i, Sealer.unauthentic());
        } else if (sealed != null) {
          stored.put(token, sealed);
        }
      }
      answers.add(stored);
    }
    return answers;
  }

  private static Map<RowKey, Sealed> select(Connection c, Collection<RowKey> keys)
      throws SQLException {
    Map<RowKey, Sealed> stored = new HashMap<>();
    try (PreparedStatement select =
        c.prepareStatement(
            "SELECT v.tenant, v.token, v.key_version, v.nonce, v.ciphertext"
                + " FROM vault_entries v JOIN unnest(?::text[], ?::text[]) AS k (tenant, token)"
                + " ON v.tenant = k.tenant AND v.token = k.token")) {
      setKeys(c, select, keys);
      try (ResultSet rows = select.executeQuery()) {
        while (rows.next()) {
          stored.put(
              new RowKey(rows.getString(1), rows.getString(2)),
              new Sealed(rows.getInt(3), rows.getBytes(4), rows.getBytes(5)));
        }
      }
    }
    return stored;
  }

  // parameters 1 and 2: the tenants and the tokens of keys, in their order
  private static void setKeys(Connection c, PreparedStatement statement, Collection<RowKey> keys)
      throws SQLException {
    String[] tenants = new String[keys.size()];
    String[] tokens = new String[keys.size()];
    int i = 0;
    for (RowKey key : keys) {
      tenants[i] = key.tenant();
      tokens[i] = key.token();
      i++;
    }
    statement.setArray(1, c.createArrayOf("text", tenants));
    statement.setArray(2, c.createArrayOf("text", tokens));
  }

  private static ProxyException collision(String token) {
    return new ProxyException(
        ProxyError.SANITIZER_FAILED,
        "token collision: " + token + " is already bound to a different value in this tenant");
  }
}
