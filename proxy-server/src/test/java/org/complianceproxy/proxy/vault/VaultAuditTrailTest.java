package org.complianceproxy.proxy.vault;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.complianceproxy.dlp.EntityType;
import org.complianceproxy.proxy.admin.VaultAdminRoutes;
import org.complianceproxy.proxy.audit.AuditRecord;
import org.complianceproxy.proxy.audit.AuditRecords;
import org.complianceproxy.proxy.audit.AuditSink;
import org.complianceproxy.proxy.audit.AuditSinks;
import org.complianceproxy.proxy.audit.VaultOperationRecord;
import org.complianceproxy.proxy.config.ConfigLoader;
import org.complianceproxy.proxy.config.ProxyConfig;
import org.complianceproxy.proxy.error.ProxyError;
import org.complianceproxy.proxy.error.ProxyException;
import org.complianceproxy.proxy.testing.AuditSpool;
import org.complianceproxy.proxy.testing.PiiCorpus;
import org.complianceproxy.proxy.token.TokenMinter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Vault operations reach the main audit trail: an admin-API reveal through a real spool sink
 * becomes schema-valid {@code vault_operation} records without the revealed value, and nothing is
 * disclosed while the trail cannot take records.
 */
class VaultAuditTrailTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ADMIN_KEY = "adm-trail-officer-key";

  @TempDir Path dataDir;

  @Test
  void adminApiRevealWritesSchemaValidRecordsToTheSpoolWithoutTheValue() throws Exception {
    PiiCorpus corpus = new PiiCorpus(61);
    String card = corpus.card();
    String email = corpus.email();
    ProxyConfig config =
        ConfigLoader.load(
            Optional.empty(),
            Map.of("PROXY_DATA_DIR", dataDir.toString(), "PROXY_ADMIN_KEYS", ADMIN_KEY));
    String a;
    String b;
    String actor;
    Map<String, JsonNode> byToken;
    try (AuditSink sink = AuditSinks.create(config.audit(), dataDir, "vault-trail-test");
        VaultStack stack = VaultStack.open(config, sink)) {
      TokenMinter minter = new TokenMinter(stack.keys());
      a = minter.mint("acme", EntityType.CARD, card);
      b = minter.mint("acme", EntityType.EMAIL, email);
      stack
          .vault()
          .putAll("acme", List.of(new VaultEntry(a, card), new VaultEntry(b, email)))
          .get(5, TimeUnit.SECONDS);
      VaultAdminRoutes routes =
          new VaultAdminRoutes(stack.operations(), new AdminCredentials(config.adminKeySha256s()));
      String body =
          JSON.createObjectNode()
              .put("tenant", "acme")
              .put("reason", "INC-2041")
              .set("tokens", JSON.createArrayNode().add(a).add(b).add("<<CARD_0000000000>>"))
              .toString();

      VaultAdminRoutes.Response response =
          routes
              .handle("POST", "/admin/vault/reveal", "Bearer " + ADMIN_KEY, body.getBytes(UTF_8))
              .get(10, TimeUnit.SECONDS);

      assertThat(response.status()).isEqualTo(200);
      assertThat(new String(response.body(), UTF_8)).contains(card);
      actor = new AdminCredentials(config.adminKeySha256s()).verify(ADMIN_KEY).orElseThrow();
    }

    List<String> lines = spoolLines(dataDir);
    List<JsonNode> records =
        AuditSpool.read(dataDir).stream()
            .filter(r -> "vault_operation".equals(r.path("kind").asText()))
            .toList();
    assertThat(records).hasSize(3);
    AuditRecords.assertAllValid(records);
    AuditRecords.assertNoPii(lines, List.of(card, email, card.replaceAll("[ -]", "")));
    assertThat(lines).noneMatch(line -> line.contains(ADMIN_KEY));
    byToken = new java.util.HashMap<>();
    records.forEach(r -> byToken.put(r.path("token").asText(), r));
    assertThat(byToken.get(a).path("outcome").asText()).isEqualTo("ok");
    assertThat(byToken.get(a).path("entity_type").asText()).isEqualTo("CARD");
    assertThat(byToken.get(b).path("entity_type").asText()).isEqualTo("EMAIL");
    assertThat(byToken.get("<<CARD_0000000000>>").path("outcome").asText()).isEqualTo("not_found");
    assertThat(records)
        .allSatisfy(
            r -> {
              assertThat(r.path("tenant").asText()).isEqualTo("acme");
              assertThat(r.path("actor").asText()).isEqualTo(actor);
              assertThat(r.path("reason").asText()).isEqualTo("INC-2041");
              assertThat(r.path("entries").asInt()).isEqualTo(2);
              assertThat(r.path("request_id").asText())
                  .isEqualTo(records.get(0).path("request_id").asText());
            });
    assertThat(Files.readString(dataDir.resolve("vault").resolve(FileVaultAudit.FILE), UTF_8))
        .contains("\"operation\":\"reveal\"")
        .doesNotContain(card);
  }

  @Test
  void refusedAdminAttemptsAreRecordedWithoutTheKeyTenantOrBody() throws Exception {
    String wrongKey = "adm-guessed-key-" + new PiiCorpus(62).email();
    ProxyConfig config =
        ConfigLoader.load(
            Optional.empty(),
            Map.of("PROXY_DATA_DIR", dataDir.toString(), "PROXY_ADMIN_KEYS", ADMIN_KEY));
    byte[] body =
        JSON.createObjectNode()
            .put("tenant", "acme")
            .put("reason", "INC-3001")
            .toString()
            .getBytes(UTF_8);
    try (AuditSink sink = AuditSinks.create(config.audit(), dataDir, "vault-trail-test");
        VaultStack stack = VaultStack.open(config, sink)) {
      VaultAdminRoutes routes =
          new VaultAdminRoutes(stack.operations(), new AdminCredentials(config.adminKeySha256s()));

      VaultAdminRoutes.Response wrong =
          routes
              .handle("POST", "/admin/vault/shred", "Bearer " + wrongKey, body)
              .get(10, TimeUnit.SECONDS);
      VaultAdminRoutes.Response none =
          routes.handle("POST", "/admin/vault/reveal", null, body).get(10, TimeUnit.SECONDS);

      assertThat(wrong.status()).isEqualTo(401);
      assertThat(none.status()).isEqualTo(401);
    }

    List<JsonNode> records =
        AuditSpool.read(dataDir).stream()
            .filter(r -> "vault_operation".equals(r.path("kind").asText()))
            .toList();
    AuditRecords.assertAllValid(records);
    assertThat(records)
        .extracting(r -> r.path("operation").asText() + " " + r.path("actor").asText())
        .containsExactly("shred " + AdminCredentials.actorOf(wrongKey), "reveal anonymous");
    assertThat(AdminCredentials.actorOf(wrongKey))
        .isNotEqualTo(AdminCredentials.actorOf(ADMIN_KEY))
        .matches("admin:[0-9a-f]{12}");
    assertThat(records)
        .allSatisfy(
            r -> {
              assertThat(r.path("outcome").asText()).isEqualTo("denied");
              assertThat(r.path("tenant").isNull()).isTrue();
              assertThat(r.path("reason").isNull()).isTrue();
              assertThat(r.path("token").isNull()).isTrue();
            });
    List<String> lines = spoolLines(dataDir);
    assertThat(lines).noneMatch(line -> line.contains(wrongKey) || line.contains("INC-3001"));
    assertThat(Files.readString(dataDir.resolve("vault").resolve(FileVaultAudit.FILE), UTF_8))
        .contains("\"phase\":\"denied\"")
        .doesNotContain(wrongKey);
  }

  @Test
  void anUnhealthyTrailRefusesTheOperationBeforeTheLocalRecord() {
    List<VaultOperationEvent> local = new ArrayList<>();
    RecordingSink sink = new RecordingSink(false);
    TrailVaultAudit audit =
        new TrailVaultAudit(
            sink,
            event -> {
              local.add(event);
              return CompletableFuture.completedFuture(null);
            });

    CompletableFuture<Void> result =
        audit.record(event("reveal", "done", List.of("<<CARD_0000000000>>")));

    assertThat(result)
        .failsWithin(1, TimeUnit.SECONDS)
        .withThrowableOfType(ExecutionException.class)
        .havingCause()
        .isInstanceOfSatisfying(
            ProxyException.class,
            e -> assertThat(e.error()).isEqualTo(ProxyError.AUDIT_UNAVAILABLE));
    assertThat(local).isEmpty();
    assertThat(sink.emitted).isEmpty();
  }

  @Test
  void eachPhaseAndOperationMapsToItsTrailRecords() {
    List<Row> table =
        List.of(
            new Row("rotate", "requested", 0, List.of()),
            new Row("rotate", "done", 1, List.of("ok")),
            new Row("rotate", "failed", 1, List.of("error")),
            new Row("shred", "done", 1, List.of("ok")),
            new Row("reveal", "done", 2, List.of("ok", "not_found")),
            new Row("reveal", "failed", 2, List.of("error", "error")),
            new Row("shred", "denied", 1, List.of("denied")));
    for (Row row : table) {
      RecordingSink sink = new RecordingSink(true);
      TrailVaultAudit audit =
          new TrailVaultAudit(sink, event -> CompletableFuture.completedFuture(null));
      List<String> tokens =
          row.operation().equals("reveal")
              ? List.of("<<CARD_1111111111>>", "<<EMAIL_2222222222>>")
              : List.of();

      audit.record(event(row.operation(), row.phase(), tokens)).join();

      assertThat(sink.emitted)
          .as("%s %s", row.operation(), row.phase())
          .hasSize(row.records())
          .extracting(r -> ((VaultOperationRecord) r).outcome())
          .containsExactlyElementsOf(row.outcomes());
      for (AuditRecord record : sink.emitted) {
        VaultOperationRecord op = (VaultOperationRecord) record;
        if (row.operation().equals("rotate") && row.phase().equals("done")) {
          assertThat(op.keyVersion()).isEqualTo(7);
        }
        if (row.operation().equals("shred") && row.phase().equals("done")) {
          assertThat(op.entries()).isEqualTo(7L);
        }
      }
    }
  }

  private record Row(String operation, String phase, int records, List<String> outcomes) {}

  private static VaultOperationEvent event(String operation, String phase, List<String> tokens) {
    List<String> revealed = tokens.isEmpty() ? List.of() : List.of(tokens.get(0));
    return new VaultOperationEvent(
        "vault-req-1",
        Instant.parse("2026-11-26T03:00:00Z"),
        operation,
        phase,
        "acme",
        "admin:0123456789ab",
        "INC-1",
        tokens,
        revealed,
        operation.equals("reveal") ? revealed.size() : 7,
        phase.equals("failed") ? "boom" : "");
  }

  private static List<String> spoolLines(Path dataDir) throws Exception {
    List<String> lines = new ArrayList<>();
    try (var files = Files.list(dataDir.resolve("audit"))) {
      for (Path file : files.filter(f -> f.toString().endsWith(".jsonl")).sorted().toList()) {
        lines.addAll(Files.readAllLines(file, UTF_8));
      }
    }
    return lines;
  }

  private static final class RecordingSink implements AuditSink {
    final List<AuditRecord> emitted = new ArrayList<>();
    private final boolean healthy;

    RecordingSink(boolean healthy) {
      this.healthy = healthy;
    }

    @Override
    public void emit(AuditRecord record) {
      emitted.add(record);
    }

    @Override
    public boolean healthy() {
      return healthy;
    }

    @Override
    public void close() {}
  }
}
