package org.complianceproxy.proxy.vault;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.crypto.AEADBadTagException;
import org.complianceproxy.proxy.error.ProxyError;
import org.complianceproxy.proxy.error.ProxyException;
import org.complianceproxy.proxy.token.Keyring;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalVaultTest {

  private static final String CARD = "<<CARD_7K3QZ9XW2M>>";
  private static final String EMAIL = "<<EMAIL_0A9ZK3M7QX>>";

  @TempDir Path dataDir;
  private Keyring keyring;
  private LocalVault vault;

  @BeforeEach
  void open() throws IOException {
    keyring = Keyring.openOrCreate(dataDir);
    vault = LocalVault.open(dataDir, keyring);
  }

  @AfterEach
  void close() {
    vault.close();
  }

  @Test
  void returnsExactlyTheValueThatWasPut() throws Exception {
    String value = "Zoë 4111 1111 1111 1111 😀";

    await(vault.putAll("acme", List.of(new VaultEntry(CARD, value))));

    assertThat(await(vault.getAll("acme", List.of(CARD, EMAIL)))).isEqualTo(Map.of(CARD, value));
  }

  @Test
  void entriesSurviveARestart() throws Exception {
    await(
        vault.putAll(
            "acme",
            List.of(new VaultEntry(CARD, "4111 1111 1111 1111"), new VaultEntry(EMAIL, "a@b.io"))));
    vault.close();

    vault = LocalVault.open(dataDir, Keyring.openOrCreate(dataDir));

    assertThat(await(vault.getAll("acme", List.of(CARD, EMAIL))))
        .isEqualTo(Map.of(CARD, "4111 1111 1111 1111", EMAIL, "a@b.io"));
    assertThat(vault.size()).isEqualTo(2);
  }

  @Test
  void aTenantNeverReadsAnotherTenantsEntry() throws Exception {
    await(vault.putAll("acme", List.of(new VaultEntry(CARD, "4111 1111 1111 1111"))));

    assertThat(await(vault.getAll("globex", List.of(CARD)))).isEmpty();
  }

  @Test
  void tenantsHoldTheSameTokenIndependently() throws Exception {
    await(vault.putAll("acme", List.of(new VaultEntry(CARD, "acme's"))));
    await(vault.putAll("globex", List.of(new VaultEntry(CARD, "globex's"))));

    assertThat(await(vault.getAll("acme", List.of(CARD)))).containsEntry(CARD, "acme's");
    assertThat(await(vault.getAll("globex", List.of(CARD)))).containsEntry(CARD, "globex's");
  }

  @Test
  void aSealedValueOpensOnlyForItsTenantAndToken() throws Exception {
    Sealer sealer = new Sealer(keyring);
    Sealer.Sealed sealed = sealer.seal("acme", CARD, "4111 1111 1111 1111");

    assertThat(sealer.open("acme", CARD, sealed)).isEqualTo("4111 1111 1111 1111");
    assertThatThrownBy(() -> sealer.open("globex", CARD, sealed))
        .isInstanceOf(AEADBadTagException.class);
    assertThatThrownBy(() -> sealer.open("acme", EMAIL, sealed))
        .isInstanceOf(AEADBadTagException.class);
  }

  @Test
  void repeatingAPutWritesNothing() throws Exception {
    List<VaultEntry> entries = List.of(new VaultEntry(CARD, "4111 1111 1111 1111"));
    await(vault.putAll("acme", entries));
    long size = Files.size(logFile());

    await(vault.putAll("acme", entries));
    await(vault.putAll("acme", List.of(entries.get(0), entries.get(0))));

    assertThat(Files.size(logFile())).isEqualTo(size);
  }

  @Test
  void aDifferentValueForAStoredTokenIsACollisionThatNamesNoValue() throws Exception {
    await(vault.putAll("acme", List.of(new VaultEntry(CARD, "4111 1111 1111 1111"))));

    ProxyException failure =
        failure(vault.putAll("acme", List.of(new VaultEntry(CARD, "5555 5555 5555 4444"))));

    assertThat(failure.error()).isEqualTo(ProxyError.SANITIZER_FAILED);
    assertThat(failure.getMessage())
        .contains("token collision")
        .doesNotContain("4111")
        .doesNotContain("5555");
    assertThat(await(vault.getAll("acme", List.of(CARD))))
        .containsEntry(CARD, "4111 1111 1111 1111");
  }

  @Test
  void aCollisionInsideOnePutStoresNoneOfItsEntries() throws Exception {
    ProxyException failure =
        failure(
            vault.putAll(
                "acme",
                List.of(
                    new VaultEntry(EMAIL, "a@b.io"),
                    new VaultEntry(CARD, "4111 1111 1111 1111"),
                    new VaultEntry(CARD, "5555 5555 5555 4444"))));

    assertThat(failure.error()).isEqualTo(ProxyError.SANITIZER_FAILED);
    assertThat(await(vault.getAll("acme", List.of(EMAIL, CARD)))).isEmpty();
  }

  @Test
  void ofTwoConcurrentValuesForOneTokenExactlyOneWins() throws Exception {
    List<CompletableFuture<Void>> puts = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      puts.add(vault.putAll("acme", List.of(new VaultEntry(CARD, "value " + (i % 2)))));
    }
    CompletableFuture.allOf(puts.toArray(CompletableFuture[]::new))
        .handle((ignored, error) -> null)
        .get(10, TimeUnit.SECONDS);
    String stored = await(vault.getAll("acme", List.of(CARD))).get(CARD);

    assertThat(stored).isIn("value 0", "value 1");

    for (int i = 0; i < puts.size(); i++) {
      if (("value " + (i % 2)).equals(stored)) {
        await(puts.get(i));
      } else {
        assertThat(failure(puts.get(i)).error()).isEqualTo(ProxyError.SANITIZER_FAILED);
      }
    }
  }

  @Test
  void concurrentPutsAreAllDurable() throws Exception {
    List<CompletableFuture<Void>> puts = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      int thread = t;
      threads.add(
          new Thread(
              () -> {
                for (int i = 0; i < 50; i++) {
                  CompletableFuture<Void> put =
                      vault.putAll(
                          "acme", List.of(new VaultEntry(token(thread, i), thread + ":" + i)));
                  synchronized (puts) {
                    puts.add(put);
                  }
                }
              }));
    }
    threads.forEach(Thread::start);
    for (Thread thread : threads) {
      thread.join();
    }
    for (CompletableFuture<Void> put : puts) {
      await(put);
    }
    vault.close();

    vault = LocalVault.open(dataDir, keyring);

    assertThat(vault.size()).isEqualTo(400);
    assertThat(await(vault.getAll("acme", List.of(token(7, 49)))))
        .containsEntry(token(7, 49), "7:49");
  }

  @Test
  void theLogIsOwnerOnlyAndHoldsNoClearValue() throws Exception {
    await(vault.putAll("acme", List.of(new VaultEntry(CARD, "4111 1111 1111 1111"))));

    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(logFile())))
        .isEqualTo("rw-------");
    assertThat(new String(Files.readAllBytes(logFile()), UTF_8)).doesNotContain("4111");
  }

  @Test
  void aTornLastRecordIsDroppedAtOpen() throws Exception {
    await(vault.putAll("acme", List.of(new VaultEntry(CARD, "4111 1111 1111 1111"))));
    vault.close();
    long intact = Files.size(logFile());
    // a crash in the middle of an append: a header promising more bytes than were written
    Files.write(logFile(), new byte[] {0, 0, 0, 90, 1, 2, 3, 4, 1, 0}, StandardOpenOption.APPEND);

    vault = LocalVault.open(dataDir, keyring);
    assertThat(Files.size(logFile())).isEqualTo(intact);
    await(vault.putAll("acme", List.of(new VaultEntry(EMAIL, "a@b.io"))));
    vault.close();
    vault = LocalVault.open(dataDir, keyring);

    assertThat(await(vault.getAll("acme", List.of(CARD, EMAIL)))).hasSize(2);
  }

  @Test
  void damageBeforeTheLastRecordRefusesToOpen() throws Exception {
    await(vault.putAll("acme", List.of(new VaultEntry(CARD, "4111 1111 1111 1111"))));
    await(vault.putAll("acme", List.of(new VaultEntry(EMAIL, "a@b.io"))));
    vault.close();
    try (FileChannel channel = FileChannel.open(logFile(), StandardOpenOption.WRITE)) {
      // the first payload byte after the magic and the first record header
      channel.write(ByteBuffer.wrap(new byte[] {42}), VaultLog.MAGIC.length + 8 + 3);
    }

    assertThatThrownBy(() -> LocalVault.open(dataDir, keyring))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("damaged at offset " + VaultLog.MAGIC.length);
  }

  @Test
  void aSecondOpenOfTheSameVaultIsRefused() {
    assertThatThrownBy(() -> LocalVault.open(dataDir, keyring))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("already open");
  }

  @Test
  void putsAfterCloseFailAsUnavailable() throws Exception {
    vault.close();

    ProxyException failure =
        failure(vault.putAll("acme", List.of(new VaultEntry(CARD, "4111 1111 1111 1111"))));

    assertThat(failure.error()).isEqualTo(ProxyError.VAULT_UNAVAILABLE);
  }

  @Test
  void valuesNeverShowUpInAnEntrysToString() {
    assertThat(new VaultEntry(CARD, "4111 1111 1111 1111").toString())
        .contains(CARD)
        .doesNotContain("4111");
  }

  private Path logFile() {
    return dataDir.resolve("vault").resolve("vault.log");
  }

  private static String token(int thread, int i) {
    return String.format("<<CARD_%05d%05d>>", thread, i);
  }

  private static <T> T await(CompletableFuture<T> future) throws Exception {
    return future.get(10, TimeUnit.SECONDS);
  }

  private static ProxyException failure(CompletableFuture<?> future) throws Exception {
    try {
      future.get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(ProxyException.class);
      return (ProxyException) e.getCause();
    }
    throw new AssertionError("expected the future to fail");
  }
}
