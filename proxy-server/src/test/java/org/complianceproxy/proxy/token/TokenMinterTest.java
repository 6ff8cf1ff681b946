package org.complianceproxy.proxy.token;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.complianceproxy.dlp.EntityType;
import org.complianceproxy.proxy.testing.SeededRandom;
import org.complianceproxy.proxy.testing.SeededRandom.Gen;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

class TokenMinterTest {

  private static final Pattern GRAMMAR =
      Pattern.compile("<<[A-Z][A-Z0-9]{1,11}_[0-9A-HJKMNP-TV-Z]{10}>>");

  @TempDir Path dataDir;
  private Keyring keyring;
  private TokenMinter minter;

  @BeforeEach
  void openKeyring() throws IOException {
    keyring = Keyring.openOrCreate(dataDir);
    minter = new TokenMinter(keyring);
  }

  @ParameterizedTest
  @EnumSource(EntityType.class)
  void tokensCarryTheTypeTagAndMatchTheGrammar(EntityType type) {
    String token = minter.mint("acme", type, "some value");

    assertThat(token).matches(GRAMMAR).startsWith("<<" + type.tag() + "_");
    assertThat(TokenGrammar.isToken(token)).isTrue();
    assertThat(TokenGrammar.findAll("see " + token + ".")).hasSize(1);
  }

  @Test
  void theSameValueGivesTheSameTokenAcrossMintersAndRestarts() throws IOException {
    String first = minter.mint("acme", EntityType.CARD, "4111 1111 1111 1111");

    TokenMinter afterRestart = new TokenMinter(Keyring.openOrCreate(dataDir));

    assertThat(minter.mint("acme", EntityType.CARD, "4111 1111 1111 1111")).isEqualTo(first);
    assertThat(afterRestart.mint("acme", EntityType.CARD, new StringBuilder("4111 1111 1111 1111")))
        .isEqualTo(first);
  }

  @Test
  void tokensDifferByTenantTypeAndExactCharacters() {
    Set<String> tokens = new HashSet<>();
    tokens.add(minter.mint("acme", EntityType.CARD, "4111 1111 1111 1111"));
    tokens.add(minter.mint("globex", EntityType.CARD, "4111 1111 1111 1111"));
    tokens.add(minter.mint("acme", EntityType.PHONE, "4111 1111 1111 1111"));
    tokens.add(minter.mint("acme", EntityType.CARD, "4111-1111-1111-1111"));

    assertThat(tokens).hasSize(4);
  }

  @Test
  void tokensAreTheFirst50BitsOfTheMacInCrockfordBase32() throws Exception {
    String value = "jane.doe@example.com";
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(keyring.forTenant("acme").tokenKey().getEncoded(), "HmacSHA256"));
    mac.update("EMAIL".getBytes(UTF_8));
    mac.update((byte) 0);
    BigInteger bits = new BigInteger(1, mac.doFinal(value.getBytes(UTF_8))).shiftRight(256 - 50);
    StringBuilder body = new StringBuilder(bits.toString(32));
    while (body.length() < 10) {
      body.insert(0, '0');
    }
    String crockford =
        body.toString()
            .toUpperCase()
            .chars()
            .map(c -> "0123456789ABCDEFGHJKMNPQRSTVWXYZ".charAt(Character.digit(c, 32)))
            .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append)
            .toString();

    assertThat(minter.mint("acme", EntityType.EMAIL, value))
        .isEqualTo("<<EMAIL_" + crockford + ">>");
  }

  @ParameterizedTest(name = "{0} == {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "CARD  | 4111 1111 1111 1111  | 4111-1111-1111-1111",
        "EMAIL | Jane.Doe@Example.com | jane.doe@example.com",
        "IBAN  | DE89 3704 0044 0532 0130 00 | DE89370400440532013000",
      })
  void differentlyWrittenValuesShareAFingerprintButNotAToken(
      EntityType type, String written, String otherwise) {
    assertThat(minter.fingerprint("acme", type, written))
        .isEqualTo(minter.fingerprint("acme", type, otherwise))
        .matches("[0-9a-f]{32}");
    assertThat(minter.mint("acme", type, written))
        .isNotEqualTo(minter.mint("acme", type, otherwise));
  }

  @Test
  void fingerprintsAreKeyedPerTenant() {
    assertThat(minter.fingerprint("acme", EntityType.CARD, "4111111111111111"))
        .isNotEqualTo(minter.fingerprint("globex", EntityType.CARD, "4111111111111111"));
  }

  @Test
  void interleavedTenantsAndPurposesOnOneThreadGiveWhatEachGivesOnAFreshThread() throws Exception {
    List<Callable<String>> steps =
        List.of(
            () -> minter.mint("acme", EntityType.CARD, "4111 1111 1111 1111"),
            () -> minter.fingerprint("acme", EntityType.CARD, "4111 1111 1111 1111"),
            () -> minter.mint("globex", EntityType.CARD, "4111 1111 1111 1111"),
            () -> minter.mint("acme", EntityType.EMAIL, "ann@example.com"),
            () -> minter.fingerprint("globex", EntityType.CARD, "4111 1111 1111 1111"),
            () -> minter.fingerprint("acme", EntityType.CARD, "4111 1111 1111 1111"),
            () -> minter.mint("acme", EntityType.CARD, "4111 1111 1111 1111"));
    List<String> alone = new ArrayList<>();
    for (Callable<String> step : steps) {
      ExecutorService fresh = Executors.newSingleThreadExecutor();
      try {
        alone.add(fresh.submit(step).get());
      } finally {
        fresh.shutdown();
      }
    }

    List<String> interleaved = new ArrayList<>();
    for (Callable<String> step : steps) {
      interleaved.add(step.call());
    }

    assertThat(interleaved).isEqualTo(alone);
    assertThat(interleaved.get(0)).isEqualTo(interleaved.get(6)).isNotEqualTo(interleaved.get(2));
    assertThat(interleaved.get(1)).isEqualTo(interleaved.get(5)).isNotEqualTo(interleaved.get(4));
  }

  // Fixed in-memory keys: the property is about the token's shape, not about the keyring.
  @Test
  void everyValueGivesAGrammaticalDeterministicToken() {
    TokenMinter fixed = new TokenMinter(new FixedKeys());
    SeededRandom.forEachCase(
        200,
        random -> {
          String value = ANY_VALUES.next(random);
          String token = fixed.mint("acme", EntityType.SSN, value);

          assertThat(token).as("value %s", SeededRandom.quote(value)).matches(GRAMMAR);
          assertThat(fixed.mint("acme", EntityType.SSN, value))
              .as("value %s", SeededRandom.quote(value))
              .isEqualTo(token);
        });
  }

  /** Any UTF-16 code unit, lone surrogates included. */
  private static final Gen<String> ANY_CHAR =
      random -> String.valueOf((char) random.nextInt(0x10000));

  /** A well-formed supplementary character (a surrogate pair). */
  private static final Gen<String> SUPPLEMENTARY =
      random -> Character.toString(SeededRandom.between(random, 0x10000, Character.MAX_CODE_POINT));

  /** One piece of a value: mostly any code unit, else ASCII, whitespace or a surrogate pair. */
  private static final Gen<String> PIECES =
      SeededRandom.<String>weighted()
          .with(4, ANY_CHAR)
          .with(2, SeededRandom.strings(SeededRandom.charRange(' ', '~'), 1, 1))
          .with(1, SeededRandom.strings(" \t\n\r\u000B\f\u0000\u0085\u00A0\u2028\u3000", 1, 1))
          .with(1, SUPPLEMENTARY);

  /**
   * Any value of 0..255 chars (one in four at most 10; a final surrogate pair may add one): the
   * empty string included.
   */
  private static final Gen<String> ANY_VALUES =
      random -> {
        int length =
            random.nextInt(4) == 0
                ? SeededRandom.between(random, 0, 10)
                : SeededRandom.between(random, 0, 255);
        StringBuilder out = new StringBuilder(length + 1);
        while (out.length() < length) {
          out.append(PIECES.next(random));
        }
        return out.toString();
      };

  private static final class FixedKeys implements KeyProvider {
    private final TenantKeys keys =
        new TenantKeys(
            "acme",
            1,
            new SecretKeySpec(new byte[32], "HmacSHA256"),
            new SecretKeySpec(new byte[32], "HmacSHA256"),
            new SecretKeySpec(new byte[32], "AES"));

    @Override
    public TenantKeys forTenant(String tenant) {
      return keys;
    }

    @Override
    public TenantKeys forTenant(String tenant, int version) {
      return keys;
    }
  }
}
