package org.complianceproxy.proxy.token;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import javax.crypto.Mac;
import javax.crypto.SecretKey;
import org.complianceproxy.dlp.EntityType;
import org.complianceproxy.dlp.Normalization;

/**
 * Mints tokens and fingerprints. Both are keyed MACs, so they are deterministic per tenant (every
 * replica, every request, every restart gives the same token for the same value under the same key
 * version) and reveal nothing about the value without the tenant's key.
 *
 * <ul>
 *   <li>A token covers the exact characters the client sent, so the vault maps it back to exactly
 *       those characters: {@code <<CARD_7K3QZ9XW2M>>}, HMAC-SHA256(token key, tag 0x00
 *       UTF-8(value)), first 50 bits in Crockford base32.
 *   <li>A fingerprint covers the normalized value, so officers can see that "4111 1111 1111 1111"
 *       and "4111-1111-1111-1111" are the same card: hex of the first 16 bytes of HMAC-SHA256
 *       (fingerprint key, {@link Normalization#normalize}).
 * </ul>
 *
 * <p>Thread-safe; answers from memory.
 */
public final class TokenMinter {

  /** Crockford's base32: no I, L, O, U, so a model cannot confuse or misspell them. */
  static final String CROCKFORD_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

  /** Token body length: 10 characters of 5 bits, 50 bits of the MAC. */
  public static final int TOKEN_BODY_LENGTH = 10;

  private static final int FINGERPRINT_BYTES = 16;
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  // Mac instances are not thread-safe and costly to look up, and init() costs more than the MAC of
  // a short value: each thread keeps one per purpose, keyed for the tenant it served last
  private static final ThreadLocal<KeyedMac> TOKEN_MAC = ThreadLocal.withInitial(KeyedMac::new);
  private static final ThreadLocal<KeyedMac> FINGERPRINT_MAC =
      ThreadLocal.withInitial(KeyedMac::new);

  // where the tenant keys come from
  private final KeyProvider keys;

  public TokenMinter(KeyProvider keys) {
    this.keys = requireNonNull(keys, "keys");
  }

  /**
   * Makes the tenant's current keys available in memory, so that {@link #mint} and {@link
   * #fingerprint} answer without I/O for the rest of a request: completes at once when they are
   * cached, else once the key provider has fetched them (a KMS call, on the provider's thread).
   * Fails with {@code VAULT_UNAVAILABLE} when they cannot be had.
   */
  public java.util.concurrent.CompletableFuture<Void> prepare(String tenant) {
    return keys.forTenantAsync(tenant).thenApply(ignored -> null);
  }

  /** The token for {@code value}, e.g. {@code <<EMAIL_0A9ZK3M7QX>>}. */
  public String mint(String tenant, EntityType type, CharSequence value) {
    requireNonNull(type, "type");
    requireNonNull(value, "value");
    byte[] tag = type.tag().getBytes(UTF_8);
    byte[] text = value.toString().getBytes(UTF_8);
    // Nothing between the first update and doFinal can throw, so the Mac is always left reset.
    Mac mac = TOKEN_MAC.get().keyedWith(keys.forTenant(tenant).tokenKey());
    mac.update(tag);
    mac.update((byte) 0);
    mac.update(text);
    byte[] digest = mac.doFinal();

    long first64 = 0;
    for (int i = 0; i < Long.BYTES; i++) {
      first64 = (first64 << 8) | (digest[i] & 0xff);
    }
    long bits = first64 >>> (Long.SIZE - 5 * TOKEN_BODY_LENGTH);
    StringBuilder token = new StringBuilder(2 + type.tag().length() + 1 + TOKEN_BODY_LENGTH + 2);
    token.append("<<").append(type.tag()).append('_');
    for (int shift = 5 * (TOKEN_BODY_LENGTH - 1); shift >= 0; shift -= 5) {
      token.append(CROCKFORD_ALPHABET.charAt((int) (bits >>> shift) & 0x1f));
    }
    return token.append(">>").toString();
  }

  /** The audit fingerprint of {@code value}: 32 lower-case hex digits. */
  public String fingerprint(String tenant, EntityType type, CharSequence value) {
    requireNonNull(type, "type");
    requireNonNull(value, "value");
    String normalized = Normalization.normalize(type, value);
    byte[] text = normalized.getBytes(UTF_8);
    byte[] digest =
        FINGERPRINT_MAC.get().keyedWith(keys.forTenant(tenant).fingerprintKey()).doFinal(text);
    char[] hex = new char[FINGERPRINT_BYTES * 2];
    for (int i = 0; i < FINGERPRINT_BYTES; i++) {
      hex[2 * i] = HEX[(digest[i] >> 4) & 0xf];
      hex[2 * i + 1] = HEX[digest[i] & 0xf];
    }
    return new String(hex);
  }

  /** One thread's HMAC-SHA256, initialized with the key it was last asked for. */
  private static final class KeyedMac {
    private final Mac mac;
    // the key mac is initialized with; identity suffices: key providers hand out cached keys
    private SecretKey key;

    KeyedMac() {
      try {
        mac = Mac.getInstance("HmacSHA256");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("HmacSHA256 is unavailable", e);
      }
    }

    // doFinal() leaves a Mac reset to its key, ready for the next value under the same key.
    Mac keyedWith(SecretKey wanted) {
      if (wanted != key) {
        try {
          mac.init(wanted);
        } catch (InvalidKeyException e) {
          key = null;
          throw new IllegalStateException("tenant key is not an HMAC key", e);
        }
        key = wanted;
      }
      return mac;
    }
  }
}
