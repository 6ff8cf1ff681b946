package org.complianceproxy.proxy.auth;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.complianceproxy.proxy.config.ConfigLoader;
import org.complianceproxy.proxy.config.ProxyConfig.ApiKey;
import org.complianceproxy.proxy.error.ProxyError;
import org.complianceproxy.proxy.error.ProxyException;

/**
 * Maps a proxy-issued Bearer key to its tenant. Only hashes of keys are held, so a heap dump does
 * not hand out working keys; the presented key is hashed and looked up.
 */
public final class ApiKeyAuthenticator {

  private static final String BEARER = "bearer ";

  /** SHA-256 hex of a key -> tenant. */
  private final Map<String, String> tenantsByKeyHash;

  public ApiKeyAuthenticator(List<ApiKey> keys) {
    Map<String, String> map = new HashMap<>();
    for (ApiKey key : keys) {
      String previous = map.putIfAbsent(key.sha256Hex(), key.tenant());
      if (previous != null && !previous.equals(key.tenant())) {
        throw new IllegalArgumentException(
            "apiKeys: one key is configured for tenants " + previous + " and " + key.tenant());
      }
    }
    this.tenantsByKeyHash = Map.copyOf(map);
  }

  /** True when no key is configured, so every request will be refused. */
  public boolean isEmpty() {
    return tenantsByKeyHash.isEmpty();
  }

  /**
   * The tenant of an {@code Authorization} header value.
   *
   * @throws ProxyException {@link ProxyError#MISSING_API_KEY} or {@link ProxyError#INVALID_API_KEY}
   */
  public String authenticate(String authorization) {
    if (authorization == null || authorization.isBlank()) {
      throw new ProxyException(
          ProxyError.MISSING_API_KEY,
          "You didn't provide an API key. Send it as 'Authorization: Bearer <key>'.");
    }
    if (authorization.length() <= BEARER.length()
        || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      throw new ProxyException(
          ProxyError.MISSING_API_KEY, "The Authorization header must use the Bearer scheme.");
    }
    String key = authorization.substring(BEARER.length()).trim();
    String tenant = tenantsByKeyHash.get(ConfigLoader.sha256Hex(key));
    if (tenant == null) {
      throw new ProxyException(ProxyError.INVALID_API_KEY, "Incorrect API key provided.");
    }
    return tenant;
  }
}
