package org.complianceproxy.proxy.vault;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import org.complianceproxy.proxy.error.ProxyError;
import org.complianceproxy.proxy.error.ProxyException;
import org.complianceproxy.proxy.token.KeyProvider;
import org.complianceproxy.proxy.token.TenantKeys;

/**
 * AES-256-GCM for vault values. The associated data binds each ciphertext to its tenant and token,
 * so an entry copied under another tenant or token fails authentication instead of decrypting.
 */
final class Sealer {

  static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;

  // Cipher instances are not thread-safe; a fresh nonce per seal makes reusing them safe
  private static final ThreadLocal<Cipher> AES_GCM =
      ThreadLocal.withInitial(
          () -> {
            try {
              return Cipher.getInstance("AES/GCM/NoPadding");
            } catch (GeneralSecurityException e) {
              throw new IllegalStateException("AES/GCM is unavailable", e);
            }
          });

  // where the per-tenant vault keys come from
  private final KeyProvider keys;
  // nonces: random 96 bits per entry (NIST SP 800-38D 8.2.2)
  private final SecureRandom random = new SecureRandom();

  Sealer(KeyProvider keys) {
    this.keys = requireNonNull(keys, "keys");
  }

  /** A value sealed under one key version. */
  record Sealed(int keyVersion, byte[] nonce, byte[] ciphertext) {}

  Sealed seal(String tenant, String token, String value) throws GeneralSecurityException {
    return seal(keys.forTenant(tenant), tenant, token, value);
  }

  /** Seals under {@code tenantKeys}, which a caller fetched beforehand. */
  Sealed seal(TenantKeys tenantKeys, String tenant, String token, String value)
      throws GeneralSecurityException {
    byte[] nonce = new byte[NONCE_BYTES];
    random.nextBytes(nonce);
    Cipher cipher = AES_GCM.get();
    cipher.init(Cipher.ENCRYPT_MODE, tenantKeys.vaultKey(), new GCMParameterSpec(TAG_BITS, nonce));
    cipher.updateAAD(associatedData(tenant, token));
    return new Sealed(tenantKeys.version(), nonce, cipher.doFinal(value.getBytes(UTF_8)));
  }

  /**
   * @throws GeneralSecurityException when the entry does not authenticate for this tenant and token
   *     (tampered, moved, or sealed under another key)
   */
  String open(String tenant, String token, Sealed sealed) throws GeneralSecurityException {
    TenantKeys tenantKeys;
    try {
      tenantKeys = keys.forTenant(tenant, sealed.keyVersion());
    } catch (IllegalArgumentException unknownVersion) {
      throw new GeneralSecurityException("unknown key version " + sealed.keyVersion());
    }
    return open(tenantKeys, tenant, token, sealed);
  }

  /** Opens with {@code tenantKeys}, which must be of the entry's key version. */
  String open(TenantKeys tenantKeys, String tenant, String token, Sealed sealed)
      throws GeneralSecurityException {
    if (tenantKeys.version() != sealed.keyVersion()) {
      throw new GeneralSecurityException("key version mismatch");
    }
    Cipher cipher = AES_GCM.get();
    cipher.init(
        Cipher.DECRYPT_MODE, tenantKeys.vaultKey(), new GCMParameterSpec(TAG_BITS, sealed.nonce()));
    cipher.updateAAD(associatedData(tenant, token));
    return new String(cipher.doFinal(sealed.ciphertext()), UTF_8);
  }

  /** The key provider seals and opens with. */
  KeyProvider keys() {
    return keys;
  }

  /**
   * Fetches the keys of every key version among {@code sealed}, without blocking; a version that no
   * longer exists (shredded) is absent from the map, so its entries read as absent.
   */
  CompletableFuture<Map<Integer, TenantKeys>> keysFor(String tenant, Collection<Sealed> sealed) {
    TreeSet<Integer> wanted = new TreeSet<>();
    for (Sealed s : sealed) {
      wanted.add(s.keyVersion());
    }
    Map<Integer, TenantKeys> found = new HashMap<>();
    CompletableFuture<Void> all = CompletableFuture.completedFuture(null);
    for (int version : wanted) {
      CompletableFuture<Optional<TenantKeys>> one = keys.forTenantAsync(tenant, version);
      all =
          all.thenCombine(
              one,
              (ignored, k) -> {
                k.ifPresent(tk -> found.put(version, tk));
                return null;
              });
    }
    return all.thenApply(ignored -> found);
  }

  // length-prefixed so that no (tenant, token) pair can spell another pair's bytes
  /**
   * Opens stored entries of one tenant: token -> value for every entry whose key version still
   * exists (an entry without one was shredded and is gone for good). Fails with {@link
   * #unauthentic()} when an entry does not authenticate (tampered, or moved to another tenant).
   */
  CompletableFuture<Map<String, String>> openAll(String tenant, Map<String, Sealed> stored) {
    return keysFor(tenant, stored.values())
        .thenCompose(
            known -> {
              Map<String, String> found = new HashMap<>();
              try {
                for (Map.Entry<String, Sealed> entry : stored.entrySet()) {
                  TenantKeys tenantKeys = known.get(entry.getValue().keyVersion());
                  if (tenantKeys != null) {
                    found.put(
                        entry.getKey(), open(tenantKeys, tenant, entry.getKey(), entry.getValue()));
                  }
                }
              } catch (GeneralSecurityException e) {
                return CompletableFuture.failedFuture(unauthentic());
              }
              return CompletableFuture.completedFuture(found);
            });
  }

  /** The failure for an entry that does not authenticate; names no token or value. */
  static ProxyException unauthentic() {
    return new ProxyException(
        ProxyError.VAULT_UNAVAILABLE, "vault entry failed authentication (tampered or wrong key)");
  }

  private static byte[] associatedData(String tenant, String token) {
    byte[] tenantBytes = tenant.getBytes(UTF_8);
    byte[] tokenBytes = token.getBytes(UTF_8);
    return ByteBuffer.allocate(Integer.BYTES + tenantBytes.length + tokenBytes.length)
        .putInt(tenantBytes.length)
        .put(tenantBytes)
        .put(tokenBytes)
        .array();
  }
}
