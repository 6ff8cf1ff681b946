package org.complianceproxy.proxy.vault;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import org.complianceproxy.proxy.error.ProxyError;
import org.complianceproxy.proxy.error.ProxyException;
import org.complianceproxy.proxy.token.KeyProvider;
import org.complianceproxy.proxy.token.TenantKeys;
import org.complianceproxy.proxy.vault.Sealer.Sealed;
import org.complianceproxy.proxy.vault.VaultLog.LogEntry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded vault: an append-only log under {@code <dataDir>/vault/} (see {@link VaultLog}) and
 * an in-memory index of every entry, still sealed, which reads answer from without I/O.
 *
 * <p>Writes go through one writer thread that commits in groups: it takes every put queued while
 * the previous fsync ran, appends them with one write, forces the file once, then completes their
 * futures. Futures therefore complete on the writer thread; callers should hop to their own
 * executor before doing more than a little work.
 *
 * <p>One process owns a vault directory at a time (an OS file lock); several replicas need the
 * shared PostgreSQL vault instead.
 */
public final class LocalVault implements Vault {

  static final String DIRECTORY = "vault";
  static final String LOG_FILE = "vault.log";

  private static final Logger log = LoggerFactory.getLogger(LocalVault.class);

  /** Puts taken into one group commit at most; bounds the size of one write. */
  private static final int MAX_PUTS_PER_COMMIT = 1024;

  private static final Set<PosixFilePermission> OWNER_ONLY_DIRECTORY =
      EnumSet.of(
          PosixFilePermission.OWNER_READ,
          PosixFilePermission.OWNER_WRITE,
          PosixFilePermission.OWNER_EXECUTE);
  private static final Set<PosixFilePermission> OWNER_READ_WRITE =
      EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);

  private record Key(String tenant, String token) {}

  /**
   * One queued write: entries sealed under {@code keys} (the tenant's current keys, fetched before
   * queueing), or a shred of the tenant when {@code shred}; {@code known} holds keys of the stored
   * entries' versions, fetched for the collision check.
   */
  private record Put(
      String tenant,
      List<VaultEntry> entries,
      TenantKeys keys,
      Map<Integer, TenantKeys> known,
      boolean shred,
      CompletableFuture<Integer> done) {}

  // tells the writer that no put follows
  private static final Put END =
      new Put("", List.of(), null, Map.of(), false, new CompletableFuture<>());

  // the log file, for messages
  private final Path file;
  // the log; written by the writer thread only, after replay
  private final FileChannel channel;
  // keeps other processes out for as long as this vault is open
  private final FileLock lock;
  // seals and opens values
  private final Sealer sealer;
  // every durable entry; written by the writer thread only, read by anyone
  private final ConcurrentHashMap<Key, Sealed> index;
  // puts waiting for the writer
  private final BlockingQueue<Put> queue = new LinkedBlockingQueue<>();
  // guards closed against a put slipping in behind END
  private final Object lifecycle = new Object();
  // set once by close(); guarded by lifecycle
  private boolean closed;
  // where the next record goes; writer thread only
  private long end;
  // set when a failed write could not be undone; every later put fails (writer thread only)
  private IOException broken;
  private final Thread writer;

  private LocalVault(
      Path file,
      FileChannel channel,
      FileLock lock,
      Sealer sealer,
      ConcurrentHashMap<Key, Sealed> index,
      long end) {
    this.file = file;
    this.channel = channel;
    this.lock = lock;
    this.sealer = sealer;
    this.index = index;
    this.end = end;
    this.writer = new Thread(this::runWriter, "vault-writer");
    writer.setDaemon(true);
  }

  /**
   * Opens the vault under {@code dataDir}, creating it on first use, and replays its log into
   * memory.
   *
   * @throws IOException when the log cannot be read, is damaged before its last record, or another
   *     process has the vault open
   */
  public static LocalVault open(Path dataDir, KeyProvider keys) throws IOException {
    requireNonNull(dataDir, "dataDir");
    requireNonNull(keys, "keys");
    Path dir = dataDir.resolve(DIRECTORY);
    boolean posix = dir.getFileSystem().supportedFileAttributeViews().contains("posix");
    if (posix) {
      Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIRECTORY));
    } else {
      Files.createDirectories(dir);
    }
    Path file = dir.resolve(LOG_FILE);
    FileAttribute<?>[] attributes =
        posix
            ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_READ_WRITE)}
            : new FileAttribute<?>[0];
    FileChannel channel =
        FileChannel.open(
            file,
            Set.of(StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE),
            attributes);
    try {
      FileLock lock;
      try {
        lock = channel.tryLock();
      } catch (OverlappingFileLockException openInThisProcess) {
        lock = null;
      }
      if (lock == null) {
        throw new IOException("Vault " + file + " is already open (in this or another process)");
      }
      ConcurrentHashMap<Key, Sealed> index = new ConcurrentHashMap<>();
      long end =
          VaultLog.replay(
              channel,
              file,
              new VaultLog.Sink() {
                @Override
                public void entry(LogEntry entry) {
                  // a later record of the same token only exists when the earlier one could no
                  // longer be opened (its key was shredded)
                  index.put(new Key(entry.tenant(), entry.token()), entry.sealed());
                }

                @Override
                public void shred(String tenant) {
                  index.keySet().removeIf(key -> key.tenant().equals(tenant));
                }
              });
      long size = channel.size();
      if (end < size) {
        log.warn(
            "Vault {}: dropped a torn last record ({} bytes) left by a crash; its put never"
                + " completed",
            file,
            size - end);
        channel.truncate(end);
        channel.force(false);
      }
      LocalVault vault = new LocalVault(file, channel, lock, new Sealer(keys), index, end);
      vault.writer.start();
      log.info("Opened vault {} with {} entries", file, index.size());
      return vault;
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  @Override
  public CompletableFuture<Void> putAll(String tenant, Collection<VaultEntry> entries) {
    requireNonNull(tenant, "tenant");
    requireNonNull(entries, "entries");
    List<VaultEntry> copy = List.copyOf(entries);
    List<Sealed> stored = new ArrayList<>();
    for (VaultEntry entry : copy) {
      Sealed sealed = index.get(new Key(tenant, entry.token()));
      if (sealed != null) {
        stored.add(sealed);
      }
    }
    // with the local keyring both complete at once and everything below runs on this thread
    return sealer
        .keys()
        .forTenantAsync(tenant)
        .thenCombine(
            sealer.keysFor(tenant, stored),
            (current, known) -> enqueue(tenant, copy, current, known))
        .thenCompose(done -> done)
        .thenApply(ignored -> (Void) null);
  }

  private CompletableFuture<Integer> enqueue(
      String tenant, List<VaultEntry> entries, TenantKeys current, Map<Integer, TenantKeys> known) {
    // most puts repeat what a previous turn of the conversation stored: answer those from memory
    List<VaultEntry> missing = new ArrayList<>();
    try {
      for (VaultEntry entry : entries) {
        Sealed stored = index.get(new Key(tenant, entry.token()));
        TenantKeys keys = stored == null ? null : known.get(stored.keyVersion());
        if (keys == null) {
          missing.add(entry);
        } else if (!sealer.open(keys, tenant, entry.token(), stored).equals(entry.value())) {
          return CompletableFuture.failedFuture(collision(entry.token()));
        }
      }
    } catch (GeneralSecurityException e) {
      return CompletableFuture.failedFuture(Sealer.unauthentic());
    }
    if (missing.isEmpty()) {
      return CompletableFuture.completedFuture(0);
    }
    return submit(new Put(tenant, missing, current, known, false, new CompletableFuture<>()));
  }

  private CompletableFuture<Integer> submit(Put put) {
    synchronized (lifecycle) {
      if (closed) {
        return CompletableFuture.failedFuture(
            new ProxyException(ProxyError.VAULT_UNAVAILABLE, "vault is closed"));
      }
      queue.add(put);
    }
    return put.done();
  }

  @Override
  public CompletableFuture<Map<String, String>> getAll(String tenant, Collection<String> tokens) {
    requireNonNull(tenant, "tenant");
    requireNonNull(tokens, "tokens");
    Map<String, Sealed> stored = new HashMap<>();
    for (String token : tokens) {
      Sealed sealed = index.get(new Key(tenant, token));
      if (sealed != null) {
        stored.put(token, sealed);
      }
    }
    if (stored.isEmpty()) {
      return CompletableFuture.completedFuture(new HashMap<>());
    }
    return sealer.openAll(tenant, stored);
  }

  /**
   * Appends a shred record for {@code tenant} and drops its entries from memory; replay drops them
   * too, so they never come back.
   */
  @Override
  public CompletableFuture<Integer> shred(String tenant) {
    requireNonNull(tenant, "tenant");
    return submit(new Put(tenant, List.of(), null, Map.of(), true, new CompletableFuture<>()));
  }

  /** Entries stored, over all tenants. */
  public int size() {
    return index.size();
  }

  @Override
  public void close() {
    synchronized (lifecycle) {
      if (closed) {
        return;
      }
      closed = true;
      queue.add(END);
    }
    boolean interrupted = false;
    while (writer.isAlive()) {
      try {
        writer.join();
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    try {
      lock.release();
      channel.close();
    } catch (IOException e) {
      log.warn("Vault {}: closing the log failed", file, e);
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private void runWriter() {
    List<Put> batch = new ArrayList<>();
    boolean ending = false;
    while (!ending) {
      batch.clear();
      try {
        batch.add(queue.take());
      } catch (InterruptedException e) {
        // only close() ends the writer: an interrupt must not strand queued futures
        continue;
      }
      queue.drainTo(batch, MAX_PUTS_PER_COMMIT - 1);
      if (batch.removeIf(put -> put == END)) {
        // close() queued END after every put it let in; take them all into this last commit
        ending = true;
        queue.drainTo(batch);
      }
      try {
        commit(batch);
      } catch (RuntimeException | Error e) {
        fail(batch, new ProxyException(ProxyError.VAULT_UNAVAILABLE, "vault write failed", e));
        log.error("Vault {}: commit failed", file, e);
      }
    }
  }

  /** Validates, seals and appends the new entries of {@code batch}, then forces the file once. */
  private void commit(List<Put> batch) {
    if (broken != null) {
      fail(batch, unavailable(broken));
      return;
    }
    List<Put> accepted = new ArrayList<>(batch.size());
    List<LogEntry> records = new ArrayList<>();
    // entries of this batch not yet in the index, so that two puts in one batch see each other
    Map<Key, String> pending = new HashMap<>();
    for (Put put : batch) {
      if (put.shred()) {
        // everything accepted before it is appended first, so the shred covers it
        commitRecords(accepted, records);
        accepted.clear();
        records.clear();
        pending.clear();
        shredNow(put);
        continue;
      }
      Map<Key, String> added = new LinkedHashMap<>();
      ProxyException rejection = null;
      try {
        for (VaultEntry entry : put.entries()) {
          Key key = new Key(put.tenant(), entry.token());
          String existing = pending.get(key);
          if (existing == null) {
            existing = added.get(key);
          }
          if (existing == null) {
            Sealed stored = index.get(key);
            TenantKeys keys = stored == null ? null : keysOf(put, stored.keyVersion());
            existing = keys == null ? null : sealer.open(keys, put.tenant(), entry.token(), stored);
          }
          if (existing == null) {
            added.put(key, entry.value());
          } else if (!existing.equals(entry.value())) {
            rejection = collision(entry.token());
            break;
          }
        }
        if (rejection == null) {
          List<LogEntry> sealed = new ArrayList<>(added.size());
          for (Map.Entry<Key, String> entry : added.entrySet()) {
            Key key = entry.getKey();
            LogEntry record =
                new LogEntry(
                    key.tenant(),
                    key.token(),
                    sealer.seal(put.keys(), key.tenant(), key.token(), entry.getValue()));
            VaultLog.encodedSize(record);
            sealed.add(record);
          }
          records.addAll(sealed);
          pending.putAll(added);
          accepted.add(put);
        }
      } catch (GeneralSecurityException e) {
        rejection = Sealer.unauthentic();
      } catch (IllegalArgumentException e) {
        rejection =
            new ProxyException(
                ProxyError.SANITIZER_FAILED, "vault entry too large: " + e.getMessage());
      }
      if (rejection != null) {
        put.done().completeExceptionally(rejection);
      }
    }
    commitRecords(accepted, records);
  }

  /** Appends {@code records} with one write and one force, then completes {@code accepted}. */
  private void commitRecords(List<Put> accepted, List<LogEntry> records) {
    if (!records.isEmpty()) {
      try {
        append(VaultLog.encodeAll(records));
      } catch (IOException e) {
        log.error("Vault {}: append failed; {} puts fail", file, accepted.size(), e);
        undoAppend();
        fail(accepted, unavailable(e));
        return;
      }
      for (LogEntry record : records) {
        // replaces only an entry that could not be opened any more (shredded key)
        index.put(new Key(record.tenant(), record.token()), record.sealed());
      }
    }
    for (Put put : accepted) {
      put.done().complete(put.entries().size());
    }
  }

  private void shredNow(Put put) {
    if (broken != null) {
      put.done().completeExceptionally(unavailable(broken));
      return;
    }
    try {
      append(VaultLog.encodeShred(put.tenant()));
    } catch (IOException e) {
      log.error("Vault {}: shred append failed", file, e);
      undoAppend();
      put.done().completeExceptionally(unavailable(e));
      return;
    } catch (IllegalArgumentException e) {
      put.done().completeExceptionally(e);
      return;
    }
    int[] removed = {0};
    index
        .keySet()
        .removeIf(
            key -> {
              boolean match = key.tenant().equals(put.tenant());
              if (match) {
                removed[0]++;
              }
              return match;
            });
    log.info("Vault {}: shredded {} entries of tenant {}", file, removed[0], put.tenant());
    put.done().complete(removed[0]);
  }

  // keys of a stored entry's version: fetched with the put, else from memory; null when gone
  private TenantKeys keysOf(Put put, int version) {
    TenantKeys keys = put.known().get(version);
    if (keys == null && put.keys().version() == version) {
      keys = put.keys();
    }
    if (keys == null) {
      try {
        keys = sealer.keys().forTenant(put.tenant(), version);
      } catch (RuntimeException notInMemory) {
        return null;
      }
    }
    return keys;
  }

  private void append(ByteBuffer buffer) throws IOException {
    long position = end;
    while (buffer.hasRemaining()) {
      position += channel.write(buffer, position);
    }
    channel.force(false);
    end = position;
  }

  // a partial append would sit between good records; cut it off, or refuse all further writes
  private void undoAppend() {
    try {
      channel.truncate(end);
      channel.force(false);
    } catch (IOException e) {
      broken = e;
      log.error("Vault {}: cannot cut off a failed append; refusing further writes", file, e);
    }
  }

  private static void fail(List<Put> puts, Exception failure) {
    for (Put put : puts) {
      put.done().completeExceptionally(failure);
    }
  }

  private static ProxyException collision(String token) {
    return new ProxyException(
        ProxyError.SANITIZER_FAILED,
        "token collision: " + token + " is already bound to a different value in this tenant");
  }

  private static ProxyException unavailable(IOException cause) {
    return new ProxyException(ProxyError.VAULT_UNAVAILABLE, "vault write failed", cause);
  }
}
