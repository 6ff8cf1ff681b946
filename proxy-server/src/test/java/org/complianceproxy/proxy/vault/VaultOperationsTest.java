package org.complianceproxy.proxy.vault;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.complianceproxy.dlp.EntityType;
import org.complianceproxy.proxy.error.ProxyError;
import org.complianceproxy.proxy.error.ProxyException;
import org.complianceproxy.proxy.token.Keyring;
import org.complianceproxy.proxy.token.TokenMinter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Re-identification on the embedded stack: audited first, scoped to the tenant, strict input. */
class VaultOperationsTest {

  private static final String CARD = "4111 1111 1111 1111";

  @TempDir Path dataDir;
  private LocalVault vault;
  private TokenMinter minter;
  private final List<VaultOperationEvent> audited = new CopyOnWriteArrayList<>();
  private volatile boolean auditFails;
  private VaultOperations operations;

  @BeforeEach
  void open() throws Exception {
    Keyring keyring = Keyring.openOrCreate(dataDir);
    vault = LocalVault.open(dataDir, keyring);
    minter = new TokenMinter(keyring);
    operations =
        new VaultOperations(
            vault,
            Optional.empty(),
            event -> {
              if (auditFails) {
                return CompletableFuture.failedFuture(
                    new ProxyException(ProxyError.AUDIT_UNAVAILABLE, "audit down"));
              }
              audited.add(event);
              return CompletableFuture.completedFuture(null);
            },
            Clock.systemUTC());
  }

  @AfterEach
  void close() {
    vault.close();
  }

  @Test
  void revealReturnsTheTenantsValuesAndAuditsTheTokensButNotTheValues() throws Exception {
    String acme = minter.mint("acme", EntityType.CARD, CARD);
    String globex = minter.mint("globex", EntityType.CARD, "5555 5555 5555 4444");
    vault.putAll("acme", List.of(new VaultEntry(acme, CARD))).get(5, TimeUnit.SECONDS);
    vault
        .putAll("globex", List.of(new VaultEntry(globex, "5555 5555 5555 4444")))
        .get(5, TimeUnit.SECONDS);

    Map<String, String> revealed =
        operations.reveal("admin:abc", "acme", List.of(acme, globex, acme), "INC-2041").get();

    assertThat(revealed).isEqualTo(Map.of(acme, CARD));
    assertThat(audited).hasSize(1);
    VaultOperationEvent event = audited.get(0);
    assertThat(event.operation()).isEqualTo("reveal");
    assertThat(event.tokens()).containsExactly(acme, globex);
    assertThat(event.count()).isEqualTo(1);
    assertThat(event.reason()).isEqualTo("INC-2041");
    assertThat(event.toString()).doesNotContain("4111").doesNotContain("5555");
  }

  @Test
  void nothingIsRevealedWhenTheAuditRecordCannotBeWritten() throws Exception {
    String acme = minter.mint("acme", EntityType.CARD, CARD);
    vault.putAll("acme", List.of(new VaultEntry(acme, CARD))).get(5, TimeUnit.SECONDS);
    auditFails = true;

    ProxyException failure =
        failure(operations.reveal("admin:abc", "acme", List.of(acme), "INC-2041"));

    assertThat(failure.error()).isEqualTo(ProxyError.AUDIT_UNAVAILABLE);
  }

  @Test
  void inputIsCheckedWithoutEchoingWhatMayBeClearText() {
    assertThat(failure(operations.reveal("admin:abc", "acme", List.of(CARD), "INC-2041")))
        .satisfies(
            e -> {
              assertThat(e.error()).isEqualTo(ProxyError.INVALID_REQUEST);
              assertThat(e.getMessage()).contains("tokens[0]").doesNotContain("4111");
            });
    assertThat(
            failure(
                    operations.reveal(
                        "admin:abc", "acme", List.of("<<CARD_7K3QZ9XW2M>>"), "because I want"))
                .getMessage())
        .contains("reason");
    assertThat(failure(operations.reveal("admin:abc", "acme", List.of(), "INC-1")).getMessage())
        .contains("tokens");
    assertThat(audited).isEmpty();
  }

  @Test
  void rotationAndShreddingNeedKmsDataKeys() {
    assertThat(failure(operations.rotate("admin:abc", "acme", "INC-1")).getMessage())
        .contains("KMS_KEY_ID");
    assertThat(failure(operations.shred("admin:abc", "acme", "INC-1")).getMessage())
        .contains("KMS_KEY_ID");
  }

  private static ProxyException failure(CompletableFuture<?> future) {
    try {
      future.get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(ProxyException.class);
      return (ProxyException) e.getCause();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("expected a failure");
  }
}
