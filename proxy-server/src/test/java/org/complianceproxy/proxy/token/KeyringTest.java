package org.complianceproxy.proxy.token;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class KeyringTest {

  @TempDir Path dataDir;

  @Test
  void firstRunCreatesAnOwnerOnlyKeyringInANewDirectory() throws IOException {
    Path dir = dataDir.resolve("nested/data");

    Keyring.openOrCreate(dir);

    Path file = dir.resolve("keyring.json");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)))
        .isEqualTo("rwx------");
    JsonNode json = new ObjectMapper().readTree(file.toFile());
    assertThat(json.path("current_version").intValue()).isEqualTo(1);
    assertThat(json.path("keys").get(0).path("version").intValue()).isEqualTo(1);
    assertThat(Base64.getDecoder().decode(json.path("keys").get(0).path("master_key").asText()))
        .hasSize(32);
    try (var files = Files.list(dir)) {
      assertThat(files).as("no temporary file left behind").containsExactly(file);
    }
  }

  @Test
  void keysSurviveAReopen() throws IOException {
    TenantKeys before = Keyring.openOrCreate(dataDir).forTenant("acme");
    String fileBefore = Files.readString(dataDir.resolve("keyring.json"), UTF_8);

    TenantKeys after = Keyring.openOrCreate(dataDir).forTenant("acme");

    assertThat(Files.readString(dataDir.resolve("keyring.json"), UTF_8)).isEqualTo(fileBefore);
    assertThat(after.tokenKey().getEncoded()).isEqualTo(before.tokenKey().getEncoded());
    assertThat(after.fingerprintKey().getEncoded()).isEqualTo(before.fingerprintKey().getEncoded());
    assertThat(after.vaultKey().getEncoded()).isEqualTo(before.vaultKey().getEncoded());
    assertThat(after.version()).isEqualTo(1);
  }

  @Test
  void twoDataDirectoriesHaveDifferentKeys() throws IOException {
    TenantKeys one = Keyring.openOrCreate(dataDir.resolve("one")).forTenant("acme");
    TenantKeys two = Keyring.openOrCreate(dataDir.resolve("two")).forTenant("acme");

    assertThat(one.tokenKey().getEncoded()).isNotEqualTo(two.tokenKey().getEncoded());
  }

  @Test
  void everyTenantAndPurposeGetsItsOwnKey() throws IOException {
    Keyring keyring = Keyring.openOrCreate(dataDir);
    List<byte[]> keys = new ArrayList<>();
    for (String tenant : List.of("acme", "globex", "acme2")) {
      TenantKeys tenantKeys = keyring.forTenant(tenant);
      keys.add(tenantKeys.tokenKey().getEncoded());
      keys.add(tenantKeys.fingerprintKey().getEncoded());
      keys.add(tenantKeys.vaultKey().getEncoded());
    }

    assertThat(keys).allSatisfy(key -> assertThat(key).hasSize(32));
    assertThat(keys.stream().map(Base64.getEncoder()::encodeToString).distinct()).hasSize(9);
    assertThat(keyring.forTenant("acme").vaultKey().getAlgorithm()).isEqualTo("AES");
  }

  @Test
  void concurrentFirstStartsAgreeOnOneKey() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Callable<byte[]>> starts = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        starts.add(() -> Keyring.openOrCreate(dataDir).forTenant("acme").tokenKey().getEncoded());
      }
      List<byte[]> keys = new ArrayList<>();
      for (Future<byte[]> key : pool.invokeAll(starts)) {
        keys.add(key.get());
      }
      assertThat(keys).allSatisfy(key -> assertThat(key).isEqualTo(keys.get(0)));
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void anUnknownKeyVersionIsRefused() throws IOException {
    Keyring keyring = Keyring.openOrCreate(dataDir);

    assertThatThrownBy(() -> keyring.forTenant("acme", 2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("version: 2");
  }

  @Test
  void keysNeverShowUpInToString() throws IOException {
    TenantKeys keys = Keyring.openOrCreate(dataDir).forTenant("acme");
    String encoded = Base64.getEncoder().encodeToString(keys.tokenKey().getEncoded());

    assertThat(keys.toString())
        .isEqualTo("TenantKeys[tenant=acme, version=1]")
        .doesNotContain(encoded);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "not JSON            | {nope                                                         | not"
            + " valid JSON",
        "wrong format        | {\"format\":2}                                                |"
            + " format: 2",
        "no keys             | {\"format\":1,\"current_version\":1,\"keys\":[]}              |"
            + " keys: expected a non-empty array",
        "short key           |"
            + " {\"format\":1,\"current_version\":1,\"keys\":[{\"version\":1,\"master_key\":\"AAAA\"}]}"
            + " | is 3 bytes (expected: 32)",
        "missing current key |"
            + " {\"format\":1,\"current_version\":2,\"keys\":[{\"version\":1,\"master_key\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"}]}"
            + " | current_version: 2",
      })
  void anInvalidKeyringFileIsReportedWithWhatIsWrong(String name, String content, String message)
      throws IOException {
    Files.writeString(dataDir.resolve("keyring.json"), content, UTF_8);

    assertThatThrownBy(() -> Keyring.openOrCreate(dataDir))
        .isInstanceOf(IOException.class)
        .hasMessageStartingWith("Invalid keyring " + dataDir.resolve("keyring.json"))
        .hasMessageContaining(message);
  }
}
