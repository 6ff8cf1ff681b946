package org.complianceproxy.proxy.vault;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The separate credential that vault operations require: admin keys, configured as SHA-256 hashes
 * ({@code admin_keys} / {@code PROXY_ADMIN_KEYS}), never the client API keys. A presented key is
 * hashed and compared in constant time with every configured hash.
 */
public final class AdminCredentials {

  // configured hashes, as bytes
  private final List<byte[]> hashes;

  public AdminCredentials(List<String> sha256Hexes) {
    List<byte[]> parsed = new ArrayList<>();
    for (String hex : sha256Hexes) {
      byte[] bytes = HexFormat.of().parseHex(hex.trim().toLowerCase(java.util.Locale.ROOT));
      if (bytes.length != 32) {
        throw new IllegalArgumentException(
            "admin key hash: " + bytes.length + " bytes (expected: 32, a SHA-256)");
      }
      parsed.add(bytes);
    }
    this.hashes = List.copyOf(parsed);
  }

  /** True when no admin key is configured: every vault operation is then refused. */
  public boolean isEmpty() {
    return hashes.isEmpty();
  }

  /**
   * The actor name of {@code presentedKey} ({@code admin:} and 12 hex digits of its hash) when it
   * is a configured admin key; empty otherwise.
   */
  public Optional<String> verify(String presentedKey) {
    if (presentedKey == null || presentedKey.isEmpty()) {
      return Optional.empty();
    }
    byte[] hash = sha256(presentedKey);
    boolean match = false;
    for (byte[] configured : hashes) {
      match |= MessageDigest.isEqual(configured, hash);
    }
    return match ? Optional.of("admin:" + HexFormat.of().formatHex(hash, 0, 6)) : Optional.empty();
  }

  /**
   * The actor name a presented credential is recorded under when it is refused: {@code admin:} and
   * 12 hex digits of its hash (so officers can tell repeated attempts with one key apart from many
   * keys, and the key itself is never recorded), or {@code anonymous} when none was presented.
   */
  public static String actorOf(String presentedKey) {
    if (presentedKey == null || presentedKey.isEmpty()) {
      return "anonymous";
    }
    return "admin:" + HexFormat.of().formatHex(sha256(presentedKey), 0, 6);
  }

  static byte[] sha256(String key) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(key.getBytes(UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is unavailable", e);
    }
  }
}
