package org.complianceproxy.proxy.kms;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.complianceproxy.proxy.error.ProxyError;
import org.complianceproxy.proxy.error.ProxyException;

/**
 * Wrapped data keys in {@code <dataDir>/data-keys/<hex(tenant)>/<version>.key}, owner-only. A key
 * file is written next to its name, forced, then linked into place, so it appears whole or not at
 * all and a version is never overwritten; shredding replaces each file by an empty one (the
 * tombstone that keeps the version number taken) and forces the directory.
 *
 * <p>File I/O runs on one thread of its own; these operations are rare (a tenant's first request, a
 * cache refresh, a rotation).
 */
public final class FileTenantKeyStore implements TenantKeyStore {

  static final String DIRECTORY = "data-keys";
  private static final String SUFFIX = ".key";

  private static final Set<PosixFilePermission> OWNER_ONLY_DIRECTORY =
      EnumSet.of(
          PosixFilePermission.OWNER_READ,
          PosixFilePermission.OWNER_WRITE,
          PosixFilePermission.OWNER_EXECUTE);
  private static final Set<PosixFilePermission> OWNER_READ_WRITE =
      EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);

  // <dataDir>/data-keys
  private final Path root;
  // all file I/O, in order
  private final ExecutorService io =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread thread = new Thread(r, "data-key-store");
            thread.setDaemon(true);
            return thread;
          });

  public FileTenantKeyStore(Path dataDir) {
    this.root = requireNonNull(dataDir, "dataDir").resolve(DIRECTORY);
  }

  @Override
  public CompletableFuture<Optional<StoredKey>> latest(String tenant) {
    return run(
        () -> {
          List<Integer> versions = versions(tenant);
          if (versions.isEmpty()) {
            return Optional.empty();
          }
          return read(tenant, versions.get(versions.size() - 1));
        });
  }

  @Override
  public CompletableFuture<Optional<StoredKey>> get(String tenant, int version) {
    return run(() -> read(tenant, version));
  }

  @Override
  public CompletableFuture<StoredKey> addIfAbsent(StoredKey key) {
    return run(
        () -> {
          Path dir = tenantDir(key.tenant());
          createDirectories(dir);
          Path file = dir.resolve(key.version() + SUFFIX);
          Path temp = dir.resolve("." + key.version() + "." + System.nanoTime() + ".tmp");
          try {
            write(temp, key.wrapped().orElse(new byte[0]));
            try {
              Files.createLink(file, temp);
            } catch (FileAlreadyExistsException lostTheRace) {
              return read(key.tenant(), key.version()).orElseThrow();
            }
            force(dir);
            return key;
          } finally {
            Files.deleteIfExists(temp);
          }
        });
  }

  @Override
  public CompletableFuture<List<Integer>> shred(String tenant) {
    return run(
        () -> {
          List<Integer> shredded = new ArrayList<>();
          Path dir = tenantDir(tenant);
          for (int version : versions(tenant)) {
            Path file = dir.resolve(version + SUFFIX);
            if (Files.size(file) > 0) {
              // overwrite in place first, so the old bytes do not linger in a freed block
              try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
                ByteBuffer zeros = ByteBuffer.allocate((int) channel.size());
                while (zeros.hasRemaining()) {
                  channel.write(zeros, zeros.position());
                }
                channel.truncate(0);
                channel.force(true);
              }
              shredded.add(version);
            }
          }
          if (Files.isDirectory(dir)) {
            force(dir);
          }
          return shredded;
        });
  }

  @Override
  public CompletableFuture<List<String>> tenants() {
    return run(
        () -> {
          List<String> tenants = new ArrayList<>();
          if (!Files.isDirectory(root)) {
            return tenants;
          }
          try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root)) {
            for (Path dir : dirs) {
              String tenant;
              try {
                tenant = new String(HexFormat.of().parseHex(dir.getFileName().toString()), UTF_8);
              } catch (IllegalArgumentException notATenant) {
                continue;
              }
              Optional<StoredKey> latest = latestNow(tenant);
              if (latest.isPresent() && !latest.get().shredded()) {
                tenants.add(tenant);
              }
            }
          }
          return tenants;
        });
  }

  @Override
  public void close() {
    io.shutdown();
  }

  private Optional<StoredKey> latestNow(String tenant) throws IOException {
    List<Integer> versions = versions(tenant);
    return versions.isEmpty() ? Optional.empty() : read(tenant, versions.get(versions.size() - 1));
  }

  private Optional<StoredKey> read(String tenant, int version) throws IOException {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(tenantDir(tenant).resolve(version + SUFFIX));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
    return Optional.of(
        new StoredKey(tenant, version, bytes.length == 0 ? Optional.empty() : Optional.of(bytes)));
  }

  private List<Integer> versions(String tenant) throws IOException {
    Path dir = tenantDir(tenant);
    List<Integer> versions = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return versions;
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
      for (Path file : files) {
        String name = file.getFileName().toString();
        try {
          versions.add(Integer.parseInt(name.substring(0, name.length() - SUFFIX.length())));
        } catch (NumberFormatException notAVersion) {
          // a stray file; versions are numbers
        }
      }
    }
    versions.sort(null);
    return versions;
  }

  // hex keeps any tenant id a safe file name
  private Path tenantDir(String tenant) {
    requireNonNull(tenant, "tenant");
    return root.resolve(HexFormat.of().formatHex(tenant.getBytes(UTF_8)));
  }

  private static void write(Path file, byte[] content) throws IOException {
    boolean posix = file.getFileSystem().supportedFileAttributeViews().contains("posix");
    try (FileChannel channel =
        posix
            ? FileChannel.open(
                file,
                Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                PosixFilePermissions.asFileAttribute(OWNER_READ_WRITE))
            : FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ByteBuffer buffer = ByteBuffer.wrap(content);
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
      channel.force(true);
    }
  }

  private static void createDirectories(Path dir) throws IOException {
    if (dir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIRECTORY));
    } else {
      Files.createDirectories(dir);
    }
  }

  private static void force(Path dir) {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException | UnsupportedOperationException ignored) {
      // best effort: not every platform can open a directory
    }
  }

  private interface IoCall<T> {
    T call() throws IOException;
  }

  private <T> CompletableFuture<T> run(IoCall<T> call) {
    Supplier<T> supplier =
        () -> {
          try {
            return call.call();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        };
    try {
      return CompletableFuture.supplyAsync(supplier, io)
          .exceptionallyCompose(
              e ->
                  CompletableFuture.failedFuture(
                      new ProxyException(
                          ProxyError.VAULT_UNAVAILABLE,
                          "data key store failed",
                          e.getCause() == null ? e : e.getCause())));
    } catch (java.util.concurrent.RejectedExecutionException e) {
      return CompletableFuture.failedFuture(
          new ProxyException(ProxyError.VAULT_UNAVAILABLE, "data key store is closed"));
    }
  }
}
