package org.complianceproxy.proxy.token;

import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HKDF with HMAC-SHA256 (RFC 5869), written against {@link Mac} so that no extra provider is
 * needed.
 */
final class Hkdf {

  private static final String HMAC_SHA256 = "HmacSHA256";
  private static final int HASH_LENGTH = 32;

  private Hkdf() {}

  /** Extract-then-expand: {@code length} bytes of key material for {@code info}. */
  static byte[] derive(byte[] salt, byte[] inputKeyMaterial, byte[] info, int length) {
    return expand(extract(salt, inputKeyMaterial), info, length);
  }

  /**
   * The pseudorandom key; an empty or null salt means {@code HashLen} zero bytes (RFC 5869 2.2).
   */
  static byte[] extract(byte[] salt, byte[] inputKeyMaterial) {
    byte[] effectiveSalt = salt == null || salt.length == 0 ? new byte[HASH_LENGTH] : salt;
    Mac mac = hmac(effectiveSalt);
    return mac.doFinal(inputKeyMaterial);
  }

  static byte[] expand(byte[] pseudorandomKey, byte[] info, int length) {
    if (length <= 0 || length > 255 * HASH_LENGTH) {
      throw new IllegalArgumentException(
          "length: " + length + " (expected: 1.." + 255 * HASH_LENGTH + ")");
    }
    Mac mac = hmac(pseudorandomKey);
    byte[] out = new byte[length];
    byte[] previous = new byte[0];
    int written = 0;
    for (int counter = 1; written < length; counter++) {
      mac.update(previous);
      mac.update(info);
      mac.update((byte) counter);
      previous = mac.doFinal();
      int n = Math.min(previous.length, length - written);
      System.arraycopy(previous, 0, out, written, n);
      written += n;
    }
    return out;
  }

  private static Mac hmac(byte[] key) {
    try {
      Mac mac = Mac.getInstance(HMAC_SHA256);
      mac.init(new SecretKeySpec(key, HMAC_SHA256));
      return mac;
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 is unavailable", e);
    }
  }
}
