package org.complianceproxy.proxy.vault;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.net.URI;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.complianceproxy.proxy.audit.AuditSink;
import org.complianceproxy.proxy.config.ProxyConfig;
import org.complianceproxy.proxy.config.ProxyConfig.VaultSettings;
import org.complianceproxy.proxy.kms.EnvelopeKeyProvider;
import org.complianceproxy.proxy.kms.FileTenantKeyStore;
import org.complianceproxy.proxy.kms.KmsDataKeySource;
import org.complianceproxy.proxy.kms.TenantKeyStore;
import org.complianceproxy.proxy.token.KeyProvider;
import org.complianceproxy.proxy.token.Keyring;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kms.KmsAsyncClient;
import software.amazon.awssdk.services.kms.KmsAsyncClientBuilder;

/**
 * The key provider and the vault the configuration asks for, opened together and closed together:
 *
 * <table>
 *   <tr><th>{@code KMS_KEY_ID}</th><th>{@code VAULT_JDBC_URL}</th><th>keys</th><th>vault</th></tr>
 *   <tr><td>unset</td><td>unset</td><td>local keyring</td><td>embedded log</td></tr>
 *   <tr><td>set</td><td>unset</td><td>KMS data keys, wrapped under the data directory</td>
 *       <td>embedded log</td></tr>
 *   <tr><td>set</td><td>set</td><td>KMS data keys, wrapped in PostgreSQL</td><td>PostgreSQL</td></tr>
 *   <tr><td>unset</td><td>set</td><td>local keyring (every replica needs the same
 *       {@code keyring.json})</td><td>PostgreSQL</td></tr>
 * </table>
 *
 * With KMS and {@code vault.rotation_interval}, every tenant's data key is rotated on that
 * schedule.
 */
public final class VaultStack implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(VaultStack.class);

  /** Actor of scheduled rotations in the vault audit. */
  static final String SCHEDULER = "scheduler";

  private final KeyProvider keys;
  private final Vault vault;
  private final VaultOperations operations;
  private final FileVaultAudit audit;
  private final AutoCloseable[] resources;
  private final ScheduledExecutorService scheduler;

  private VaultStack(
      KeyProvider keys,
      Vault vault,
      VaultOperations operations,
      FileVaultAudit audit,
      ScheduledExecutorService scheduler,
      AutoCloseable... resources) {
    this.keys = keys;
    this.vault = vault;
    this.operations = operations;
    this.audit = audit;
    this.scheduler = scheduler;
    this.resources = resources;
  }

  /**
   * The stack with vault operations recorded in {@code <dataDir>/vault/operations.jsonl} only, not
   * in the audit trail; for tools and tests that have no audit sink. A serving proxy uses {@link
   * #open(ProxyConfig, AuditSink)}.
   */
  public static VaultStack open(ProxyConfig config) throws IOException {
    return open(config, Optional.empty());
  }

  /**
   * The stack with vault operations (admin API, CLI, scheduled rotation) recorded in the local file
   * and then as {@code vault_operation} records in {@code trail} (see {@link TrailVaultAudit}),
   * which must be open for as long as the stack; the stack does not close it.
   */
  public static VaultStack open(ProxyConfig config, AuditSink trail) throws IOException {
    return open(config, Optional.of(requireNonNull(trail, "trail")));
  }

  private static VaultStack open(ProxyConfig config, Optional<AuditSink> trail) throws IOException {
    VaultSettings settings = config.vault();
    PostgresStore postgres = null;
    KmsAsyncClient kms = null;
    EnvelopeKeyProvider envelope = null;
    Vault vault = null;
    try {
      if (settings.jdbcUrl().isPresent()) {
        try {
          postgres =
              PostgresStore.open(
                  settings.jdbcUrl().get(),
                  settings.jdbcUser(),
                  settings.jdbcPassword(),
                  PostgresStore.DEFAULT_POOL_SIZE);
        } catch (SQLException e) {
          throw new IOException("vault.jdbc_url: cannot open the vault database: " + e, e);
        }
      }
      KeyProvider keys;
      if (settings.kmsKeyId().isPresent()) {
        kms = kmsClient(settings.kmsRegion(), settings.kmsEndpoint());
        TenantKeyStore store =
            postgres != null
                ? new PostgresTenantKeyStore(postgres)
                : new FileTenantKeyStore(config.dataDir());
        envelope =
            new EnvelopeKeyProvider(
                new KmsDataKeySource(kms, settings.kmsKeyId().get()), store, settings.dataKeyTtl());
        keys = envelope;
      } else {
        keys = Keyring.openOrCreate(config.dataDir());
      }
      vault =
          postgres != null
              ? new PostgresVault(postgres, keys, false)
              : LocalVault.open(config.dataDir(), keys);
      FileVaultAudit audit = new FileVaultAudit(config.dataDir());
      VaultAudit recorded =
          trail.<VaultAudit>map(sink -> new TrailVaultAudit(sink, audit)).orElse(audit);
      VaultOperations operations =
          new VaultOperations(vault, Optional.ofNullable(envelope), recorded, Clock.systemUTC());
      ScheduledExecutorService scheduler = null;
      if (envelope != null && settings.rotationInterval().isPresent()) {
        scheduler = scheduleRotation(operations, settings.rotationInterval().get());
      }
      log.info(
          "vault: keys from {}, store {}",
          envelope != null ? "KMS key " + settings.kmsKeyId().get() : "the local keyring",
          postgres != null ? "PostgreSQL" : "embedded");
      return new VaultStack(
          keys, vault, operations, audit, scheduler, vault, envelope, kms, postgres, audit);
    } catch (IOException | RuntimeException e) {
      closeQuietly(vault, envelope, kms, postgres);
      throw e;
    }
  }

  static KmsAsyncClient kmsClient(String region, Optional<URI> endpoint) {
    KmsAsyncClientBuilder builder =
        KmsAsyncClient.builder()
            .region(Region.of(region))
            .httpClientBuilder(NettyNioAsyncHttpClient.builder().maxConcurrency(64))
            .overrideConfiguration(
                ClientOverrideConfiguration.builder()
                    .apiCallTimeout(Duration.ofSeconds(10))
                    .apiCallAttemptTimeout(Duration.ofSeconds(3))
                    .build());
    endpoint.ifPresent(builder::endpointOverride);
    return builder.build();
  }

  private static ScheduledExecutorService scheduleRotation(
      VaultOperations operations, Duration interval) {
    ScheduledExecutorService scheduler =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread thread = new Thread(r, "vault-rotation");
              thread.setDaemon(true);
              return thread;
            });
    long millis = interval.toMillis();
    scheduler.scheduleAtFixedRate(
        () ->
            operations
                .rotateAll(SCHEDULER, "scheduled-rotation")
                .whenComplete(
                    (versions, error) -> {
                      if (error != null) {
                        log.warn("scheduled data-key rotation failed: {}", error.toString());
                      } else {
                        log.info("scheduled data-key rotation: {} tenants", versions.size());
                      }
                    }),
        millis,
        millis,
        TimeUnit.MILLISECONDS);
    return scheduler;
  }

  public KeyProvider keys() {
    return keys;
  }

  public Vault vault() {
    return vault;
  }

  /** Reveal, rotate and shred, audited; for the admin API and the CLI. */
  public VaultOperations operations() {
    return operations;
  }

  /** The local file vault operations are recorded in (besides the audit trail, if any). */
  public FileVaultAudit audit() {
    return audit;
  }

  @Override
  public void close() {
    if (scheduler != null) {
      scheduler.shutdownNow();
    }
    closeQuietly(resources);
  }

  private static void closeQuietly(AutoCloseable... resources) {
    for (AutoCloseable resource : resources) {
      if (resource == null) {
        continue;
      }
      try {
        resource.close();
      } catch (Exception e) {
        log.warn("closing {} failed: {}", resource.getClass().getSimpleName(), e.toString());
      }
    }
  }
}
