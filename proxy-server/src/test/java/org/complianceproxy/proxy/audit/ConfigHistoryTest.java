package org.complianceproxy.proxy.audit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.complianceproxy.proxy.config.ConfigLoader;
import org.complianceproxy.proxy.config.ProxyConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A start with a configuration other than the previous start's yields a config_change record. */
class ConfigHistoryTest {

  private static final String UPSTREAM_SECRET = "sk-upstream-config-history-secret";
  private static final String DB_PASSWORD = "pg-config-history-password";

  @TempDir Path dataDir;

  private ProxyConfig config(Map<String, String> extra) throws Exception {
    Map<String, String> env = new HashMap<>();
    env.put("PROXY_DATA_DIR", dataDir.toString());
    env.put("OPENAI_API_KEY", UPSTREAM_SECRET);
    env.putAll(extra);
    return ConfigLoader.load(Optional.empty(), env);
  }

  @Test
  void firstAndUnchangedStartsRecordNoChange() throws Exception {
    assertThat(ConfigHistory.recordStart(config(Map.of()), "0.1.0")).isEmpty();
    assertThat(ConfigHistory.recordStart(config(Map.of()), "0.1.0")).isEmpty();
  }

  @Test
  void aChangedKeyYieldsOldAndNewHashAndTheKeyName() throws Exception {
    ProxyConfig before = config(Map.of());
    ProxyConfig after = config(Map.of("AUDIT_STRICT", "true"));
    ConfigHistory.recordStart(before, "0.1.0");

    LifecycleRecord change = ConfigHistory.recordStart(after, "0.1.0").orElseThrow();

    assertThat(change.event()).isEqualTo("config_change");
    assertThat(change.previousConfigSha256()).isEqualTo(ConfigHistory.sha256(before));
    assertThat(change.configSha256())
        .isEqualTo(ConfigHistory.sha256(after))
        .isNotEqualTo(change.previousConfigSha256());
    assertThat(change.changedKeys()).containsExactly("audit");
    // the next start with the same configuration is no change any more
    assertThat(ConfigHistory.recordStart(after, "0.1.0")).isEmpty();
  }

  @Test
  void theChangeRecordIsSchemaValidAndNeitherItNorTheHistoryHoldsSecrets() throws Exception {
    ConfigHistory.recordStart(config(Map.of()), "0.1.0");
    LifecycleRecord change =
        ConfigHistory.recordStart(
                config(
                    Map.of(
                        "VAULT_JDBC_URL",
                        "jdbc:postgresql://db/vault?password=" + DB_PASSWORD,
                        "OPENAI_BASE_URL",
                        "http://127.0.0.1:9/v1")),
                "0.1.0")
            .orElseThrow();

    String line =
        new String(new AuditJson("proxy-1").toJsonBytes(change, 1, AuditChain.GENESIS), UTF_8);
    AuditRecords.assertValid(line);
    assertThat(change.changedKeys()).containsExactlyInAnyOrder("openai", "vault");
    String history = Files.readString(dataDir.resolve(ConfigHistory.FILE), UTF_8);
    for (String text : new String[] {line, history}) {
      assertThat(text).doesNotContain(UPSTREAM_SECRET).doesNotContain(DB_PASSWORD);
    }
  }

  @Test
  void everySettingThatChangesBehaviourIsNamedByItsSection() throws Exception {
    Path file = dataDir.resolve("proxy.yaml");
    Map<String, String> changes = new java.util.LinkedHashMap<>();
    changes.put("openai: {response_timeout: 30s}", "openai");
    changes.put("openai: {connect_timeout: 1s}", "openai");
    changes.put("openai: {max_connections_per_loop: 4}", "openai");
    changes.put("vault: {data_key_ttl: 1m}", "vault");
    changes.put("vault: {kms_region: eu-west-1}", "vault");
    changes.put("vault: {rotation_interval: 720h}", "vault");
    changes.put("vault: {jdbc_url: 'jdbc:postgresql://db-b/vault'}", "vault");
    changes.put("dlp: {default_policy: {actions: {EMAIL: mask}}}", "dlp");
    changes.put("dlp: {default_policy: {deny: [Bluebird]}}", "dlp");
    for (Map.Entry<String, String> change : changes.entrySet()) {
      Files.writeString(file, "vault: {jdbc_url: 'jdbc:postgresql://db-a/vault'}\n", UTF_8);
      ConfigHistory.recordStart(ConfigLoader.load(Optional.of(file), env()), "0.1.0");
      Files.writeString(
          file,
          change.getKey().startsWith("vault")
              ? change.getKey()
              : "vault: {jdbc_url: 'jdbc:postgresql://db-a/vault'}\n" + change.getKey(),
          UTF_8);

      Optional<LifecycleRecord> record =
          ConfigHistory.recordStart(ConfigLoader.load(Optional.of(file), env()), "0.1.0");

      assertThat(record).as(change.getKey()).isPresent();
      assertThat(record.orElseThrow().changedKeys())
          .as(change.getKey())
          .contains(change.getValue());
    }
  }

  @Test
  void aJdbcUrlsCredentialsDoNotEnterTheHashedText() throws Exception {
    ProxyConfig.VaultSettings vault =
        config(
                Map.of(
                    "VAULT_JDBC_URL",
                    "jdbc:postgresql://vault_user:"
                        + DB_PASSWORD
                        + "@db/vault?password="
                        + DB_PASSWORD))
            .vault();

    assertThat(vault.toString()).contains("jdbc:postgresql://db/vault").doesNotContain(DB_PASSWORD);
  }

  private Map<String, String> env() {
    return Map.of("PROXY_DATA_DIR", dataDir.toString(), "OPENAI_API_KEY", UPSTREAM_SECRET);
  }

  @Test
  void anUnreadableHistoryIsTreatedAsAFirstStart() throws Exception {
    Files.writeString(dataDir.resolve(ConfigHistory.FILE), "{not json", UTF_8);

    assertThat(ConfigHistory.recordStart(config(Map.of()), "0.1.0")).isEmpty();
    assertThat(ConfigHistory.recordStart(config(Map.of("AUDIT_STRICT", "true")), "0.1.0"))
        .isPresent();
  }
}
