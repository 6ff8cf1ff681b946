package org.complianceproxy.proxy.token;

import static java.util.Objects.requireNonNull;

import javax.crypto.SecretKey;

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

  /** Names the tenant and version only; key material never reaches a log. */
  @Override
  public String toString() {
    return "TenantKeys[tenant=" + tenant + ", version=" + version + "]";
  }
}
