package org.complianceproxy.proxy.kms;

import java.util.concurrent.CompletableFuture;

/**
 * Makes and unwraps tenant data keys (envelope encryption): a new key comes back in clear, for use
 * in memory, and wrapped, for storage; only the source can unwrap it again. Both calls name the
 * tenant and the key version, which the source binds into the wrapped key (KMS: the encryption
 * context), so a wrapped key copied to another tenant or version does not unwrap.
 *
 * <p>Futures fail with a {@link org.complianceproxy.proxy.error.ProxyException} {@code
 * VAULT_UNAVAILABLE} whose message names the operation and the reason, never key material.
 */
public interface DataKeySource {

  /** A new 256-bit data key for {@code tenant} under {@code version}. */
  CompletableFuture<DataKey> generate(String tenant, int version);

  /** The clear data key that {@code wrapped} holds. */
  CompletableFuture<byte[]> unwrap(String tenant, int version, byte[] wrapped);

  /** A new data key: in clear for memory, wrapped for storage. */
  record DataKey(byte[] plaintext, byte[] wrapped) {
    @Override
    public String toString() {
      return "DataKey[" + wrapped.length + " bytes wrapped]";
    }
  }
}
