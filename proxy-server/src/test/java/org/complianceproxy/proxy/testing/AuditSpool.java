package org.complianceproxy.proxy.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;

/** Reads the audit records a proxy spooled locally (no Kafka configured), for assertions. */
public final class AuditSpool {

  private static final ObjectMapper JSON = new ObjectMapper();

  private AuditSpool() {}

  /** Every record in the spool files under {@code dataDir/audit}, in file and line order. */
  public static List<JsonNode> read(Path dataDir) {
    Path dir = dataDir.resolve("audit");
    List<JsonNode> records = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return records;
    }
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file :
          files.filter(f -> f.getFileName().toString().endsWith(".jsonl")).sorted().toList()) {
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
          if (!line.isBlank()) {
            records.add(JSON.readTree(line));
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return records;
  }

  /** Waits up to 10 s for records matching {@code filter} (the spool is fsync'd in batches). */
  public static List<JsonNode> await(Path dataDir, Predicate<JsonNode> filter, int atLeast) {
    long deadline = System.nanoTime() + 10_000_000_000L;
    List<JsonNode> matching;
    do {
      matching = read(dataDir).stream().filter(filter).toList();
      if (matching.size() >= atLeast) {
        return matching;
      }
      try {
        Thread.sleep(25);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    } while (System.nanoTime() < deadline);
    return matching;
  }

  public static Predicate<JsonNode> ofRequest(String requestId) {
    return r -> requestId.equals(r.path("request_id").asText());
  }
}
