package org.complianceproxy.proxy.config;

import static java.util.Objects.requireNonNull;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The whole configuration, immutable and validated. Built by {@link ConfigLoader} from the embedded
 * defaults, an optional YAML file and the environment, in that order of precedence (last wins).
 *
 * @param listen the client listener
 * @param adminListen {@code /healthz}, {@code /readyz}, {@code /metrics}
 * @param dataDir keyring, vault and audit spool
 * @param apiKeys proxy-issued client keys, as hashes, each belonging to a tenant
 */
public record ProxyConfig(
    InetSocketAddress listen,
    InetSocketAddress adminListen,
    Path dataDir,
    List<ApiKey> apiKeys,
    Limits limits,
    OpenAi openAi,
    Audit audit) {

  public ProxyConfig {
    requireNonNull(listen, "listen");
    requireNonNull(adminListen, "adminListen");
    requireNonNull(dataDir, "dataDir");
    apiKeys = List.copyOf(apiKeys);
    requireNonNull(limits, "limits");
    requireNonNull(openAi, "openAi");
    requireNonNull(audit, "audit");
  }

  /**
   * A client key: the tenant it belongs to and the SHA-256 of the key (hex), so the config file
   * never holds a usable key.
   */
  public record ApiKey(String tenant, String sha256Hex) {
    public ApiKey {
      requireNonNull(tenant, "tenant");
      requireNonNull(sha256Hex, "sha256Hex");
    }
  }

  /**
   * @param maxBodyBytes largest request body accepted, larger ones get 413
   * @param maxResponseBytes largest non-streamed upstream answer the proxy will restore
   * @param maxHeaderBytes largest request head (line plus headers)
   * @param clientIdleTimeout a client connection with no traffic for this long is closed
   */
  public record Limits(
      long maxBodyBytes, long maxResponseBytes, int maxHeaderBytes, Duration clientIdleTimeout) {}

  /**
   * @param baseUrl ends in {@code /v1}; http or https
   * @param apiKey the proxy's own upstream credential; never sent to a client
   * @param region the region this base URL is pinned to, written into every audit record
   * @param connectTimeout TCP (and TLS) connect
   * @param responseTimeout from sending the request to the response head
   * @param idleTimeout between two reads of a response body, streams included
   * @param maxConnectionsPerLoop pooled keep-alive connections per event loop
   */
  public record OpenAi(
      URI baseUrl,
      Optional<String> apiKey,
      String region,
      Duration connectTimeout,
      Duration responseTimeout,
      Duration idleTimeout,
      int maxConnectionsPerLoop) {

    @Override
    public String toString() {
      return "OpenAi[baseUrl="
          + baseUrl
          + ", apiKey="
          + (apiKey.isPresent() ? "<set>" : "<none>")
          + ", region="
          + region
          + "]";
    }
  }

  /**
   * @param kafkaBootstrapServers Kafka, or empty for the local spool only
   * @param topic the audit topic
   */
  public record Audit(Optional<String> kafkaBootstrapServers, String topic) {}
}
