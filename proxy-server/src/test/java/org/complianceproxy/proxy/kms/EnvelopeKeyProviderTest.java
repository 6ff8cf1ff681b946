package org.complianceproxy.proxy.kms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.complianceproxy.dlp.EntityType;
import org.complianceproxy.proxy.error.ProxyError;
import org.complianceproxy.proxy.error.ProxyException;
import org.complianceproxy.proxy.token.TenantKeys;
import org.complianceproxy.proxy.token.TokenMinter;
import org.complianceproxy.standin.KmsStandIn;
import org.complianceproxy.standin.KmsStandIn.Failure;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.kms.KmsAsyncClient;

/** The envelope key provider with the real AWS SDK KMS client against the KMS stand-in. */
class EnvelopeKeyProviderTest {

  private static final Duration TTL = Duration.ofMinutes(5);

  private static KmsStandIn kms;
  private static KmsAsyncClient client;

  @TempDir Path dataDir;
  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final List<EnvelopeKeyProvider> providers = new ArrayList<>();

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
  void reset() {
    kms.failWith(Failure.NONE);
    kms.resetCounts();
  }

  @AfterEach
  void close() {
    providers.forEach(EnvelopeKeyProvider::close);
  }

  private EnvelopeKeyProvider provider(Path dir) {
    EnvelopeKeyProvider provider =
        new EnvelopeKeyProvider(
            new KmsDataKeySource(client, KmsTestClients.KEY_ID),
            new FileTenantKeyStore(dir),
            TTL,
            now::get);
    providers.add(provider);
    return provider;
  }

  @Test
  void firstUseGeneratesADataKeyWithTheTenantInTheEncryptionContext() throws Exception {
    EnvelopeKeyProvider keys = provider(dataDir);

    TenantKeys acme = await(keys.forTenantAsync("acme"));

    assertThat(acme.version()).isEqualTo(1);
    assertThat(kms.calls("GenerateDataKey", "tenant", "acme")).isEqualTo(1);
    assertThat(kms.calls("GenerateDataKey", "purpose", KmsDataKeySource.PURPOSE)).isEqualTo(1);
    assertThat(keys.forTenant("acme")).isSameAs(acme);
  }

  @Test
  void theStoredKeyGivesTheSameTokensAfterARestartThroughDecrypt() throws Exception {
    TokenMinter before = new TokenMinter(provider(dataDir));
    await(before.prepare("acme"));
    String token = before.mint("acme", EntityType.CARD, "4111 1111 1111 1111");

    EnvelopeKeyProvider restarted = provider(dataDir);
    TokenMinter after = new TokenMinter(restarted);
    await(after.prepare("acme"));

    assertThat(after.mint("acme", EntityType.CARD, "4111 1111 1111 1111")).isEqualTo(token);
    assertThat(kms.calls("GenerateDataKey")).isEqualTo(1);
    assertThat(kms.calls("Decrypt", "tenant", "acme")).isEqualTo(1);
  }

  @Test
  void tenantsGetDifferentKeys() throws Exception {
    EnvelopeKeyProvider keys = provider(dataDir);

    TenantKeys acme = await(keys.forTenantAsync("acme"));
    TenantKeys globex = await(keys.forTenantAsync("globex"));

    assertThat(acme.tokenKey().getEncoded()).isNotEqualTo(globex.tokenKey().getEncoded());
    assertThat(acme.vaultKey().getEncoded()).isNotEqualTo(globex.vaultKey().getEncoded());
  }

  @Test
  void concurrentFirstRequestsShareOneKmsCallPerTenantPerCachePeriod() throws Exception {
    EnvelopeKeyProvider keys = provider(dataDir);
    List<CompletableFuture<TenantKeys>> all = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      all.add(keys.forTenantAsync(i % 2 == 0 ? "acme" : "globex"));
    }
    for (CompletableFuture<TenantKeys> f : all) {
      f.get(10, TimeUnit.SECONDS);
    }
    assertThat(kms.calls("GenerateDataKey", "tenant", "acme")).isEqualTo(1);
    assertThat(kms.calls("GenerateDataKey", "tenant", "globex")).isEqualTo(1);

    now.addAndGet(TTL.toNanos() + 1);
    all.clear();
    for (int i = 0; i < 100; i++) {
      all.add(keys.forTenantAsync("acme"));
    }
    for (CompletableFuture<TenantKeys> f : all) {
      f.get(10, TimeUnit.SECONDS);
    }

    assertThat(kms.calls("GenerateDataKey", "tenant", "acme")).isEqualTo(1);
    assertThat(kms.calls("Decrypt", "tenant", "acme")).isEqualTo(1);
  }

  @Test
  void accessDeniedRefusesANewKeyWithVaultUnavailableAndAClearMessage() {
    EnvelopeKeyProvider keys = provider(dataDir);
    kms.failWith(Failure.ACCESS_DENIED);

    ProxyException failure = failure(keys.forTenantAsync("acme"));

    assertThat(failure.error()).isEqualTo(ProxyError.VAULT_UNAVAILABLE);
    assertThat(failure.getMessage())
        .contains("GenerateDataKey")
        .contains("AccessDeniedException")
        .contains("acme");
    assertThatThrownBy(() -> keys.forTenant("acme"))
        .isInstanceOf(ProxyException.class)
        .extracting(e -> ((ProxyException) e).error())
        .isEqualTo(ProxyError.VAULT_UNAVAILABLE);
  }

  @Test
  void unavailableKmsFailsAfterRetriesWithVaultUnavailable() {
    EnvelopeKeyProvider keys = provider(dataDir);
    kms.failWith(Failure.UNAVAILABLE);

    ProxyException failure = failure(keys.forTenantAsync("acme"));

    assertThat(failure.error()).isEqualTo(ProxyError.VAULT_UNAVAILABLE);
    assertThat(failure.getMessage()).contains("unavailable");
  }

  @Test
  void cachedKeysKeepServingWhileKmsIsDownUntilTheyExpire() throws Exception {
    EnvelopeKeyProvider keys = provider(dataDir);
    TenantKeys cached = await(keys.forTenantAsync("acme"));
    kms.failWith(Failure.UNAVAILABLE);

    now.addAndGet(TTL.toNanos() - 1);
    assertThat(await(keys.forTenantAsync("acme"))).isSameAs(cached);

    now.addAndGet(2);
    assertThat(failure(keys.forTenantAsync("acme")).error())
        .isEqualTo(ProxyError.VAULT_UNAVAILABLE);

    int calls = kms.calls("Decrypt");
    assertThat(failure(keys.forTenantAsync("acme")).error())
        .as("answered from the failure backoff, without another KMS call")
        .isEqualTo(ProxyError.VAULT_UNAVAILABLE);
    assertThat(kms.calls("Decrypt")).isEqualTo(calls);

    kms.failWith(Failure.NONE);
    now.addAndGet(EnvelopeKeyProvider.FAILURE_BACKOFF.toNanos());
    assertThat(await(keys.forTenantAsync("acme")).tokenKey().getEncoded())
        .isEqualTo(cached.tokenKey().getEncoded());
  }

  @Test
  void rotationAddsAVersionAndOlderVersionsStillOpen() throws Exception {
    EnvelopeKeyProvider keys = provider(dataDir);
    TenantKeys v1 = await(keys.forTenantAsync("acme"));

    int version = await(keys.rotate("acme"));

    assertThat(version).isEqualTo(2);
    TenantKeys v2 = await(keys.forTenantAsync("acme"));
    assertThat(v2.version()).isEqualTo(2);
    assertThat(v2.tokenKey().getEncoded()).isNotEqualTo(v1.tokenKey().getEncoded());

    EnvelopeKeyProvider other = provider(dataDir);
    assertThat(await(other.forTenantAsync("acme")).version()).isEqualTo(2);
    Optional<TenantKeys> old = await(other.forTenantAsync("acme", 1));
    assertThat(old).isPresent();
    assertThat(old.get().vaultKey().getEncoded()).isEqualTo(v1.vaultKey().getEncoded());
  }

  @Test
  void shreddingForgetsEveryVersionAndANewKeyNeverReusesANumber() throws Exception {
    EnvelopeKeyProvider keys = provider(dataDir);
    TenantKeys v1 = await(keys.forTenantAsync("acme"));
    await(keys.rotate("acme"));
    await(keys.forTenantAsync("globex"));

    assertThat(await(keys.shred("acme"))).containsExactly(1, 2);

    EnvelopeKeyProvider fresh = provider(dataDir);
    assertThat(await(fresh.forTenantAsync("acme", 1))).isEmpty();
    assertThat(await(fresh.forTenantAsync("acme", 2))).isEmpty();
    assertThat(await(keys.forTenantAsync("acme", 1))).isEmpty();
    TenantKeys after = await(fresh.forTenantAsync("acme"));
    assertThat(after.version()).isEqualTo(3);
    assertThat(after.vaultKey().getEncoded()).isNotEqualTo(v1.vaultKey().getEncoded());
    assertThat(await(fresh.forTenantAsync("globex")).version()).isEqualTo(1);
    // the key files hold nothing of the shredded keys
    Path acmeDir =
        dataDir
            .resolve(FileTenantKeyStore.DIRECTORY)
            .resolve(HexFormat.of().formatHex("acme".getBytes()));
    assertThat(Files.size(acmeDir.resolve("1.key"))).isZero();
    assertThat(Files.size(acmeDir.resolve("2.key"))).isZero();
  }

  @Test
  void attackAWrappedKeyCopiedToAnotherTenantDoesNotUnwrap() throws Exception {
    EnvelopeKeyProvider keys = provider(dataDir);
    await(keys.forTenantAsync("acme"));
    Path root = dataDir.resolve(FileTenantKeyStore.DIRECTORY);
    Path acme = root.resolve(HexFormat.of().formatHex("acme".getBytes()));
    Path mallory = root.resolve(HexFormat.of().formatHex("mallory".getBytes()));
    Files.createDirectories(mallory);
    Files.copy(acme.resolve("1.key"), mallory.resolve("1.key"));

    ProxyException failure = failure(provider(dataDir).forTenantAsync("mallory"));

    assertThat(failure.error()).isEqualTo(ProxyError.VAULT_UNAVAILABLE);
    assertThat(failure.getMessage()).contains("Decrypt").contains("InvalidCiphertextException");
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
