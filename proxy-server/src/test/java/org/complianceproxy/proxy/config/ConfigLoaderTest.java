package org.complianceproxy.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigLoaderTest {

  @TempDir Path dir;

  @Test
  void embeddedDefaultsMatchTheRuntimeContract() {
    ProxyConfig config = ConfigLoader.load(Optional.empty(), Map.of());

    assertThat(config.listen().getHostString()).isEqualTo("127.0.0.1");
    assertThat(config.listen().getPort()).isEqualTo(8080);
    assertThat(config.adminListen().getPort()).isEqualTo(9090);
    assertThat(config.dataDir()).isEqualTo(Path.of("./data"));
    assertThat(config.apiKeys()).isEmpty();
    assertThat(config.openAi().baseUrl().toString()).isEqualTo("https://api.openai.com/v1");
    assertThat(config.openAi().apiKey()).isEmpty();
    assertThat(config.audit().kafkaBootstrapServers()).isEmpty();
    assertThat(config.audit().topic()).isEqualTo("compliance.audit.v1");
    assertThat(config.audit().maxPendingRecords()).isEqualTo(100_000);
    assertThat(config.limits().maxBodyBytes()).isEqualTo(10L * 1024 * 1024);
  }

  @Test
  void rotationIntervalTakesDaysAsTheReadmeWritesIt() throws IOException {
    ProxyConfig config =
        ConfigLoader.load(Optional.of(write("vault:\n  rotation_interval: 30d\n")), Map.of());
    assertThat(config.vault().rotationInterval()).contains(Duration.ofDays(30));

    Path weeks = write("vault:\n  rotation_interval: 4w\n");
    assertThatThrownBy(() -> ConfigLoader.load(Optional.of(weeks), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("vault.rotation_interval")
        .hasMessageContaining("30d");
  }

  @Test
  void recordsWaitingInMemoryAreBoundedByConfiguration() throws IOException {
    ProxyConfig config =
        ConfigLoader.load(Optional.of(write("audit:\n  max_pending_records: 500\n")), Map.of());
    assertThat(config.audit().maxPendingRecords()).isEqualTo(500);

    for (String bad : new String[] {"0", "-3", "20000000", "lots"}) {
      Path file = write("audit:\n  max_pending_records: " + bad + "\n");
      assertThatThrownBy(() -> ConfigLoader.load(Optional.of(file), Map.of()))
          .as(bad)
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("audit.max_pending_records");
    }
  }

  @Test
  void environmentOverridesTheFile() throws IOException {
    Path file =
        write(
            """
        listen: 0.0.0.0:7000
        data_dir: /var/lib/proxy
        openai:
          base_url: http://file.example/v1
          response_timeout: 30s
        audit:
          topic: from-file
        """);

    ProxyConfig config =
        ConfigLoader.load(
            Optional.of(file),
            Map.of(
                "PROXY_LISTEN", "127.0.0.1:7001",
                "OPENAI_BASE_URL", "http://env.example:8081/v1",
                "AUDIT_TOPIC", "from-env",
                "KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"));

    assertThat(config.listen().getPort()).isEqualTo(7001);
    assertThat(config.dataDir()).isEqualTo(Path.of("/var/lib/proxy"));
    assertThat(config.openAi().baseUrl().toString()).isEqualTo("http://env.example:8081/v1");
    assertThat(config.openAi().responseTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(config.audit().topic()).isEqualTo("from-env");
    assertThat(config.audit().kafkaBootstrapServers()).contains("127.0.0.1:9092");
  }

  @Test
  void apiKeysFromTheEnvironmentAreHeldAsHashesOnly() {
    ProxyConfig config =
        ConfigLoader.load(Optional.empty(), Map.of("PROXY_API_KEYS", "acme:sk-a, globex:sk-b"));

    assertThat(config.apiKeys())
        .extracting(ProxyConfig.ApiKey::tenant)
        .containsExactly("acme", "globex");
    assertThat(config.apiKeys().get(0).sha256Hex()).isEqualTo(ConfigLoader.sha256Hex("sk-a"));
    assertThat(config.toString()).doesNotContain("sk-a").doesNotContain("sk-b");
  }

  @Test
  void upstreamKeyNeverAppearsInToString() {
    ProxyConfig config =
        ConfigLoader.load(Optional.empty(), Map.of("OPENAI_API_KEY", "sk-upstream-secret"));

    assertThat(config.openAi().apiKey()).contains("sk-upstream-secret");
    assertThat(config.toString()).doesNotContain("sk-upstream-secret");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "unknown top key | 'listn: 127.0.0.1:80' | Unknown configuration key listn",
        "unknown nested key | 'openai: {timeout: 5s}' | Unknown configuration key openai.timeout",
        "bad duration | 'openai: {connect_timeout: soon}' | Invalid value soon for configuration openai.connect_timeout",
        "zero duration | 'openai: {idle_timeout: 0s}' | Invalid value PT0S for configuration openai.idle_timeout",
        "bad size | 'limits: {max_body: lots}' | Invalid value lots for configuration limits.max_body",
        "bad listen | 'listen: nowhere' | Invalid value nowhere for configuration listen",
        "bad base url | 'openai: {base_url: ftp://x/v1}' | Invalid value ftp://x/v1 for configuration openai.base_url",
        "bad tenant | 'api_keys: [{tenant: \"a b\", key: k}]' | Invalid value a b for configuration api_keys[0].tenant",
        "bad hash | 'api_keys: [{tenant: a, sha256: abc}]' | Invalid value <redacted> for configuration api_keys[0].sha256",
        "missing trust file | 'openai: {trust_cert_file: /no/such.pem}' | Invalid value /no/such.pem for configuration openai.trust_cert_file",
        "bad strict flag | 'audit: {strict: maybe}' | Invalid value maybe for configuration audit.strict",
        "bad kms endpoint | 'vault: {kms_endpoint: kms.local}' | Invalid value kms.local for configuration vault.kms_endpoint",
      })
  void invalidConfigurationNamesTheKeyAndTheValue(String name, String yaml, String message)
      throws IOException {
    Path file = write(yaml);

    assertThatThrownBy(() -> ConfigLoader.load(Optional.of(file), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(message);
  }

  @Test
  void malformedApiKeysVariableNeverEchoesTheKey() {
    assertThatThrownBy(
            () -> ConfigLoader.load(Optional.empty(), Map.of("PROXY_API_KEYS", "sk-no-tenant")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("PROXY_API_KEYS")
        .hasMessageNotContaining("sk-no-tenant");
  }

  @ParameterizedTest
  @CsvSource({"500ms, 500", "30s, 30000", "2m, 120000", "1h, 3600000", "30d, 2592000000"})
  void durationsCarryTheirUnit(String text, long millis) {
    assertThat(Units.duration("k", text).toMillis()).isEqualTo(millis);
  }

  @ParameterizedTest
  @CsvSource({"512, 512", "1KiB, 1024", "10MiB, 10485760", "2GB, 2000000000"})
  void sizesCarryTheirUnit(String text, long bytes) {
    assertThat(Units.bytes("k", text)).isEqualTo(bytes);
  }

  private Path write(String yaml) throws IOException {
    Path file = dir.resolve("proxy.yaml");
    Files.writeString(file, yaml);
    return file;
  }
}
