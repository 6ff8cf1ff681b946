package org.complianceproxy.proxy.config;

import static java.util.Objects.requireNonNull;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import org.complianceproxy.dlp.Action;
import org.complianceproxy.dlp.EntityType;

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
    List<String> adminKeySha256s,
    Dlp dlp) {

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
    requireNonNull(dlp, "dlp");
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
          + ", connectTimeout="
          + connectTimeout
          + ", responseTimeout="
          + responseTimeout
          + ", idleTimeout="
          + idleTimeout
          + ", maxConnectionsPerLoop="
          + maxConnectionsPerLoop
          + ", trustCertFile="
          + trustCertFile.map(Path::toString).orElse("<jdk>")
          + "]";
    }
  }

  /**
   * @param kafkaBootstrapServers Kafka, or empty for the local spool only
   * @param topic the audit topic
   * @param strict refuse traffic (503) while audit records cannot be written, instead of spooling
   * @param spoolMaxBytes disk the local spool may use; a warning and a metric as it fills
   * @param maxPendingRecords records that may wait in memory while the spool cannot write them;
   *     from 90 % of this requests are refused with {@code audit_unavailable}
   */
  public record Audit(
      Optional<String> kafkaBootstrapServers,
      String topic,
      boolean strict,
      long spoolMaxBytes,
      int maxPendingRecords) {

    /** Most records that may wait in memory, whatever the configuration says. */
    public static final int MAX_PENDING_RECORDS_LIMIT = 10_000_000;

    /** With the spool's default limit of records in memory. */
    public Audit(
        Optional<String> kafkaBootstrapServers, String topic, boolean strict, long spoolMaxBytes) {
      this(
          kafkaBootstrapServers,
          topic,
          strict,
          spoolMaxBytes,
          org.complianceproxy.proxy.audit.SpoolAuditSink.DEFAULT_MAX_PENDING_RECORDS);
    }
  }

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
          + ", kmsEndpoint="
          + kmsEndpoint.map(URI::toString).orElse("<regional>")
          + ", kmsRegion="
          + kmsRegion
          + ", dataKeyTtl="
          + dataKeyTtl
          + ", store="
          + jdbcUrl.map(VaultSettings::withoutCredentials).orElse("embedded")
          + ", jdbcUser="
          + jdbcUser.orElse("<in url>")
          + ", rotationInterval="
          + rotationInterval.map(Duration::toString).orElse("<on command>")
          + "]";
    }

    // A JDBC URL without its query (where a password may be) or user information.
    private static String withoutCredentials(String jdbcUrl) {
      int query = jdbcUrl.indexOf('?');
      String base = query < 0 ? jdbcUrl : jdbcUrl.substring(0, query);
      int hosts = base.indexOf("//");
      int at = base.lastIndexOf('@');
      return hosts >= 0 && at > hosts
          ? base.substring(0, hosts + 2) + base.substring(at + 1)
          : base;
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

  /**
   * Detection rules and each tenant's DLP policy.
   *
   * @param rulesFile a rule file used instead of the bundled rules; empty: the bundled rules
   * @param defaultPolicy the policy of every tenant without its own
   * @param tenants tenant id to its effective policy, already merged over {@code defaultPolicy}
   *     (see {@link PolicySettings#over})
   */
  public record Dlp(
      Optional<Path> rulesFile, PolicySettings defaultPolicy, Map<String, PolicySettings> tenants) {

    /** The bundled rules with their own actions, for every tenant. */
    public static final Dlp DEFAULTS = new Dlp(Optional.empty(), PolicySettings.NONE, Map.of());

    public Dlp {
      requireNonNull(rulesFile, "rulesFile");
      requireNonNull(defaultPolicy, "defaultPolicy");
      // sorted, so that the configuration prints (and hashes) the same way on every start
      tenants = Collections.unmodifiableMap(new TreeMap<>(tenants));
    }
  }

  /**
   * One DLP policy as configured: overrides on top of the rules. Values of the allow-list and
   * deny-list terms are configuration, not request data, so they may be printed.
   *
   * @param actions entity type to the action on the way in, replacing the rule's
   * @param outputActions entity type to the action for data a model produced by itself; types not
   *     named are masked
   * @param allow entity type to values that are not sensitive for the tenant (audited as ALLOW)
   * @param deny terms always sensitive for the tenant, found as whole words in any case (CUSTOM)
   */
  public record PolicySettings(
      Map<EntityType, Action> actions,
      Map<EntityType, Action> outputActions,
      Map<EntityType, List<String>> allow,
      List<String> deny) {

    /** No overrides and no lists: the rules' own actions, masking on the way out. */
    public static final PolicySettings NONE =
        new PolicySettings(Map.of(), Map.of(), Map.of(), List.of());

    public PolicySettings {
      actions = byType(actions, action -> action);
      outputActions = byType(outputActions, action -> action);
      allow = byType(allow, List::copyOf);
      deny = List.copyOf(deny);
    }

    /** An unmodifiable copy in entity type order, so that it prints the same way every time. */
    private static <V> Map<EntityType, V> byType(
        Map<EntityType, ? extends V> map, UnaryOperator<V> copy) {
      Map<EntityType, V> sorted = new EnumMap<>(EntityType.class);
      map.forEach((type, value) -> sorted.put(type, copy.apply(value)));
      return Collections.unmodifiableMap(sorted);
    }

    /**
     * This policy merged over {@code base}: an action named here replaces the base's for that
     * entity type, the others stay; allow-list values and deny-list terms add to the base's
     * (duplicates once).
     */
    public PolicySettings over(PolicySettings base) {
      Map<EntityType, Action> mergedActions = new EnumMap<>(EntityType.class);
      mergedActions.putAll(base.actions);
      mergedActions.putAll(actions);
      Map<EntityType, Action> mergedOutput = new EnumMap<>(EntityType.class);
      mergedOutput.putAll(base.outputActions);
      mergedOutput.putAll(outputActions);
      Map<EntityType, LinkedHashSet<String>> mergedAllow = new EnumMap<>(EntityType.class);
      for (Map<EntityType, List<String>> lists : List.of(base.allow, allow)) {
        lists.forEach(
            (type, values) ->
                mergedAllow.computeIfAbsent(type, t -> new LinkedHashSet<>()).addAll(values));
      }
      Map<EntityType, List<String>> allowLists = new EnumMap<>(EntityType.class);
      mergedAllow.forEach((type, values) -> allowLists.put(type, List.copyOf(values)));
      LinkedHashSet<String> mergedDeny = new LinkedHashSet<>(base.deny);
      mergedDeny.addAll(deny);
      return new PolicySettings(mergedActions, mergedOutput, allowLists, List.copyOf(mergedDeny));
    }
  }
}
