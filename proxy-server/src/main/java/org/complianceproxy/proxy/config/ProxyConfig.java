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
    Audit audit,
    VaultSettings vault,
    Bedrock bedrock,
    List<String> adminKeySha256s) {

  public ProxyConfig {
    requireNonNull(listen, "listen");
    requireNonNull(adminListen, "adminListen");
    requireNonNull(dataDir, "dataDir");
    apiKeys = List.copyOf(apiKeys);
    requireNonNull(limits, "limits");
    requireNonNull(openAi, "openAi");
    requireNonNull(audit, "audit");
    requireNonNull(vault, "vault");
    requireNonNull(bedrock, "bedrock");
    adminKeySha256s = List.copyOf(adminKeySha256s);
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
   * @param trustCertFile PEM certificates to trust for an https base URL (a private CA, an egress
   *     gateway); empty: the JDK's default trust store
   */
  public record OpenAi(
      URI baseUrl,
      Optional<String> apiKey,
      String region,
      Duration connectTimeout,
      Duration responseTimeout,
      Duration idleTimeout,
      int maxConnectionsPerLoop,
      Optional<Path> trustCertFile) {

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
   * @param strict refuse traffic (503) while audit records cannot be written, instead of spooling
   * @param spoolMaxBytes disk the local spool may use; a warning and a metric as it fills
   */
  public record Audit(
      Optional<String> kafkaBootstrapServers, String topic, boolean strict, long spoolMaxBytes) {}

  /**
   * Keys and vault (DESIGN.md "Keys and vault").
   *
   * @param kmsKeyId AWS KMS key (id, ARN or alias) for tenant data keys; empty: the local keyring
   * @param kmsEndpoint endpoint override for KMS (tests); empty: the SDK's regional endpoint
   * @param kmsRegion region of the KMS client
   * @param dataKeyTtl how long a tenant's plaintext data key stays cached in memory
   * @param jdbcUrl shared PostgreSQL vault; empty: the embedded store under the data directory
   * @param jdbcUser PostgreSQL user, when not in the URL
   * @param jdbcPassword PostgreSQL password, when not in the URL
   * @param rotationInterval rotate every tenant's data key this often; empty: only on command
   */
  public record VaultSettings(
      Optional<String> kmsKeyId,
      Optional<URI> kmsEndpoint,
      String kmsRegion,
      Duration dataKeyTtl,
      Optional<String> jdbcUrl,
      Optional<String> jdbcUser,
      Optional<String> jdbcPassword,
      Optional<Duration> rotationInterval) {

    @Override
    public String toString() {
      return "VaultSettings[kms="
          + kmsKeyId.orElse("<local keyring>")
          + ", store="
          + (jdbcUrl.isPresent() ? "postgresql" : "embedded")
          + "]";
    }
  }

  /**
   * The Bedrock upstream and the native Bedrock front door.
   *
   * @param region the region the Bedrock client is pinned to
   * @param endpoint endpoint override (tests, bench); empty: the SDK's regional endpoint
   * @param awsKeys access-key pairs that AWS SDK clients sign with at the native front door
   * @param allowedRegions residency policy: regions and geographies (us, eu, apac, global) that
   *     traffic may reach; empty: only {@code region} itself
   * @param modelRoutes model-name patterns (glob, e.g. {@code anthropic.*}) routed to Bedrock
   */
  public record Bedrock(
      Optional<String> region,
      Optional<URI> endpoint,
      List<AwsKey> awsKeys,
      List<String> allowedRegions,
      List<String> modelRoutes) {

    public Bedrock {
      awsKeys = List.copyOf(awsKeys);
      allowedRegions = List.copyOf(allowedRegions);
      modelRoutes = List.copyOf(modelRoutes);
    }
  }

  /** A SigV4 access-key pair for the native Bedrock front door; the secret never leaves memory. */
  public record AwsKey(String tenant, String accessKeyId, String secret) {
    @Override
    public String toString() {
      return "AwsKey[tenant=" + tenant + ", accessKeyId=" + accessKeyId + "]";
    }
  }
}
