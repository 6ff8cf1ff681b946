package org.complianceproxy.proxy.vault;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.complianceproxy.dlp.EntityType;
import org.complianceproxy.proxy.kms.EnvelopeKeyProvider;
import org.complianceproxy.proxy.kms.FileTenantKeyStore;
import org.complianceproxy.proxy.kms.KmsDataKeySource;
import org.complianceproxy.proxy.kms.KmsTestClients;
import org.complianceproxy.proxy.token.TokenMinter;
import org.complianceproxy.standin.KmsStandIn;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.kms.KmsAsyncClient;

/** The embedded vault with KMS data keys: restarts, rotation and shredding across restarts. */
class LocalVaultKmsTest {

  private static final String CARD = "4111 1111 1111 1111";

  private static KmsStandIn kms;
  private static KmsAsyncClient client;

  @TempDir Path dataDir;
  private EnvelopeKeyProvider keys;
  private LocalVault vault;
  private TokenMinter minter;

  @BeforeAll
  static void startKms() {
    kms = KmsStandIn.start(0);
    client = KmsTestClients.client(kms.endpoint());
  }

  @AfterAll
  static void stopKms() {
    client.close();
    kms.close();
  }

  @BeforeEach
  void open() throws Exception {
    keys =
        new EnvelopeKeyProvider(
            new KmsDataKeySource(client, KmsTestClients.KEY_ID),
            new FileTenantKeyStore(dataDir),
            Duration.ofMinutes(5));
    vault = LocalVault.open(dataDir, keys);
    minter = new TokenMinter(keys);
  }

  @AfterEach
  void close() {
    vault.close();
    keys.close();
  }

  private void restart() throws Exception {
    close();
    open();
  }

  private String mint(String tenant, String value) throws Exception {
    minter.prepare(tenant).get(10, TimeUnit.SECONDS);
    return minter.mint(tenant, EntityType.CARD, value);
  }

  @Test
  void entriesSealedUnderKmsKeysSurviveARestart() throws Exception {
    String token = mint("acme", CARD);
    await(vault.putAll("acme", List.of(new VaultEntry(token, CARD))));

    restart();

    assertThat(await(vault.getAll("acme", List.of(token)))).isEqualTo(Map.of(token, CARD));
  }

  @Test
  void rotatedTenantsRestoreOldAndNewTokensAfterARestart() throws Exception {
    String old = mint("acme", CARD);
    await(vault.putAll("acme", List.of(new VaultEntry(old, CARD))));
    await(keys.rotate("acme"));
    String fresh = mint("acme", CARD);
    await(vault.putAll("acme", List.of(new VaultEntry(fresh, CARD))));

    restart();

    assertThat(fresh).isNotEqualTo(old);
    assertThat(await(vault.getAll("acme", List.of(old, fresh))))
        .isEqualTo(Map.of(old, CARD, fresh, CARD));
  }

  @Test
  void shreddedEntriesStayGoneAfterARestartAndOtherTenantsKeepTheirs() throws Exception {
    String acme = mint("acme", CARD);
    String globex = mint("globex", CARD);
    await(vault.putAll("acme", List.of(new VaultEntry(acme, CARD))));
    await(vault.putAll("globex", List.of(new VaultEntry(globex, CARD))));
    List<VaultOperationEvent> audited = new java.util.concurrent.CopyOnWriteArrayList<>();
    VaultOperations operations =
        new VaultOperations(
            vault,
            Optional.of(keys),
            event -> {
              audited.add(event);
              return CompletableFuture.completedFuture(null);
            },
            Clock.systemUTC());

    assertThat(await(operations.shred("admin:0123456789ab", "acme", "GDPR-118"))).isEqualTo(1);
    assertThat(await(vault.getAll("acme", List.of(acme)))).isEmpty();

    restart();

    assertThat(await(vault.getAll("acme", List.of(acme)))).isEmpty();
    assertThat(await(vault.getAll("globex", List.of(globex)))).containsEntry(globex, CARD);
    assertThat(audited)
        .extracting(VaultOperationEvent::operation, VaultOperationEvent::phase)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("shred", "requested"),
            org.assertj.core.groups.Tuple.tuple("shred", "done"));
    assertThat(audited.get(1).actor()).isEqualTo("admin:0123456789ab");
    // the tenant may come back, under keys that never opened the shredded entries
    String again = mint("acme", CARD);
    assertThat(again).isNotEqualTo(acme);
    await(vault.putAll("acme", List.of(new VaultEntry(again, CARD))));
    assertThat(await(vault.getAll("acme", List.of(again, acme)))).isEqualTo(Map.of(again, CARD));
  }

  @Test
  void scheduledRotationGivesEveryTenantWithAKeyANewVersionAndKeepsOldTokens() throws Exception {
    String acme = mint("acme", CARD);
    await(vault.putAll("acme", List.of(new VaultEntry(acme, CARD))));
    mint("globex", CARD);
    VaultOperations operations =
        new VaultOperations(
            vault,
            Optional.of(keys),
            event -> CompletableFuture.completedFuture(null),
            Clock.systemUTC());

    assertThat(await(operations.rotateAll("scheduler", "scheduled-rotation")))
        .containsExactly(2, 2);

    assertThat(await(keys.forTenantAsync("acme")).version()).isEqualTo(2);
    assertThat(await(keys.forTenantAsync("globex")).version()).isEqualTo(2);
    assertThat(mint("acme", CARD)).isNotEqualTo(acme);
    assertThat(await(vault.getAll("acme", List.of(acme)))).containsEntry(acme, CARD);
  }

  private static <T> T await(CompletableFuture<T> future) throws Exception {
    return future.get(20, TimeUnit.SECONDS);
  }
}
