package org.complianceproxy.proxy.token;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * The keys of one tenant under one key version, each for one purpose only.
 *
 * @param tenant the tenant the keys were derived for
 * @param version the version of the master or data key they were derived from; the vault stores it
 *     with every entry so that entries stay readable after a rotation
 * @param tokenKey HMAC-SHA256 key that mints tokens
 * @param fingerprintKey HMAC-SHA256 key for audit fingerprints; separate from {@code tokenKey} so a
 *     fingerprint never reveals a token and the other way round
 * @param vaultKey AES-256 key that seals vault entries
 */
public record TenantKeys(
    String tenant, int version, SecretKey tokenKey, SecretKey fingerprintKey, SecretKey vaultKey) {

  public TenantKeys {
    requireNonNull(tenant, "tenant");
    requireNonNull(tokenKey, "tokenKey");
    requireNonNull(fingerprintKey, "fingerprintKey");
    requireNonNull(vaultKey, "vaultKey");
  }

  // separates keys derived from a tenant data key (envelope encryption) from every other use
  private static final byte[] DATA_KEY_SALT = "complianceproxy/data-key/v1".getBytes(UTF_8);

  /**
   * The keys derived from one tenant data key (e.g. a KMS data key) with HKDF-SHA256, one per
   * purpose, each bound to the tenant.
   *
   * @param dataKey at least 32 bytes of key material; not kept
   */
  public static TenantKeys fromDataKey(String tenant, int version, byte[] dataKey) {
    requireNonNull(tenant, "tenant");
    requireNonNull(dataKey, "dataKey");
    if (dataKey.length < 32) {
      throw new IllegalArgumentException(
          "dataKey: " + dataKey.length + " bytes (expected: at least 32)");
    }
    byte[] prk = Hkdf.extract(DATA_KEY_SALT, dataKey);
    return new TenantKeys(
        tenant,
        version,
        new SecretKeySpec(expand(prk, Keyring.TOKEN_MAC_INFO, tenant), "HmacSHA256"),
        new SecretKeySpec(expand(prk, Keyring.FINGERPRINT_INFO, tenant), "HmacSHA256"),
        new SecretKeySpec(expand(prk, Keyring.VAULT_AEAD_INFO, tenant), "AES"));
  }

  // info = purpose 0x00 tenant, as in Keyring
  private static byte[] expand(byte[] prk, String purpose, String tenant) {
    byte[] purposeBytes = purpose.getBytes(UTF_8);
    byte[] tenantBytes = tenant.getBytes(UTF_8);
    byte[] info = new byte[purposeBytes.length + 1 + tenantBytes.length];
    System.arraycopy(purposeBytes, 0, info, 0, purposeBytes.length);
    System.arraycopy(tenantBytes, 0, info, purposeBytes.length + 1, tenantBytes.length);
    return Hkdf.expand(prk, info, 32);
  }

  /** Names the tenant and version only; key material never reaches a log. */
  @Override
  public String toString() {
    return "TenantKeys[tenant=" + tenant + ", version=" + version + "]";
  }
}
