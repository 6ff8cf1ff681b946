package org.complianceproxy.proxy.vault;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import org.complianceproxy.proxy.error.ProxyError;
import org.complianceproxy.proxy.error.ProxyException;

/**
 * Vault operations as JSON lines in {@code <dataDir>/vault/operations.jsonl}, each forced to disk
 * before its future completes; one line per record, {@code "kind":"vault_operation"}. This is the
 * local, fsync'd copy that exists before a reveal discloses anything or a shred starts; {@link
 * TrailVaultAudit} puts the same operations into the chained audit trail (spool, Kafka).
 */
public final class FileVaultAudit implements VaultAudit, AutoCloseable {

  static final String FILE = "operations.jsonl";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path file;
  private final ExecutorService io =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread thread = new Thread(r, "vault-audit");
            thread.setDaemon(true);
            return thread;
          });

  public FileVaultAudit(Path dataDir) {
    this.file = requireNonNull(dataDir, "dataDir").resolve(LocalVault.DIRECTORY).resolve(FILE);
  }

  /** The file records go to. */
  public Path file() {
    return file;
  }

  @Override
  public CompletableFuture<Void> record(VaultOperationEvent record) {
    byte[] line = toJsonLine(record);
    try {
      return CompletableFuture.runAsync(() -> append(line), io)
          .exceptionallyCompose(
              e ->
                  CompletableFuture.failedFuture(
                      new ProxyException(
                          ProxyError.AUDIT_UNAVAILABLE,
                          "the vault operation could not be audited",
                          e)));
    } catch (RejectedExecutionException e) {
      return CompletableFuture.failedFuture(
          new ProxyException(ProxyError.AUDIT_UNAVAILABLE, "vault audit is closed"));
    }
  }

  static byte[] toJsonLine(VaultOperationEvent record) {
    ObjectNode node = JSON.createObjectNode();
    node.put("kind", "vault_operation");
    node.put("schema_version", 1);
    node.put("request_id", record.requestId());
    node.put("timestamp", record.timestamp().toString());
    node.put("operation", record.operation());
    node.put("phase", record.phase());
    node.put("tenant", record.tenant());
    node.put("actor", record.actor());
    node.put("reason", record.reason());
    record.tokens().forEach(node.putArray("tokens")::add);
    node.put("count", record.count());
    node.put("detail", record.detail());
    try {
      return (JSON.writeValueAsString(node) + "\n").getBytes(UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void append(byte[] line) {
    try {
      Files.createDirectories(file.getParent());
      try (FileChannel channel =
          FileChannel.open(
              file,
              StandardOpenOption.CREATE,
              StandardOpenOption.WRITE,
              StandardOpenOption.APPEND)) {
        ByteBuffer buffer = ByteBuffer.wrap(line);
        while (buffer.hasRemaining()) {
          channel.write(buffer);
        }
        channel.force(false);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    io.shutdown();
  }
}
