package org.complianceproxy.proxy.audit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.complianceproxy.proxy.config.ConfigLoader;
import org.complianceproxy.proxy.config.ProxyConfig;

/**
 * The configuration each start of a data directory ran with, kept as hashes in {@code
 * <dataDir>/config-history.json}: the whole configuration's SHA-256 (the {@code config_sha256} of
 * the start record) and one per top-level key. At start, {@link #recordStart} answers the {@code
 * config_change} lifecycle record when the configuration differs from the previous start's.
 *
 * <p>Only hashes of the configuration's secret-free text ({@link ProxyConfig#toString()}, which
 * leaves out upstream keys, JDBC URLs and passwords, and holds client and admin keys as hashes) are
 * stored or compared, so neither the file nor the record can disclose a secret; a change to a value
 * the text leaves out is not seen.
 */
public final class ConfigHistory {

  static final String FILE = "config-history.json";
  private static final ObjectMapper JSON = new ObjectMapper();

  private ConfigHistory() {}

  /** The hash written into start records: SHA-256 of the configuration's secret-free text. */
  public static String sha256(ProxyConfig config) {
    return ConfigLoader.sha256Hex(config.toString());
  }

  /**
   * Compares {@code config} with the one the previous start recorded in its data directory, then
   * records {@code config} as the latest. Answers a {@code config_change} record (previous hash,
   * new hash, names of the changed top-level keys) when they differ; empty on the first start, on
   * an unchanged configuration, or when the previous record is unreadable (a warning-free fresh
   * start: the start record still carries the hash).
   *
   * @throws IOException when the new history cannot be written
   */
  public static Optional<LifecycleRecord> recordStart(ProxyConfig config, String proxyVersion)
      throws IOException {
    requireNonNull(config, "config");
    requireNonNull(proxyVersion, "proxyVersion");
    Path file = config.dataDir().resolve(FILE);
    String hash = sha256(config);
    Map<String, String> sections = sections(config);
    Optional<LifecycleRecord> change = Optional.empty();
    JsonNode previous = read(file);
    if (previous != null) {
      String previousHash = previous.path("config_sha256").asText("");
      if (previousHash.matches("[0-9a-f]{64}") && !previousHash.equals(hash)) {
        List<String> changed = new ArrayList<>();
        JsonNode before = previous.path("keys");
        for (Map.Entry<String, String> e : sections.entrySet()) {
          if (!e.getValue().equals(before.path(e.getKey()).asText(null))) {
            changed.add(e.getKey());
          }
        }
        change =
            Optional.of(LifecycleRecord.configChange(proxyVersion, previousHash, hash, changed));
      }
    }
    write(file, hash, sections);
    return change;
  }

  // top-level YAML key -> SHA-256 of that part's secret-free text
  static Map<String, String> sections(ProxyConfig config) {
    Map<String, Object> parts = new LinkedHashMap<>();
    parts.put("listen", config.listen());
    parts.put("admin_listen", config.adminListen());
    parts.put("data_dir", config.dataDir());
    parts.put("api_keys", config.apiKeys());
    parts.put("limits", config.limits());
    parts.put("openai", config.openAi());
    parts.put("audit", config.audit());
    parts.put("vault", config.vault());
    parts.put("bedrock", config.bedrock());
    parts.put("admin_keys", config.adminKeySha256s());
    parts.put("dlp", config.dlp());
    Map<String, String> hashes = new LinkedHashMap<>();
    parts.forEach((key, value) -> hashes.put(key, ConfigLoader.sha256Hex(String.valueOf(value))));
    return hashes;
  }

  private static JsonNode read(Path file) {
    if (!Files.isRegularFile(file)) {
      return null;
    }
    try {
      JsonNode node = JSON.readTree(Files.readString(file, UTF_8));
      return node != null && node.isObject() ? node : null;
    } catch (IOException e) {
      return null;
    }
  }

  private static void write(Path file, String hash, Map<String, String> sections)
      throws IOException {
    ObjectNode node = JSON.createObjectNode();
    node.put("config_sha256", hash);
    ObjectNode keys = node.putObject("keys");
    sections.forEach(keys::put);
    Files.createDirectories(file.getParent());
    Path tmp = file.resolveSibling(FILE + ".tmp");
    Files.writeString(tmp, JSON.writeValueAsString(node) + "\n", UTF_8);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
