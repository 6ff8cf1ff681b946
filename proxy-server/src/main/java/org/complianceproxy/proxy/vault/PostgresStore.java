package org.complianceproxy.proxy.vault;

import static java.util.Objects.requireNonNull;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.complianceproxy.proxy.error.ProxyError;
import org.complianceproxy.proxy.error.ProxyException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shared PostgreSQL store behind {@link PostgresVault} and {@link PostgresTenantKeyStore}: a
 * HikariCP pool and an executor of as many threads as the pool has connections, so that JDBC's
 * blocking calls never run on a caller's thread (an event loop, most of the time).
 *
 * <p>Schema, created on first use (under an advisory lock, so replicas starting together agree):
 *
 * <pre>
 * vault_entries(tenant, token, key_version, nonce, ciphertext, created_at)  PK (tenant, token)
 * vault_data_keys(tenant, version, wrapped, created_at, shredded_at)         PK (tenant, version)
 * </pre>
 *
 * Values are sealed before they reach the database (AES-GCM, see {@link Sealer}), and data keys are
 * stored wrapped, so the database alone reveals nothing.
 */
public final class PostgresStore implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(PostgresStore.class);

  /** Connections in the pool, and threads running statements. */
  static final int DEFAULT_POOL_SIZE = 8;

  // arbitrary, fixed: serializes schema creation across replicas
  private static final long SCHEMA_LOCK = 0x636f6d706c696eL;

  private static final String SCHEMA =
      "CREATE TABLE IF NOT EXISTS vault_entries ("
          + " tenant text NOT NULL,"
          + " token text NOT NULL,"
          + " key_version integer NOT NULL,"
          + " nonce bytea NOT NULL,"
          + " ciphertext bytea NOT NULL,"
          + " created_at timestamptz NOT NULL DEFAULT now(),"
          + " PRIMARY KEY (tenant, token));"
          + "CREATE TABLE IF NOT EXISTS vault_data_keys ("
          + " tenant text NOT NULL,"
          + " version integer NOT NULL,"
          + " wrapped bytea,"
          + " created_at timestamptz NOT NULL DEFAULT now(),"
          + " shredded_at timestamptz,"
          + " PRIMARY KEY (tenant, version))";

  private final HikariDataSource pool;
  private final ExecutorService executor;

  private PostgresStore(HikariDataSource pool, ExecutorService executor) {
    this.pool = pool;
    this.executor = executor;
  }

  /**
   * Opens the pool and creates the schema when it is missing.
   *
   * @throws SQLException when PostgreSQL cannot be reached or the schema cannot be created
   */
  public static PostgresStore open(
      String jdbcUrl, Optional<String> user, Optional<String> password, int poolSize)
      throws SQLException {
    requireNonNull(jdbcUrl, "jdbcUrl");
    if (poolSize < 1) {
      throw new IllegalArgumentException("poolSize: " + poolSize + " (expected: >= 1)");
    }
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(jdbcUrl);
    user.ifPresent(config::setUsername);
    password.ifPresent(config::setPassword);
    config.setMaximumPoolSize(poolSize);
    config.setMinimumIdle(Math.min(2, poolSize));
    config.setPoolName("vault");
    config.setConnectionTimeout(5_000);
    config.setAutoCommit(true);
    HikariDataSource pool;
    try {
      pool = new HikariDataSource(config);
    } catch (RuntimeException e) {
      throw new SQLException("vault database: cannot connect: " + e.getMessage(), e);
    }
    try (Connection connection = pool.getConnection()) {
      connection.setAutoCommit(false);
      try (Statement statement = connection.createStatement()) {
        statement.execute("SELECT pg_advisory_xact_lock(" + SCHEMA_LOCK + ")");
        statement.execute(SCHEMA);
      }
      connection.commit();
    } catch (SQLException | RuntimeException e) {
      pool.close();
      throw e;
    }
    AtomicInteger threads = new AtomicInteger();
    ExecutorService executor =
        Executors.newFixedThreadPool(
            poolSize,
            r -> {
              Thread thread = new Thread(r, "vault-jdbc-" + threads.incrementAndGet());
              thread.setDaemon(true);
              return thread;
            });
    log.info("Opened the PostgreSQL vault store ({} connections)", poolSize);
    return new PostgresStore(pool, executor);
  }

  /** A unit of JDBC work on one connection. */
  interface SqlCall<T> {
    T call(Connection connection) throws SQLException;
  }

  /**
   * Runs {@code call} on the store's executor with a pooled connection in one transaction; a
   * failure becomes {@code VAULT_UNAVAILABLE} unless {@code call} threw a {@link ProxyException}.
   */
  <T> CompletableFuture<T> transaction(SqlCall<T> call) {
    CompletableFuture<T> result = new CompletableFuture<>();
    try {
      executor.execute(
          () -> {
            try (Connection connection = pool.getConnection()) {
              connection.setAutoCommit(false);
              try {
                T value = call.call(connection);
                connection.commit();
                result.complete(value);
              } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
              }
            } catch (ProxyException e) {
              result.completeExceptionally(e);
            } catch (SQLException | RuntimeException e) {
              log.warn("vault database call failed: {}", e.toString());
              result.completeExceptionally(
                  new ProxyException(
                      ProxyError.VAULT_UNAVAILABLE, "vault database unavailable", e));
            }
          });
    } catch (RejectedExecutionException e) {
      result.completeExceptionally(
          new ProxyException(ProxyError.VAULT_UNAVAILABLE, "vault database store is closed"));
    }
    return result;
  }

  @Override
  public void close() {
    executor.shutdown();
    try {
      executor.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    pool.close();
  }
}
