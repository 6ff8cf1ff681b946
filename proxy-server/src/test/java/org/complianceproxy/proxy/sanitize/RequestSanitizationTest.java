package org.complianceproxy.proxy.sanitize;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.complianceproxy.dlp.Finding;
import org.complianceproxy.dlp.Scanner;
import org.complianceproxy.proxy.error.ProxyError;
import org.complianceproxy.proxy.error.ProxyException;
import org.complianceproxy.proxy.token.Keyring;
import org.complianceproxy.proxy.token.RestoreTable;
import org.complianceproxy.proxy.token.TokenMinter;
import org.complianceproxy.proxy.vault.LocalVault;
import org.complianceproxy.proxy.vault.Vault;
import org.complianceproxy.proxy.vault.VaultEntry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The per-request sanitization and vault settlement that both front doors share. */
class RequestSanitizationTest {

  private static final String EMAIL = "jane.doe@example.com";

  @TempDir Path dataDir;
  private LocalVault vault;
  private TokenMinter minter;

  @BeforeEach
  void open() throws IOException {
    Keyring keyring = Keyring.openOrCreate(dataDir);
    vault = LocalVault.open(dataDir, keyring);
    minter = new TokenMinter(keyring);
  }

  @AfterEach
  void close() {
    vault.close();
  }

  private RequestSanitization sanitization(Function<CharSequence, List<Finding>> scanner) {
    return new RequestSanitization("acme", "req-1", Instant.EPOCH, scanner, minter);
  }

  @Test
  void tokenizesStoresAndRestores() throws Exception {
    RequestSanitization sanitization = sanitization(Scanner.defaults()::scan);
    String rewritten = sanitization.rewrite("/x", "Mail " + EMAIL + " today");
    assertThat(rewritten).doesNotContain(EMAIL).startsWith("Mail <<EMAIL_").endsWith(" today");
    assertThat(sanitization.findings()).hasSize(1);
    assertThat(sanitization.findings().get(0).fieldPath()).isEqualTo("/x");
    assertThat(sanitization.mintedEntries()).hasSize(1);

    RestoreTable table = sanitization.settle(vault, t -> t).get(10, TimeUnit.SECONDS);
    String token = sanitization.mintedEntries().get(0).token();
    assertThat(vault.getAll("acme", List.of(token)).get(10, TimeUnit.SECONDS))
        .containsEntry(token, EMAIL);
    assertThat(table.lookup(token).original()).isEqualTo(EMAIL);
    assertThat(table.lookup(token).source()).isEqualTo(RestoreTable.SOURCE_REQUEST);

    // a later request that pastes the token back resolves it through the vault
    RequestSanitization later = sanitization(Scanner.defaults()::scan);
    assertThat(later.rewrite("/y", "as before: " + token)).isEqualTo("as before: " + token);
    assertThat(later.pastedTokens()).containsExactly(token);
    assertThat(later.mintedEntries()).isEmpty();
    RestoreTable resolved = later.settle(vault, t -> t).get(10, TimeUnit.SECONDS);
    assertThat(resolved.lookup(token).original()).isEqualTo(EMAIL);
    assertThat(resolved.lookup(token).source()).isEqualTo(RestoreTable.SOURCE_VAULT);
  }

  @Test
  void aPastedTokensLettersAreNoContextForTheWordAfterIt() {
    // the bodies end in a digit and "M": read as words, "M Write" and "M Smith" would be a title
    // and a name
    String text = "SSN: <<SSN_0A9ZK37Q3M>> Write to <<EMAIL_ABCDEFG12M>> Smith today.";
    RequestSanitization sanitization = sanitization(Scanner.defaults()::scan);

    assertThat(sanitization.rewrite("/x", text)).isSameAs(text);
    assertThat(sanitization.findings()).isEmpty();
    assertThat(sanitization.mintedEntries()).isEmpty();
    assertThat(sanitization.pastedTokens())
        .containsExactly("<<SSN_0A9ZK37Q3M>>", "<<EMAIL_ABCDEFG12M>>");
  }

  @Test
  void theScannerSeesPastedTokensBlankedWithOffsetsKept() {
    String token = "<<SSN_0A9ZK37Q3M>>";
    String text = "Card " + token + " and " + EMAIL;
    List<String> scanned = new java.util.ArrayList<>();
    RequestSanitization sanitization =
        sanitization(
            t -> {
              scanned.add(t.toString());
              return Scanner.defaults().scan(t);
            });

    String rewritten = sanitization.rewrite("/x", text);

    assertThat(scanned).containsExactly("Card <<______________>> and " + EMAIL);
    assertThat(rewritten).startsWith("Card " + token + " and <<EMAIL_").doesNotContain(EMAIL);
    assertThat(sanitization.findings()).hasSize(1);
    assertThat(sanitization.findings().get(0).start()).isEqualTo(text.indexOf(EMAIL));
  }

  @Test
  void aFailingScannerIsRefusedWithoutQuotingTheText() {
    RequestSanitization sanitization =
        sanitization(
            text -> {
              throw new IllegalStateException("cannot scan " + text);
            });
    ProxyException e = thrown(() -> sanitization.rewrite("/messages/0/content", EMAIL));
    assertThat(e.error()).isEqualTo(ProxyError.SANITIZER_FAILED);
    assertThat(e.getMessage()).isEqualTo("scanning /messages/0/content failed");
    assertThat(e.getCause()).isInstanceOf(Scrubbed.class);
    assertThat(e.getCause().getMessage()).doesNotContain(EMAIL);
  }

  @Test
  void aVaultThatCannotStoreFailsClosedWithoutQuotingIt() {
    RequestSanitization sanitization = sanitization(Scanner.defaults()::scan);
    sanitization.rewrite("/x", EMAIL);
    Vault broken =
        new FixedVault(
            CompletableFuture.failedFuture(new IllegalStateException("disk full near " + EMAIL)));
    ProxyException e = failure(sanitization.settle(broken, t -> t));
    assertThat(e.error()).isEqualTo(ProxyError.VAULT_UNAVAILABLE);
    assertThat(e.getMessage()).isEqualTo("vault failed");
    assertThat(e.getCause().getMessage()).doesNotContain(EMAIL);
  }

  @Test
  void theVaultsOwnVerdictStands() {
    RequestSanitization sanitization = sanitization(Scanner.defaults()::scan);
    sanitization.rewrite("/x", EMAIL);
    ProxyException verdict = new ProxyException(ProxyError.SANITIZER_FAILED, "token collision");
    ProxyException e =
        failure(
            sanitization.settle(new FixedVault(CompletableFuture.failedFuture(verdict)), t -> t));
    assertThat(e).isSameAs(verdict);
  }

  @Test
  void aFailingCompletionFailsTheFutureInsteadOfLeavingItPending() {
    RequestSanitization sanitization = sanitization(Scanner.defaults()::scan);
    sanitization.rewrite("/x", EMAIL);
    ProxyException e =
        failure(
            sanitization.settle(
                vault,
                table -> {
                  throw new IllegalStateException("bad " + EMAIL);
                }));
    assertThat(e.error()).isEqualTo(ProxyError.SANITIZER_FAILED);
    assertThat(e.getMessage()).isEqualTo("sanitizing failed");
    assertThat(e.getCause().getMessage()).doesNotContain(EMAIL);
  }

  private static ProxyException thrown(Runnable action) {
    try {
      action.run();
    } catch (ProxyException e) {
      return e;
    }
    throw new AssertionError("expected a ProxyException");
  }

  private static ProxyException failure(CompletableFuture<?> future) {
    try {
      future.get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(ProxyException.class);
      return (ProxyException) e.getCause();
    } catch (Exception e) {
      throw new AssertionError("the future did not fail in time", e);
    }
    throw new AssertionError("expected the future to fail");
  }

  /** A vault whose every store answers with one given future. */
  private static final class FixedVault implements Vault {
    private final CompletableFuture<Void> put;

    FixedVault(CompletableFuture<Void> put) {
      this.put = put;
    }

    @Override
    public CompletableFuture<Void> putAll(String tenant, Collection<VaultEntry> entries) {
      return put;
    }

    @Override
    public CompletableFuture<Map<String, String>> getAll(String tenant, Collection<String> tokens) {
      return CompletableFuture.completedFuture(Map.of());
    }

    @Override
    public void close() {}
  }
}
