package org.complianceproxy.proxy.vault;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.complianceproxy.dlp.EntityType;
import org.complianceproxy.proxy.admin.VaultAdminRoutes;
import org.complianceproxy.proxy.admin.VaultAdminRoutes.Response;
import org.complianceproxy.proxy.token.Keyring;
import org.complianceproxy.proxy.token.TokenMinter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The admin API's routes: a separate admin credential, bulk reveal, audit to a durable file. */
class VaultAdminRoutesTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ADMIN_KEY = "adm-officer-key-1";
  private static final String CARD = "4111 1111 1111 1111";

  @TempDir Path dataDir;
  private LocalVault vault;
  private FileVaultAudit audit;
  private TokenMinter minter;
  private VaultAdminRoutes routes;

  @BeforeEach
  void open() throws Exception {
    Keyring keyring = Keyring.openOrCreate(dataDir);
    vault = LocalVault.open(dataDir, keyring);
    minter = new TokenMinter(keyring);
    audit = new FileVaultAudit(dataDir);
    routes =
        new VaultAdminRoutes(
            new VaultOperations(vault, Optional.empty(), audit, Clock.systemUTC()),
            new AdminCredentials(
                List.of(HexFormat.of().formatHex(AdminCredentials.sha256(ADMIN_KEY)))));
  }

  @AfterEach
  void close() {
    vault.close();
    audit.close();
  }

  @Test
  void bulkRevealWithTheAdminKeyReturnsValuesAndWritesTheAuditFileWithoutThem() throws Exception {
    String a = minter.mint("acme", EntityType.CARD, CARD);
    String b = minter.mint("acme", EntityType.EMAIL, "ann.lee@example.com");
    vault
        .putAll("acme", List.of(new VaultEntry(a, CARD), new VaultEntry(b, "ann.lee@example.com")))
        .get(5, TimeUnit.SECONDS);
    String body =
        JSON.createObjectNode()
            .put("tenant", "acme")
            .put("reason", "INC-2041")
            .set("tokens", JSON.createArrayNode().add(a).add(b).add("<<CARD_0000000000>>"))
            .toString();

    Response response = handle("/admin/vault/reveal", "Bearer " + ADMIN_KEY, body);

    assertThat(response.status()).isEqualTo(200);
    assertThat(response.headers()).containsEntry("cache-control", "no-store");
    JsonNode json = JSON.readTree(response.body());
    assertThat(json.at("/revealed/" + a.replace("/", "~1")).asText()).isEqualTo(CARD);
    assertThat(json.path("revealed").path(b).asText()).isEqualTo("ann.lee@example.com");
    assertThat(json.path("unknown").get(0).asText()).isEqualTo("<<CARD_0000000000>>");
    String auditLine = java.nio.file.Files.readString(audit.file(), UTF_8);
    assertThat(auditLine)
        .contains("\"operation\":\"reveal\"")
        .contains(a)
        .contains("INC-2041")
        .doesNotContain("4111")
        .doesNotContain("ann.lee")
        .doesNotContain(ADMIN_KEY);
  }

  @Test
  void aClientKeyOrNoKeyIsRefusedAndRecordedAsDeniedWithoutTheBody() throws Exception {
    String body = "{\"tenant\":\"acme\",\"reason\":\"INC-1\",\"tokens\":[\"<<CARD_0000000000>>\"]}";

    assertThat(handle("/admin/vault/reveal", null, body).status()).isEqualTo(401);
    assertThat(handle("/admin/vault/reveal", "Bearer sk-proxy-acme-test-key", body).status())
        .isEqualTo(401);

    List<JsonNode> lines = new ArrayList<>();
    for (String line : java.nio.file.Files.readAllLines(audit.file(), UTF_8)) {
      lines.add(JSON.readTree(line));
    }
    assertThat(lines)
        .extracting(r -> r.path("phase").asText() + " " + r.path("actor").asText())
        .containsExactly(
            "denied anonymous", "denied " + AdminCredentials.actorOf("sk-proxy-acme-test-key"));
    assertThat(lines).allSatisfy(r -> assertThat(r.path("tenant").isNull()).isTrue());
    assertThat(java.nio.file.Files.readString(audit.file(), UTF_8))
        .doesNotContain("INC-1")
        .doesNotContain("CARD_0000000000")
        .doesNotContain("sk-proxy-acme-test-key");
  }

  @Test
  void shredNeedsAConfirmationAndKmsRoutesAndMethodsAreChecked() throws Exception {
    Response shred =
        handle(
            "/admin/vault/shred",
            "Bearer " + ADMIN_KEY,
            "{\"tenant\":\"acme\",\"reason\":\"GDPR-1\",\"confirm\":\"globex\"}");
    assertThat(shred.status()).isEqualTo(400);
    assertThat(new String(shred.body(), UTF_8)).contains("confirm");

    Response rotate =
        handle(
            "/admin/vault/rotate",
            "Bearer " + ADMIN_KEY,
            "{\"tenant\":\"acme\",\"reason\":\"INC-1\"}");
    assertThat(rotate.status()).isEqualTo(400);
    assertThat(new String(rotate.body(), UTF_8)).contains("KMS_KEY_ID");

    assertThat(handle("/admin/vault/nope", "Bearer " + ADMIN_KEY, "{}").status()).isEqualTo(404);
    assertThat(
            routes
                .handle("GET", "/admin/vault/reveal", "Bearer " + ADMIN_KEY, new byte[0])
                .get()
                .status())
        .isEqualTo(405);
  }

  private Response handle(String path, String authorization, String body) throws Exception {
    return routes
        .handle("POST", path, authorization, body.getBytes(UTF_8))
        .get(10, TimeUnit.SECONDS);
  }
}
