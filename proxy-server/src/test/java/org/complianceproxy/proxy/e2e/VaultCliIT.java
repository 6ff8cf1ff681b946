package org.complianceproxy.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.complianceproxy.proxy.testing.LeakGuard;
import org.complianceproxy.proxy.testing.ProxyHarness;
import org.complianceproxy.standin.OpenAiStandIn;
import org.complianceproxy.standin.StandInOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vault reveal} of the packaged jar (as {@code java -cp jar ...cli.VaultCommand}, which
 * works whether or not {@code Main} lists the subcommand) on the data directory a proxy left
 * behind: the officer's admin key (from the environment, never the command line) reveals the
 * tenant's tokens as JSON lines and the operation lands in the vault audit file; a client key is
 * refused.
 */
@ExtendWith(LeakGuard.class)
class VaultCliIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ADMIN_KEY = "adm-cli-officer-key";

  @TempDir Path dir;

  @Test
  void revealPrintsTheTenantsValuesForAnAdminKeyAndAuditsIt() throws Exception {
    String token;
    Path dataDir = dir.resolve("data");
    try (OpenAiStandIn upstream =
        OpenAiStandIn.start(StandInOptions.defaults().withApiKey(ProxyHarness.UPSTREAM_KEY))) {
      try (ProxyHarness proxy = ProxyHarness.start(upstream.baseUrl(), "", Map.of(), dataDir)) {
        assertThat(proxy.chat(VaultSharedStoreIT.chat("mail ann.lee@example.com")).statusCode())
            .isEqualTo(200);
      }
      Matcher m =
          Pattern.compile("<<EMAIL_[0-9A-Z]{10}>>").matcher(upstream.received().get(0).body());
      assertThat(m.find()).isTrue();
      token = m.group();
    }

    Result denied =
        vault(
            dataDir,
            "sk-proxy-acme-test-key",
            "reveal",
            "--tenant",
            "acme",
            "--reason",
            "INC-7",
            token);
    assertThat(denied.exit()).isEqualTo(1);
    assertThat(denied.stdout()).doesNotContain("ann.lee");

    Result other =
        vault(dataDir, ADMIN_KEY, "reveal", "--tenant", "globex", "--reason", "INC-7", token);
    assertThat(other.exit()).isZero();
    assertThat(JSON.readTree(other.stdout().strip()).path("value").isNull()).isTrue();

    Result revealed =
        vault(dataDir, ADMIN_KEY, "reveal", "--tenant", "acme", "--reason", "INC-7", token);
    assertThat(revealed.exit()).as(revealed.stdout()).isZero();
    JsonNode line = JSON.readTree(revealed.stdout().strip());
    assertThat(line.path("token").asText()).isEqualTo(token);
    assertThat(line.path("value").asText()).isEqualTo("ann.lee@example.com");

    List<String> audit =
        Files.readAllLines(
            dataDir.resolve("vault").resolve("operations.jsonl"), StandardCharsets.UTF_8);
    assertThat(audit).hasSize(2);
    assertThat(audit.get(1))
        .contains("\"operation\":\"reveal\"")
        .contains("\"tenant\":\"acme\"")
        .contains("INC-7")
        .contains(token)
        .doesNotContain("ann.lee")
        .doesNotContain(ADMIN_KEY);
  }

  private record Result(int exit, String stdout) {}

  private Result vault(Path dataDir, String adminKey, String... args) throws Exception {
    List<String> command =
        new java.util.ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("proxy.jar", "target/compliance-proxy.jar"),
                "org.complianceproxy.proxy.cli.VaultCommand"));
    command.addAll(List.of(args));
    Path out = dir.resolve("cli-" + System.nanoTime() + ".out");
    ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile());
    builder.redirectError(ProcessBuilder.Redirect.DISCARD);
    builder.environment().put("PROXY_DATA_DIR", dataDir.toString());
    builder.environment().put("PROXY_ADMIN_KEYS", ADMIN_KEY);
    builder.environment().put("PROXY_ADMIN_KEY", adminKey);
    builder.environment().remove("KMS_KEY_ID");
    builder.environment().remove("VAULT_JDBC_URL");
    Process process = builder.start();
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    // log lines share standard output with the answer; the answer is the JSON lines
    StringBuilder json = new StringBuilder();
    for (String line : Files.readAllLines(out, StandardCharsets.UTF_8)) {
      if (line.startsWith("{")) {
        json.append(line).append('\n');
      }
    }
    return new Result(process.exitValue(), json.toString());
  }
}
