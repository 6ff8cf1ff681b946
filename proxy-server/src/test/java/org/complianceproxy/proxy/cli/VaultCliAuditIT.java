package org.complianceproxy.proxy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.complianceproxy.proxy.audit.AuditRecords;
import org.complianceproxy.proxy.audit.AuditTopic;
import org.complianceproxy.proxy.testing.AuditSpool;
import org.complianceproxy.proxy.testing.KafkaBroker;
import org.complianceproxy.standin.KmsStandIn;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code vault rotate} run without a serving proxy writes its {@code vault_operation} record into
 * the audit trail: the local spool, and the Kafka topic when Kafka is configured (real broker, KMS
 * stand-in speaking AWS JSON 1.1 to the real SDK client).
 */
class VaultCliAuditIT {

  private static final String ADMIN_KEY = "adm-cli-rotate-officer";

  private static KmsStandIn kms;

  @TempDir Path dir;

  @BeforeAll
  static void start() {
    // the SDK's default credentials chain reads these first; the stand-in does not check them
    System.setProperty("aws.accessKeyId", "AKIDVAULTCLIAUDITIT");
    System.setProperty("aws.secretAccessKey", "test-secret-not-real");
    kms = KmsStandIn.start(0);
  }

  @AfterAll
  static void stop() {
    kms.close();
    System.clearProperty("aws.accessKeyId");
    System.clearProperty("aws.secretAccessKey");
  }

  @Test
  void rotateWritesAVaultOperationRecordToTheSpool() {
    Path dataDir = dir.resolve("spool-only");

    Result result = rotate(env(dataDir), "acme", "CHG-118");

    assertThat(result.exit()).as(result.err()).isZero();
    List<JsonNode> records = AuditSpool.read(dataDir);
    JsonNode rotation = only(records, "vault_operation");
    assertRotation(rotation, "acme", "CHG-118", result);
    assertThat(records.get(records.size() - 1).path("event").asText()).isEqualTo("stop");
    AuditRecords.assertAllValid(records);
  }

  @Test
  void rotateWithKafkaConfiguredReachesTheTopic() {
    Path dataDir = dir.resolve("kafka");
    String topic = "vault-cli-audit-it";
    Map<String, String> env = env(dataDir);
    env.put("KAFKA_BOOTSTRAP_SERVERS", KafkaBroker.bootstrapServers());
    env.put("AUDIT_TOPIC", topic);

    Result result = rotate(env, "globex", "CHG-119");

    assertThat(result.exit()).as(result.err()).isZero();
    List<JsonNode> records =
        AuditTopic.readAll(KafkaBroker.bootstrapServers(), topic).stream()
            .map(AuditTopic.Entry::json)
            .toList();
    JsonNode rotation = only(records, "vault_operation");
    assertRotation(rotation, "globex", "CHG-119", result);
    AuditRecords.assertAllValid(records);
  }

  private static void assertRotation(JsonNode record, String tenant, String reason, Result result) {
    assertThat(record.path("operation").asText()).isEqualTo("rotate");
    assertThat(record.path("tenant").asText()).isEqualTo(tenant);
    assertThat(record.path("reason").asText()).isEqualTo(reason);
    assertThat(record.path("outcome").asText()).isEqualTo("ok");
    assertThat(record.path("actor").asText()).startsWith("admin:").doesNotContain(ADMIN_KEY);
    assertThat(record.toString()).doesNotContain(ADMIN_KEY);
    assertThat(record.path("instance").asText()).startsWith("vault-cli-");
    assertThat(result.out()).contains("data key version " + record.path("key_version").asInt());
  }

  private static JsonNode only(List<JsonNode> records, String kind) {
    List<JsonNode> matching =
        records.stream().filter(r -> kind.equals(r.path("kind").asText())).toList();
    assertThat(matching).as("%s records", kind).hasSize(1);
    return matching.get(0);
  }

  private Map<String, String> env(Path dataDir) {
    Map<String, String> env = new HashMap<>();
    env.put("PROXY_DATA_DIR", dataDir.toString());
    env.put("PROXY_ADMIN_KEYS", ADMIN_KEY);
    env.put("PROXY_ADMIN_KEY", ADMIN_KEY);
    env.put("KMS_KEY_ID", "alias/vault-cli-audit-it");
    env.put("KMS_ENDPOINT", kms.endpoint());
    env.put("KMS_REGION", "us-east-1");
    return env;
  }

  private record Result(int exit, String out, String err) {}

  private static Result rotate(Map<String, String> env, String tenant, String reason) {
    VaultRotateCommand command = new VaultRotateCommand();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine line = new CommandLine(command);
    line.setOut(new PrintWriter(out));
    line.setErr(new PrintWriter(err));
    line.parseArgs("--tenant", tenant, "--reason", reason);
    int exit = command.call(env);
    return new Result(exit, out.toString(), err.toString());
  }
}
