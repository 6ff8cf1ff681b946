package org.complianceproxy.proxy.vault;

import static java.util.Objects.requireNonNull;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
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

  /** How long a statement waits for a pooled connection before it fails. */
  static final int CONNECTION_TIMEOUT_MILLIS = 5_000;

  /** How long a statement waits for the database's answer before it fails. */
  static final int SOCKET_TIMEOUT_SECONDS = 30;

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
    config.setConnectionTimeout(CONNECTION_TIMEOUT_MILLIS);
    config.setAutoCommit(true);
    // a database that stops answering fails the statement instead of hanging its caller
    config.addDataSourceProperty(
        "connectTimeout", String.valueOf(CONNECTION_TIMEOUT_MILLIS / 1000));
    config.addDataSourceProperty("socketTimeout", String.valueOf(SOCKET_TIMEOUT_SECONDS));
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

  /**
   * Requests that one database round trip serves together: a batcher queues them (up to {@code
   * capacity}; beyond, a request fails at once with {@code VAULT_UNAVAILABLE}) and each of its
   * {@code threads} takes up to {@code maxBatch} queued requests at a time, runs {@code call} for
   * all of them on one connection, in one transaction when {@code transactional}, commits once and
   * only then completes their futures, on the store's executor.
   */
  <Q, A> Batcher<Q, A> batcher(
      String name,
      int threads,
      int capacity,
      int maxBatch,
      boolean transactional,
      BatchCall<Q, A> call) {
    return new Batcher<>(name, threads, capacity, maxBatch, transactional, call);
  }

  /** The work of one batch. */
  interface BatchCall<Q, A> {
    /**
     * Serves {@code requests} on {@code connection}: returns their answers, index for index. A
     * request that fails on its own (a collision, say) goes into {@code failures} under its index
     * instead; in a transactional batcher, the transaction is then rolled back and the batch runs
     * again without the failed requests, so that they leave nothing behind.
     *
     * @throws SQLException when the database fails: every request of the batch fails with {@code
     *     VAULT_UNAVAILABLE}
     */
    List<A> call(Connection connection, List<Q> requests, Map<Integer, ProxyException> failures)
        throws SQLException;
  }

  /** A queue of requests and the threads serving it in batches; see {@link #batcher}. */
  final class Batcher<Q, A> implements AutoCloseable {

    private record Pending<Q, A>(Q request, CompletableFuture<A> result) {}

    private final String name;
    private final int maxBatch;
    private final boolean transactional;
    private final BatchCall<Q, A> call;
    private final BlockingQueue<Pending<Q, A>> queue;
    private final List<Thread> workers = new ArrayList<>();
    private volatile boolean closed;

    private Batcher(
        String name,
        int threads,
        int capacity,
        int maxBatch,
        boolean transactional,
        BatchCall<Q, A> call) {
      if (threads < 1 || capacity < 1 || maxBatch < 1) {
        throw new IllegalArgumentException(name + ": threads, capacity and maxBatch must be >= 1");
      }
      this.name = requireNonNull(name, "name");
      this.maxBatch = maxBatch;
      this.transactional = transactional;
      this.call = requireNonNull(call, "call");
      this.queue = new ArrayBlockingQueue<>(capacity);
      for (int i = 1; i <= threads; i++) {
        Thread worker = new Thread(this::serve, name + "-" + i);
        worker.setDaemon(true);
        workers.add(worker);
        worker.start();
      }
    }

    /** Queues {@code request}; the future completes once its batch is committed. */
    CompletableFuture<A> submit(Q request) {
      CompletableFuture<A> result = new CompletableFuture<>();
      if (closed) {
        return CompletableFuture.failedFuture(closedFailure());
      }
      Pending<Q, A> pending = new Pending<>(request, result);
      if (!queue.offer(pending)) {
        return CompletableFuture.failedFuture(
            new ProxyException(ProxyError.VAULT_UNAVAILABLE, "vault database queue is full"));
      }
      // close() drained the queue after our check: whoever removes the request answers it
      if (closed && queue.remove(pending)) {
        return CompletableFuture.failedFuture(closedFailure());
      }
      return result;
    }

    /** Requests queued and not yet taken by a worker. */
    int queued() {
      return queue.size();
    }

    private void serve() {
      List<Pending<Q, A>> batch = new ArrayList<>(maxBatch);
      while (true) {
        Pending<Q, A> first;
        try {
          first = queue.poll(100, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
          // close() waits for the queue to drain; an interrupt only ends waiting
          first = queue.poll();
        }
        if (first == null) {
          if (closed) {
            return;
          }
          continue;
        }
        batch.add(first);
        queue.drainTo(batch, maxBatch - 1);
        try {
          run(batch);
        } catch (RuntimeException | Error e) {
          // never strand a caller: whatever escaped fails the batch
          ProxyException failure =
              new ProxyException(ProxyError.VAULT_UNAVAILABLE, "vault database batch failed", e);
          for (Pending<Q, A> pending : batch) {
            pending.result().completeExceptionally(failure);
          }
        }
        batch.clear();
      }
    }

    private void run(List<Pending<Q, A>> batch) {
      List<Pending<Q, A>> live = batch;
      while (!live.isEmpty()) {
        List<Q> requests = new ArrayList<>(live.size());
        for (Pending<Q, A> pending : live) {
          requests.add(pending.request());
        }
        Map<Integer, ProxyException> failures = new HashMap<>();
        List<A> answers;
        try (Connection connection = pool.getConnection()) {
          connection.setAutoCommit(!transactional);
          try {
            answers = call.call(connection, requests, failures);
            if (transactional) {
              if (failures.isEmpty()) {
                connection.commit();
              } else {
                connection.rollback();
              }
            }
          } catch (SQLException | RuntimeException e) {
            if (transactional) {
              rollbackQuietly(connection);
            }
            throw e;
          }
        } catch (ProxyException e) {
          failAll(live, e);
          return;
        } catch (SQLException | RuntimeException e) {
          log.warn("vault database batch ({}) failed: {}", name, e.toString());
          ProxyException unavailable =
              new ProxyException(ProxyError.VAULT_UNAVAILABLE, "vault database unavailable", e);
          failAll(live, unavailable);
          if (connectionLost(e)) {
            // those queued meanwhile would only wait for the same outage: fail them now
            List<Pending<Q, A>> waiting = new ArrayList<>();
            queue.drainTo(waiting);
            failAll(waiting, unavailable);
          }
          return;
        }
        List<Pending<Q, A>> rest = new ArrayList<>(live.size());
        for (int i = 0; i < live.size(); i++) {
          ProxyException failure = failures.get(i);
          if (failure != null) {
            live.get(i).result().completeExceptionally(failure);
          } else if (transactional && !failures.isEmpty()) {
            rest.add(live.get(i));
          } else {
            complete(live.get(i).result(), answers.get(i));
          }
        }
        live = rest;
      }
    }

    private void complete(CompletableFuture<A> result, A answer) {
      try {
        executor.execute(() -> result.complete(answer));
      } catch (RejectedExecutionException closing) {
        result.complete(answer);
      }
    }

    private void failAll(List<Pending<Q, A>> pendings, ProxyException failure) {
      for (Pending<Q, A> pending : pendings) {
        pending.result().completeExceptionally(failure);
      }
    }

    private ProxyException closedFailure() {
      return new ProxyException(ProxyError.VAULT_UNAVAILABLE, "vault database store is closed");
    }

    /** Serves what is queued, then stops the workers; later requests fail. */
    @Override
    public void close() {
      closed = true;
      for (Thread worker : workers) {
        try {
          worker.join(TimeUnit.SECONDS.toMillis(SOCKET_TIMEOUT_SECONDS));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
      List<Pending<Q, A>> stranded = new ArrayList<>();
      queue.drainTo(stranded);
      failAll(stranded, closedFailure());
    }
  }

  private static void rollbackQuietly(Connection connection) {
    try {
      connection.rollback();
    } catch (SQLException ignored) {
      // the connection is broken; the pool discards it
    }
  }

  // the database or the network went away (SQL state class 08), or no connection came in time
  private static boolean connectionLost(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLTransientConnectionException) {
        return true;
      }
      if (t instanceof SQLException sql
          && sql.getSQLState() != null
          && sql.getSQLState().startsWith("08")) {
        return true;
      }
    }
    return false;
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
