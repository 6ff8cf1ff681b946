package org.complianceproxy.proxy.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.complianceproxy.proxy.audit.AuditSink;
import org.complianceproxy.proxy.audit.AuditSinks;
import org.complianceproxy.proxy.audit.LifecycleRecord;
import org.complianceproxy.proxy.config.ConfigException;
import org.complianceproxy.proxy.config.ConfigLoader;
import org.complianceproxy.proxy.config.ProxyConfig;
import org.complianceproxy.proxy.error.ProxyException;
import org.complianceproxy.proxy.vault.AdminCredentials;
import org.complianceproxy.proxy.vault.VaultStack;
import picocli.CommandLine.Option;

/**
 * What every {@code vault} subcommand takes: the configuration (as {@code serve} reads it), the
 * tenant, the reason, and the admin key, read from an environment variable so that it never shows
 * in a process list or a shell history.
 *
 * <p>Operations are audited like the admin API's: in {@code <dataDir>/vault/operations.jsonl} and
 * as {@code vault_operation} records in the audit trail, through a sink built as {@code serve}
 * builds it (spool under {@code <dataDir>/audit}, shipped to {@code KAFKA_BOOTSTRAP_SERVERS} when
 * set), closed before the command exits so that everything is flushed.
 */
final class VaultOptions {

  /** Exit status of a refused or failed operation. */
  static final int FAILED = 1;

  /** Exit status of bad arguments or configuration. */
  static final int USAGE = 2;

  @Option(names = "--config", paramLabel = "FILE", description = "YAML configuration file.")
  Path config;

  @Option(names = "--tenant", required = true, description = "The tenant.")
  String tenant;

  @Option(
      names = "--reason",
      required = true,
      description = "Justification reference, e.g. a ticket id (INC-2041); audited.")
  String reason;

  @Option(
      names = "--admin-key-env",
      defaultValue = "PROXY_ADMIN_KEY",
      paramLabel = "VAR",
      description = "Environment variable holding the admin key (default: ${DEFAULT-VALUE}).")
  String adminKeyEnv;

  /** What a subcommand does once the stack is open and the officer is authenticated. */
  interface Action {
    int run(VaultStack stack, String actor, PrintWriter out, PrintWriter err) throws Exception;
  }

  /** Loads the configuration, checks the admin key, opens the vault, runs {@code action}. */
  int run(Map<String, String> env, PrintWriter out, PrintWriter err, Action action) {
    ProxyConfig cfg;
    try {
      cfg = ConfigLoader.load(Optional.ofNullable(config), env);
    } catch (ConfigException e) {
      err.println("compliance-proxy: " + e.getMessage());
      return USAGE;
    }
    AdminCredentials credentials = new AdminCredentials(cfg.adminKeySha256s());
    if (credentials.isEmpty()) {
      err.println(
          "compliance-proxy: no admin keys are configured (admin_keys or PROXY_ADMIN_KEYS)");
      return FAILED;
    }
    Optional<String> actor = credentials.verify(env.get(adminKeyEnv));
    if (actor.isEmpty()) {
      err.println("compliance-proxy: " + adminKeyEnv + " does not hold a configured admin key");
      return FAILED;
    }
    AuditSink trail;
    try {
      trail = AuditSinks.create(cfg.audit(), cfg.dataDir(), instanceId());
    } catch (RuntimeException e) {
      err.println("compliance-proxy: cannot open the audit trail: " + e.getMessage());
      return FAILED;
    }
    try {
      return run(cfg, trail, actor.get(), out, err, action);
    } finally {
      // Closing flushes the spool and ships it to Kafka when configured.
      trail.emit(LifecycleRecord.stop(version()));
      trail.close();
      out.flush();
      err.flush();
    }
  }

  private static int run(
      ProxyConfig cfg,
      AuditSink trail,
      String actor,
      PrintWriter out,
      PrintWriter err,
      Action action) {
    try (VaultStack stack = VaultStack.open(cfg, trail)) {
      return action.run(stack, actor, out, err);
    } catch (Exception e) {
      err.println("compliance-proxy: " + e.getMessage());
      return FAILED;
    }
  }

  /**
   * This run's instance in the audit trail: a chain of its own (its operations, then a lifecycle
   * {@code stop}), apart from any proxy that shares the data directory or the topic.
   */
  static String instanceId() {
    String host = System.getenv("HOSTNAME");
    return "vault-cli-"
        + (host == null || host.isBlank() ? "" : host + "-")
        + UUID.randomUUID().toString().substring(0, 8);
  }

  static String version() {
    String version = VaultOptions.class.getPackage().getImplementationVersion();
    return version == null ? "dev" : version;
  }

  /** Waits for an operation; its {@link ProxyException} is rethrown as is. */
  static <T> T await(CompletableFuture<T> future) throws Exception {
    try {
      return future.get(60, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Exception cause) {
        throw cause;
      }
      throw e;
    } catch (TimeoutException e) {
      throw new ProxyException(
          org.complianceproxy.proxy.error.ProxyError.VAULT_UNAVAILABLE,
          "the vault did not answer within 60 s");
    }
  }
}
