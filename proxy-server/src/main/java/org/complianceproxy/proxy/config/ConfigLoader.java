package org.complianceproxy.proxy.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.complianceproxy.dlp.Action;
import org.complianceproxy.dlp.EntityType;
import org.complianceproxy.dlp.Policy;
import org.complianceproxy.dlp.RuleCheck;
import org.complianceproxy.dlp.Scanner;
import org.complianceproxy.proxy.audit.SpoolAuditSink;
import org.complianceproxy.proxy.config.ProxyConfig.ApiKey;
import org.complianceproxy.proxy.config.ProxyConfig.Audit;
import org.complianceproxy.proxy.config.ProxyConfig.AwsKey;
import org.complianceproxy.proxy.config.ProxyConfig.Bedrock;
import org.complianceproxy.proxy.config.ProxyConfig.Dlp;
import org.complianceproxy.proxy.config.ProxyConfig.Limits;
import org.complianceproxy.proxy.config.ProxyConfig.OpenAi;
import org.complianceproxy.proxy.config.ProxyConfig.PolicySettings;
import org.complianceproxy.proxy.config.ProxyConfig.VaultSettings;

/**
 * Builds a {@link ProxyConfig}: embedded defaults, then the YAML file, then the environment
 * variables of the runtime contract (DESIGN.md), each overriding the one before. Every key is
 * checked, and an unknown key is an error so a typo never silently falls back to a default.
 */
public final class ConfigLoader {

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private static final Set<String> TOP_KEYS =
      Set.of(
          "listen",
          "admin_listen",
          "data_dir",
          "api_keys",
          "admin_keys",
          "limits",
          "openai",
          "audit",
          "vault",
          "bedrock",
          "dlp");
  private static final Set<String> LIMIT_KEYS =
      Set.of("max_body", "max_response", "max_header", "client_idle_timeout");
  private static final Set<String> OPENAI_KEYS =
      Set.of(
          "base_url",
          "api_key",
          "region",
          "connect_timeout",
          "response_timeout",
          "idle_timeout",
          "max_connections_per_loop",
          "trust_cert_file");
  private static final Set<String> AUDIT_KEYS =
      Set.of("kafka_bootstrap_servers", "topic", "strict", "spool_max", "max_pending_records");
  private static final Set<String> VAULT_KEYS =
      Set.of(
          "kms_key_id",
          "kms_endpoint",
          "kms_region",
          "data_key_ttl",
          "jdbc_url",
          "jdbc_user",
          "jdbc_password",
          "rotation_interval");
  private static final Set<String> BEDROCK_KEYS =
      Set.of("region", "endpoint", "aws_keys", "allowed_regions", "model_routes");
  private static final Set<String> AWS_KEY_KEYS = Set.of("tenant", "access_key_id", "secret");
  private static final Set<String> DLP_KEYS = Set.of("rules_file", "default_policy", "tenants");
  private static final Set<String> POLICY_KEYS =
      Set.of("actions", "output_actions", "allow", "deny");
  private static final Set<String> TENANT_POLICY_KEYS =
      Set.of("actions", "output_actions", "allow", "deny", "inherit_default");

  /** What a model's own output may get: it cannot be refused or tokenized once it streams. */
  private static final Set<Action> OUTPUT_ACTIONS =
      EnumSet.of(Action.MASK, Action.REDACT, Action.ALLOW);

  /** Model names routed to Bedrock when the configuration names none. */
  private static final List<String> DEFAULT_BEDROCK_ROUTES =
      List.of(
          "anthropic.*",
          "amazon.*",
          "meta.*",
          "cohere.*",
          "mistral.*",
          "ai21.*",
          "us.*",
          "eu.*",
          "apac.*",
          "global.*",
          "arn:aws:bedrock:*");

  private static final Set<String> API_KEY_KEYS = Set.of("tenant", "sha256", "key");

  private ConfigLoader() {}

  /** Loads from an optional file and the given environment (normally {@code System.getenv()}). */
  public static ProxyConfig load(Optional<Path> file, Map<String, String> env) {
    JsonNode root = YAML.createObjectNode();
    if (file.isPresent()) {
      try {
        String text = Files.readString(file.get(), StandardCharsets.UTF_8);
        JsonNode parsed = YAML.readTree(text);
        if (parsed != null && !parsed.isMissingNode() && !parsed.isNull()) {
          if (!parsed.isObject()) {
            throw new ConfigException("Invalid configuration file " + file.get() + ": not a map");
          }
          root = parsed;
        }
      } catch (IOException e) {
        throw new ConfigException(
            "Cannot read configuration file " + file.get() + ": " + e.getMessage());
      }
    }
    checkKeys("", root, TOP_KEYS);
    JsonNode limits = section(root, "limits", LIMIT_KEYS);
    JsonNode openai = section(root, "openai", OPENAI_KEYS);
    JsonNode audit = section(root, "audit", AUDIT_KEYS);
    JsonNode vault = section(root, "vault", VAULT_KEYS);
    JsonNode bedrock = section(root, "bedrock", BEDROCK_KEYS);
    JsonNode dlp = section(root, "dlp", DLP_KEYS);

    InetSocketAddress listen =
        address("listen", pick(env, "PROXY_LISTEN", text(root, "listen"), "127.0.0.1:8080"));
    InetSocketAddress adminListen =
        address(
            "admin_listen",
            pick(env, "PROXY_ADMIN_LISTEN", text(root, "admin_listen"), "127.0.0.1:9090"));
    Path dataDir = Path.of(pick(env, "PROXY_DATA_DIR", text(root, "data_dir"), "./data"));

    List<ApiKey> keys = new ArrayList<>(apiKeysFromFile(root.get("api_keys")));
    String envKeys = env.get("PROXY_API_KEYS");
    if (envKeys != null && !envKeys.isBlank()) {
      keys.addAll(apiKeysFromEnv(envKeys));
    }

    Limits limitValues =
        new Limits(
            positive(
                "limits.max_body", Units.bytes("limits.max_body", or(limits, "max_body", "10MiB"))),
            positive(
                "limits.max_response",
                Units.bytes("limits.max_response", or(limits, "max_response", "32MiB"))),
            (int)
                Math.min(
                    Integer.MAX_VALUE,
                    positive(
                        "limits.max_header",
                        Units.bytes("limits.max_header", or(limits, "max_header", "32KiB")))),
            positive(
                "limits.client_idle_timeout",
                Units.duration(
                    "limits.client_idle_timeout", or(limits, "client_idle_timeout", "5m"))));

    URI baseUrl =
        httpUrl(
            "openai.base_url",
            pick(env, "OPENAI_BASE_URL", text(openai, "base_url"), "https://api.openai.com/v1"),
            "an http or https URL ending in /v1");
    Optional<String> upstreamKey =
        Optional.ofNullable(pick(env, "OPENAI_API_KEY", text(openai, "api_key"), null))
            .filter(s -> !s.isBlank());
    OpenAi openAi =
        new OpenAi(
            baseUrl,
            upstreamKey,
            or(openai, "region", "us"),
            positive(
                "openai.connect_timeout",
                Units.duration("openai.connect_timeout", or(openai, "connect_timeout", "5s"))),
            positive(
                "openai.response_timeout",
                Units.duration("openai.response_timeout", or(openai, "response_timeout", "120s"))),
            positive(
                "openai.idle_timeout",
                Units.duration("openai.idle_timeout", or(openai, "idle_timeout", "120s"))),
            (int)
                positive(
                    "openai.max_connections_per_loop",
                    integer("openai.", openai, "max_connections_per_loop", 1024)),
            optional(text(openai, "trust_cert_file"))
                .map(f -> readableFile("openai.trust_cert_file", f)));

    Optional<String> bootstrap =
        Optional.ofNullable(
                pick(env, "KAFKA_BOOTSTRAP_SERVERS", text(audit, "kafka_bootstrap_servers"), null))
            .filter(s -> !s.isBlank());
    String topic = pick(env, "AUDIT_TOPIC", text(audit, "topic"), "compliance.audit.v1");
    boolean strict =
        bool("audit.strict", pick(env, "AUDIT_STRICT", text(audit, "strict"), "false"));
    long spoolMax =
        positive("audit.spool_max", Units.bytes("audit.spool_max", or(audit, "spool_max", "1GiB")));
    long maxPending =
        positive(
            "audit.max_pending_records",
            integer(
                "audit.",
                audit,
                "max_pending_records",
                SpoolAuditSink.DEFAULT_MAX_PENDING_RECORDS));
    if (maxPending > ProxyConfig.Audit.MAX_PENDING_RECORDS_LIMIT) {
      throw ConfigException.invalid(
          "audit.max_pending_records",
          maxPending,
          "at most " + ProxyConfig.Audit.MAX_PENDING_RECORDS_LIMIT);
    }

    Optional<String> awsRegion =
        Optional.ofNullable(pick(env, "AWS_REGION", text(bedrock, "region"), null));
    VaultSettings vaultSettings =
        new VaultSettings(
            optional(pick(env, "KMS_KEY_ID", text(vault, "kms_key_id"), null)),
            optional(pick(env, "KMS_ENDPOINT", text(vault, "kms_endpoint"), null))
                .map(u -> endpoint("vault.kms_endpoint", u)),
            pick(env, "KMS_REGION", text(vault, "kms_region"), awsRegion.orElse("us-east-1")),
            positive(
                "vault.data_key_ttl",
                Units.duration("vault.data_key_ttl", or(vault, "data_key_ttl", "5m"))),
            optional(pick(env, "VAULT_JDBC_URL", text(vault, "jdbc_url"), null)),
            optional(pick(env, "VAULT_JDBC_USER", text(vault, "jdbc_user"), null)),
            optional(pick(env, "VAULT_JDBC_PASSWORD", text(vault, "jdbc_password"), null)),
            optional(text(vault, "rotation_interval"))
                .map(
                    d ->
                        positive(
                            "vault.rotation_interval",
                            Units.duration("vault.rotation_interval", d))));

    List<AwsKey> awsKeys = new ArrayList<>(awsKeysFromFile(bedrock.get("aws_keys")));
    String envAwsKeys = env.get("PROXY_AWS_KEYS");
    if (envAwsKeys != null && !envAwsKeys.isBlank()) {
      awsKeys.addAll(awsKeysFromEnv(envAwsKeys));
    }
    Bedrock bedrockSettings =
        new Bedrock(
            awsRegion,
            optional(pick(env, "BEDROCK_ENDPOINT", text(bedrock, "endpoint"), null))
                .map(u -> endpoint("bedrock.endpoint", u)),
            awsKeys,
            strings("bedrock.allowed_regions", bedrock.get("allowed_regions"), List.of()),
            strings("bedrock.model_routes", bedrock.get("model_routes"), DEFAULT_BEDROCK_ROUTES));

    List<String> adminKeys = new ArrayList<>(adminKeysFromFile(root.get("admin_keys")));
    String envAdminKeys = env.get("PROXY_ADMIN_KEYS");
    if (envAdminKeys != null && !envAdminKeys.isBlank()) {
      for (String key : envAdminKeys.split(",")) {
        if (!key.isBlank()) {
          adminKeys.add(sha256Hex(key.trim()));
        }
      }
    }

    return new ProxyConfig(
        listen,
        adminListen,
        dataDir,
        keys,
        limitValues,
        openAi,
        new Audit(bootstrap, topic, strict, spoolMax, (int) maxPending),
        vaultSettings,
        bedrockSettings,
        adminKeys,
        dlp(dlp, env));
  }

  /**
   * The {@code dlp} section. A tenant's policy is merged over {@code default_policy} ({@link
   * PolicySettings#over}) unless it says {@code inherit_default: false}. The rule file is loaded
   * here once, so that an invalid one stops start-up naming the file, the rule and the problem.
   */
  private static Dlp dlp(JsonNode dlp, Map<String, String> env) {
    Optional<Path> rulesFile =
        optional(pick(env, "DLP_RULES_FILE", text(dlp, "rules_file"), null))
            .map(f -> rulesFile(readableFile("dlp.rules_file", f)));
    PolicySettings defaults = policy("dlp.default_policy", dlp.get("default_policy"), POLICY_KEYS);
    Map<String, PolicySettings> tenants = new TreeMap<>();
    JsonNode tenantsNode = dlp.get("tenants");
    if (tenantsNode != null && !tenantsNode.isNull()) {
      if (!tenantsNode.isObject()) {
        throw ConfigException.invalid(
            "dlp.tenants", tenantsNode.getNodeType(), "a map of tenant id to policy");
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = tenantsNode.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> entry = it.next();
        String key = "dlp.tenants." + entry.getKey();
        String tenant = tenant(key, entry.getKey());
        PolicySettings own = policy(key, entry.getValue(), TENANT_POLICY_KEYS);
        JsonNode inherit =
            entry.getValue() == null ? null : entry.getValue().get("inherit_default");
        boolean inherits =
            inherit == null || inherit.isNull() || bool(key + ".inherit_default", inherit.asText());
        tenants.put(tenant, inherits ? own.over(defaults) : own);
      }
    }
    return new Dlp(rulesFile, defaults, tenants);
  }

  /** Checks a rule file by loading it, at start-up before anything else runs. */
  private static Path rulesFile(Path file) {
    loadRules(file);
    return file;
  }

  /**
   * A scanner with the rules of {@code file}.
   *
   * @throws ConfigException naming the file, and the rule and the problem when it is not valid
   */
  public static Scanner loadRules(Path file) {
    RuleCheck check = RuleCheck.of(file);
    if (!check.ok()) {
      throw new ConfigException(
          "Invalid rules file (dlp.rules_file):\n" + String.join("\n", check.problems()));
    }
    return check.scanner();
  }

  private static PolicySettings policy(String key, JsonNode node, Set<String> allowed) {
    if (node == null || node.isNull()) {
      return PolicySettings.NONE;
    }
    if (!node.isObject()) {
      throw ConfigException.invalid(key, node.getNodeType(), "a map of " + allowed);
    }
    checkKeys(key + ".", node, allowed);
    Map<EntityType, Action> actions =
        actions(key + ".actions", node.get("actions"), EnumSet.allOf(Action.class));
    Map<EntityType, Action> outputActions =
        actions(key + ".output_actions", node.get("output_actions"), OUTPUT_ACTIONS);
    Map<EntityType, List<String>> allow = new EnumMap<>(EntityType.class);
    JsonNode allowNode = node.get("allow");
    if (allowNode != null && !allowNode.isNull()) {
      if (!allowNode.isObject()) {
        throw ConfigException.invalid(
            key + ".allow", allowNode.getNodeType(), "a map of entity type to a list of values");
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = allowNode.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> entry = it.next();
        String at = key + ".allow." + entry.getKey();
        allow.put(entityType(at, entry.getKey()), strings(at, entry.getValue(), List.of()));
      }
    }
    List<String> deny = strings(key + ".deny", node.get("deny"), List.of());
    Policy.Builder check = Policy.builder();
    for (int i = 0; i < deny.size(); i++) {
      try {
        check.deny(deny.get(i));
      } catch (IllegalArgumentException e) {
        throw ConfigException.invalid(
            key + ".deny[" + i + "]", "<" + deny.get(i).length() + " chars>", "1 to 200 chars");
      }
    }
    return new PolicySettings(actions, outputActions, allow, deny);
  }

  private static Map<EntityType, Action> actions(String key, JsonNode node, Set<Action> allowed) {
    Map<EntityType, Action> actions = new EnumMap<>(EntityType.class);
    if (node == null || node.isNull()) {
      return actions;
    }
    if (!node.isObject()) {
      throw ConfigException.invalid(key, node.getNodeType(), "a map of entity type to action");
    }
    List<String> names = allowed.stream().map(a -> a.name().toLowerCase(Locale.ROOT)).toList();
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      String at = key + "." + entry.getKey();
      EntityType type = entityType(at, entry.getKey());
      String value = entry.getValue().isTextual() ? entry.getValue().textValue() : null;
      Action action = value == null ? null : enumValue(Action.class, value);
      if (action == null || !allowed.contains(action)) {
        throw ConfigException.invalid(
            at, value == null ? entry.getValue() : value, "one of " + names);
      }
      actions.put(type, action);
    }
    return actions;
  }

  private static EntityType entityType(String key, String name) {
    EntityType type = enumValue(EntityType.class, name);
    if (type == null) {
      throw ConfigException.invalid(
          key, name, "an entity type, one of " + Arrays.toString(EntityType.values()));
    }
    return type;
  }

  /** The constant named {@code name} in any case, or null. */
  private static <E extends Enum<E>> E enumValue(Class<E> type, String name) {
    for (E constant : type.getEnumConstants()) {
      if (constant.name().equalsIgnoreCase(name.trim())) {
        return constant;
      }
    }
    return null;
  }

  /** SHA-256 of a client key, hex: the form the config file stores. */
  public static String sha256Hex(String key) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  private static List<ApiKey> apiKeysFromEnv(String value) {
    List<ApiKey> keys = new ArrayList<>();
    for (String entry : value.split(",")) {
      String trimmed = entry.trim();
      int colon = trimmed.indexOf(':');
      if (colon <= 0 || colon == trimmed.length() - 1) {
        // Never echo the entry: it holds a key.
        throw new ConfigException(
            "Invalid value <redacted> for configuration PROXY_API_KEYS: expected tenant:key,...");
      }
      keys.add(
          new ApiKey(
              tenant("PROXY_API_KEYS", trimmed.substring(0, colon)),
              sha256Hex(trimmed.substring(colon + 1))));
    }
    return keys;
  }

  private static List<ApiKey> apiKeysFromFile(JsonNode node) {
    if (node == null || node.isNull()) {
      return List.of();
    }
    if (!node.isArray()) {
      throw ConfigException.invalid("api_keys", node.getNodeType(), "a list of {tenant, sha256}");
    }
    List<ApiKey> keys = new ArrayList<>();
    for (int i = 0; i < node.size(); i++) {
      JsonNode entry = node.get(i);
      String key = "api_keys[" + i + "]";
      if (!entry.isObject()) {
        throw ConfigException.invalid(key, entry.getNodeType(), "a map with tenant and sha256");
      }
      checkKeys(key + ".", entry, API_KEY_KEYS);
      String tenant = tenant(key + ".tenant", text(entry, "tenant"));
      keys.add(new ApiKey(tenant, keyHash(key, entry)));
    }
    return keys;
  }

  private static List<AwsKey> awsKeysFromEnv(String value) {
    List<AwsKey> keys = new ArrayList<>();
    for (String entry : value.split(",")) {
      String[] parts = entry.trim().split(":", -1);
      if (parts.length != 3 || parts[1].isBlank() || parts[2].isBlank()) {
        throw new ConfigException(
            "Invalid value <redacted> for configuration PROXY_AWS_KEYS: expected"
                + " tenant:ACCESS_KEY_ID:SECRET,...");
      }
      keys.add(new AwsKey(tenant("PROXY_AWS_KEYS", parts[0]), parts[1], parts[2]));
    }
    return keys;
  }

  private static List<AwsKey> awsKeysFromFile(JsonNode node) {
    if (node == null || node.isNull()) {
      return List.of();
    }
    if (!node.isArray()) {
      throw ConfigException.invalid(
          "bedrock.aws_keys", node.getNodeType(), "a list of {tenant, access_key_id, secret}");
    }
    List<AwsKey> keys = new ArrayList<>();
    for (int i = 0; i < node.size(); i++) {
      JsonNode entry = node.get(i);
      String key = "bedrock.aws_keys[" + i + "]";
      if (!entry.isObject()) {
        throw ConfigException.invalid(key, entry.getNodeType(), "a map");
      }
      checkKeys(key + ".", entry, AWS_KEY_KEYS);
      String id = text(entry, "access_key_id");
      String secret = text(entry, "secret");
      if (id == null || id.isBlank() || secret == null || secret.isBlank()) {
        throw ConfigException.invalid(key, "<entry>", "access_key_id and secret");
      }
      keys.add(new AwsKey(tenant(key + ".tenant", text(entry, "tenant")), id, secret));
    }
    return keys;
  }

  private static List<String> adminKeysFromFile(JsonNode node) {
    if (node == null || node.isNull()) {
      return List.of();
    }
    if (!node.isArray()) {
      throw ConfigException.invalid("admin_keys", node.getNodeType(), "a list of {sha256}");
    }
    List<String> hashes = new ArrayList<>();
    for (int i = 0; i < node.size(); i++) {
      JsonNode entry = node.get(i);
      String key = "admin_keys[" + i + "]";
      if (!entry.isObject()) {
        throw ConfigException.invalid(key, entry.getNodeType(), "a map with sha256");
      }
      checkKeys(key + ".", entry, Set.of("sha256", "key"));
      hashes.add(keyHash(key, entry));
    }
    return hashes;
  }

  /**
   * The SHA-256 (hex, lower case) of a key entry that holds either its {@code sha256} or, for
   * development, the clear {@code key}; never echoes either in an error.
   */
  private static String keyHash(String key, JsonNode entry) {
    String hash = text(entry, "sha256");
    String clear = text(entry, "key");
    if ((hash == null) == (clear == null)) {
      throw ConfigException.invalid(key, "<entry>", "exactly one of sha256 or key (dev only)");
    }
    if (hash != null && !hash.matches("[0-9a-fA-F]{64}")) {
      throw ConfigException.invalid(key + ".sha256", "<redacted>", "64 hex digits");
    }
    return hash != null ? hash.toLowerCase(Locale.ROOT) : sha256Hex(clear);
  }

  private static List<String> strings(String key, JsonNode node, List<String> def) {
    if (node == null || node.isNull()) {
      return def;
    }
    if (!node.isArray()) {
      throw ConfigException.invalid(key, node.getNodeType(), "a list of strings");
    }
    List<String> values = new ArrayList<>();
    for (JsonNode item : node) {
      if (!item.isTextual() || item.asText().isBlank()) {
        throw ConfigException.invalid(key, item, "a list of non-empty strings");
      }
      values.add(item.asText());
    }
    return values;
  }

  private static URI endpoint(String key, String text) {
    return httpUrl(key, text, "an http or https URL");
  }

  private static URI httpUrl(String key, String text, String expected) {
    try {
      URI uri = new URI(text);
      if (uri.getScheme() == null
          || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
          || uri.getHost() == null) {
        throw ConfigException.invalid(key, text, expected);
      }
      return uri;
    } catch (URISyntaxException e) {
      throw ConfigException.invalid(key, text, expected);
    }
  }

  private static Path readableFile(String key, String text) {
    Path path = Path.of(text);
    if (!Files.isReadable(path)) {
      throw ConfigException.invalid(key, text, "a readable file");
    }
    return path;
  }

  private static boolean bool(String key, String text) {
    return switch (text.trim().toLowerCase(Locale.ROOT)) {
      case "true", "yes", "1" -> true;
      case "false", "no", "0" -> false;
      default -> throw ConfigException.invalid(key, text, "true or false");
    };
  }

  private static Optional<String> optional(String value) {
    return Optional.ofNullable(value).filter(v -> !v.isBlank());
  }

  private static String tenant(String key, String tenant) {
    if (tenant == null || !tenant.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}")) {
      throw ConfigException.invalid(key, tenant, "a tenant id of [A-Za-z0-9._-], 1 to 64 chars");
    }
    return tenant;
  }

  static InetSocketAddress address(String key, String text) {
    int colon = text.lastIndexOf(':');
    if (colon <= 0) {
      throw ConfigException.invalid(key, text, "host:port");
    }
    String host = text.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(text.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw ConfigException.invalid(key, text, "host:port with a numeric port");
    }
    if (port < 0 || port > 65535) {
      throw ConfigException.invalid(key, text, "a port in 0..65535");
    }
    return new InetSocketAddress(host, port);
  }

  private static String pick(Map<String, String> env, String var, String fromFile, String def) {
    String fromEnv = env.get(var);
    if (fromEnv != null && !fromEnv.isBlank()) {
      return fromEnv.trim();
    }
    return fromFile != null ? fromFile : def;
  }

  private static JsonNode section(JsonNode root, String name, Set<String> allowed) {
    JsonNode node = root.get(name);
    if (node == null || node.isNull()) {
      return YAML.createObjectNode();
    }
    if (!node.isObject()) {
      throw ConfigException.invalid(name, node.getNodeType(), "a map");
    }
    checkKeys(name + ".", node, allowed);
    return node;
  }

  private static void checkKeys(String prefix, JsonNode node, Set<String> allowed) {
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String name = it.next();
      if (!allowed.contains(name)) {
        throw new ConfigException(
            "Unknown configuration key " + prefix + name + " (expected one of " + allowed + ")");
      }
    }
  }

  private static String text(JsonNode node, String name) {
    JsonNode value = node.get(name);
    return value == null || value.isNull() ? null : value.asText();
  }

  private static String or(JsonNode node, String name, String def) {
    String value = text(node, name);
    return value != null ? value : def;
  }

  private static long integer(String prefix, JsonNode node, String name, long def) {
    JsonNode value = node.get(name);
    if (value == null || value.isNull()) {
      return def;
    }
    if (!value.canConvertToLong()) {
      throw ConfigException.invalid(prefix + name, value.asText(), "an integer");
    }
    return value.asLong();
  }

  private static long positive(String key, long value) {
    if (value <= 0) {
      throw ConfigException.invalid(key, value, "> 0");
    }
    return value;
  }

  private static Duration positive(String key, Duration value) {
    if (value.isZero() || value.isNegative()) {
      throw ConfigException.invalid(key, value, "> 0");
    }
    return value;
  }
}
