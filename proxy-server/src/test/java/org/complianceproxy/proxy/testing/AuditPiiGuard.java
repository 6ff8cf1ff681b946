package org.complianceproxy.proxy.testing;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Across all tests, no audit record may contain a PII value of the test corpora ({@link
 * PiiValues}). Registered for every test class of this module (JUnit extension auto-detection, see
 * {@code junit-platform.properties} and {@code META-INF/services}), in surefire and failsafe alike:
 *
 * <ul>
 *   <li>every 200 ms in the background, and after each test and each class, it reads every audit
 *       record written since its last look: the {@code *.jsonl} files (audit spool, vault
 *       operations) under {@link #root()}, where every {@code @TempDir} of the module is created
 *       ({@link AuditedTempDirs}), and under the data directories {@link ProxyHarness} was given
 *       ({@link #watch});
 *   <li>after each class, every record of every topic of the shared test broker ({@link
 *       KafkaBroker}) written since its last look (uncommitted ones included).
 * </ul>
 *
 * It runs after the test's own {@code @AfterEach}/{@code @AfterAll} methods (which close proxies
 * and so flush their spools) and before JUnit deletes temporary directories. A record holding a
 * value fails the test or class, naming the record's kind, field and the value's entity type and
 * hash prefix, never the value. The totals are written to {@code target/audit-pii-guard.txt} when
 * the JVM's launcher session closes.
 *
 * <p>The background pass reads spool lines while their sink is still open: a sink that ships to
 * Kafka deletes spool files once they are shipped, and a test may ship to a broker of its own and
 * stop it. Problems it finds fail the next test or class to finish. Not covered: a spool line
 * written, shipped to such a broker and deleted within one pass.
 */
public final class AuditPiiGuard
    implements AfterEachCallback, AfterAllCallback, LauncherSessionListener {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path ROOT =
      Path.of("target", "audit-under-test", ProcessHandle.current().pid() + "").toAbsolutePath();
  private static final Path SUMMARY = Path.of("target", "audit-pii-guard.txt");
  // Strings of hex digits and dashes only (hashes, fingerprints, UUIDs) carry no PII of their own.
  private static final Pattern HEX = Pattern.compile("[0-9a-f-]{32,}");

  // directories scanned besides ROOT
  private static final Set<Path> WATCHED = ConcurrentHashMap.newKeySet();
  // file -> bytes already scanned (up to the last complete line)
  private static final Map<Path, Long> FILE_POSITIONS = new ConcurrentHashMap<>();
  // topic partition -> next offset to scan
  private static final Map<TopicPartition, Long> KAFKA_POSITIONS = new ConcurrentHashMap<>();
  private static final AtomicLong SPOOL_RECORDS = new AtomicLong();
  private static final AtomicLong KAFKA_RECORDS = new AtomicLong();
  private static final AtomicLong FILES = new AtomicLong();
  private static final Duration BACKGROUND_PASS = Duration.ofMillis(200);
  // problems found by the background pass, not yet reported
  private static final List<String> PENDING = new CopyOnWriteArrayList<>();
  private static final ScheduledExecutorService BACKGROUND =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread thread = new Thread(r, "audit-pii-guard");
            thread.setDaemon(true);
            return thread;
          });

  static {
    long millis = BACKGROUND_PASS.toMillis();
    BACKGROUND.scheduleWithFixedDelay(
        () -> {
          synchronized (AuditPiiGuard.class) {
            PENDING.addAll(scanFiles());
          }
        },
        millis,
        millis,
        TimeUnit.MILLISECONDS);
  }

  /** Where every {@code @TempDir} of this JVM is created: one directory per test JVM. */
  public static Path root() {
    return ROOT;
  }

  /** Adds a data directory outside {@link #root()} to what is scanned. */
  public static void watch(Path dir) {
    Path absolute = dir.toAbsolutePath().normalize();
    if (!absolute.startsWith(ROOT)) {
      WATCHED.add(absolute);
    }
  }

  @Override
  public void afterEach(ExtensionContext context) {
    fail(context, collect());
  }

  @Override
  public void afterAll(ExtensionContext context) {
    List<String> problems = new ArrayList<>(collect());
    problems.addAll(scanKafka());
    fail(context, problems);
  }

  /**
   * The problems found in files since the last call: by background passes, and by a pass over what
   * was written since.
   */
  static synchronized List<String> collect() {
    List<String> problems = new ArrayList<>(PENDING);
    PENDING.clear();
    problems.addAll(scanFiles());
    return problems;
  }

  private static void fail(ExtensionContext context, List<String> problems) {
    if (!problems.isEmpty()) {
      throw new AssertionError(
          problems.size()
              + " audit record(s) hold a PII value of the test corpora, found after "
              + context.getDisplayName()
              + ":\n  "
              + String.join("\n  ", problems.subList(0, Math.min(20, problems.size()))));
    }
  }

  /** Records in {@code *.jsonl} files not yet scanned; one problem per offending record. */
  static synchronized List<String> scanFiles() {
    List<String> problems = new ArrayList<>();
    List<Path> dirs = new ArrayList<>(WATCHED);
    dirs.add(ROOT);
    for (Path dir : dirs) {
      if (!Files.isDirectory(dir)) {
        continue;
      }
      try (Stream<Path> paths = Files.walk(dir)) {
        for (Path file : paths.filter(p -> p.toString().endsWith(".jsonl")).toList()) {
          try {
            scanFile(file, problems);
          } catch (IOException e) {
            // deleted or cut short while reading (a test's cleanup); the next pass reads again
          }
        }
      } catch (IOException | UncheckedIOException e) {
        // A directory deleted while walking it (a test's cleanup) holds nothing left to read.
      }
    }
    FILE_POSITIONS.keySet().removeIf(p -> !Files.exists(p));
    return problems;
  }

  private static void scanFile(Path file, List<String> problems) throws IOException {
    long from = FILE_POSITIONS.getOrDefault(file, 0L);
    byte[] bytes;
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = channel.size();
      if (size <= from) {
        return;
      }
      ByteBuffer buffer = ByteBuffer.allocate(Math.toIntExact(size - from));
      while (buffer.hasRemaining() && channel.read(buffer, from + buffer.position()) > 0) {}
      bytes = buffer.array();
    } catch (NoSuchFileException e) {
      return;
    }
    int complete = lastNewline(bytes) + 1;
    if (complete == 0) {
      return;
    }
    if (from == 0) {
      FILES.incrementAndGet();
    }
    FILE_POSITIONS.put(file, from + complete);
    String text = new String(bytes, 0, complete, UTF_8);
    int lineNo = 0;
    for (String line : text.split("\n")) {
      lineNo++;
      if (line.isBlank()) {
        continue;
      }
      SPOOL_RECORDS.incrementAndGet();
      check(line, file.getFileName() + " line " + lineNo + " (from byte " + from + ")")
          .ifPresent(problems::add);
    }
  }

  private static int lastNewline(byte[] bytes) {
    for (int i = bytes.length - 1; i >= 0; i--) {
      if (bytes[i] == '\n') {
        return i;
      }
    }
    return -1;
  }

  /** Records of the shared broker's topics not yet scanned. */
  static synchronized List<String> scanKafka() {
    Optional<String> servers = KafkaBroker.startedBootstrapServers();
    if (servers.isEmpty()) {
      return List.of();
    }
    List<String> problems = new ArrayList<>();
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers.get());
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, "audit-pii-guard");
    props.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
    props.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000);
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (Map.Entry<String, List<PartitionInfo>> topic :
          consumer.listTopics(Duration.ofSeconds(15)).entrySet()) {
        if (topic.getKey().startsWith("__")) {
          continue;
        }
        for (PartitionInfo info : topic.getValue()) {
          partitions.add(new TopicPartition(info.topic(), info.partition()));
        }
      }
      if (partitions.isEmpty()) {
        return problems;
      }
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(15));
      Map<TopicPartition, Long> begin =
          consumer.beginningOffsets(partitions, Duration.ofSeconds(15));
      Map<TopicPartition, Long> remaining = new HashMap<>();
      consumer.assign(partitions);
      for (TopicPartition p : partitions) {
        long from = Math.max(begin.get(p), KAFKA_POSITIONS.getOrDefault(p, 0L));
        if (end.get(p) > from) {
          consumer.seek(p, from);
          remaining.put(p, end.get(p));
        } else {
          KAFKA_POSITIONS.put(p, end.get(p));
        }
      }
      consumer.assign(remaining.keySet());
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (!remaining.isEmpty()) {
        if (System.nanoTime() > deadline) {
          problems.add("the audit PII guard could not read " + remaining.keySet() + " in 60 s");
          break;
        }
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          TopicPartition p = new TopicPartition(r.topic(), r.partition());
          Long stop = remaining.get(p);
          if (stop == null || r.offset() >= stop) {
            continue;
          }
          KAFKA_RECORDS.incrementAndGet();
          if (r.value() != null) {
            check(new String(r.value(), UTF_8), p + " offset " + r.offset())
                .ifPresent(problems::add);
          }
        }
        for (Iterator<Map.Entry<TopicPartition, Long>> it = remaining.entrySet().iterator();
            it.hasNext(); ) {
          Map.Entry<TopicPartition, Long> e = it.next();
          long position = consumer.position(e.getKey());
          KAFKA_POSITIONS.put(e.getKey(), Math.min(position, e.getValue()));
          if (position >= e.getValue()) {
            it.remove();
          }
        }
        consumer.assign(remaining.keySet());
      }
    }
    return problems;
  }

  /**
   * The problem with one record, if it holds a value of {@link PiiValues#shared()}: names the
   * record's kind, field and where it was, and the value's entity type and hash prefix.
   */
  static Optional<String> check(String line, String where) {
    return check(line, where, PiiValues.shared());
  }

  static Optional<String> check(String line, String where, PiiValues values) {
    JsonNode record;
    try {
      record = JSON.readTree(line);
    } catch (IOException e) {
      record = null;
    }
    if (record == null || !record.isObject()) {
      return values
          .find(line)
          .map(m -> "a line that is not a JSON record, " + where + ", holds a value: " + m);
    }
    String kind = record.path("kind").asText("?");
    return find(record, "", values)
        .map(
            hit ->
                "audit record kind="
                    + kind
                    + " field="
                    + (hit.field().isEmpty() ? "/" : hit.field())
                    + ", "
                    + where
                    + ": "
                    + hit.match());
  }

  private record Hit(String field, PiiValues.Match match) {}

  private static Optional<Hit> find(JsonNode node, String pointer, PiiValues values) {
    if (node.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        String child = pointer + "/" + field.getKey();
        Optional<PiiValues.Match> inName = values.find(field.getKey());
        if (inName.isPresent()) {
          return Optional.of(new Hit(child + " (name)", inName.get()));
        }
        Optional<Hit> hit = find(field.getValue(), child, values);
        if (hit.isPresent()) {
          return hit;
        }
      }
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        Optional<Hit> hit = find(node.get(i), pointer + "/" + i, values);
        if (hit.isPresent()) {
          return hit;
        }
      }
    } else if (node.isValueNode() && !node.isNull()) {
      String text = node.asText();
      if (!HEX.matcher(text).matches()) {
        return values.find(text).map(m -> new Hit(pointer, m));
      }
    }
    return Optional.empty();
  }

  @Override
  public void launcherSessionClosed(LauncherSession session) {
    BACKGROUND.shutdownNow();
    String line =
        Instant.now()
            + " pid "
            + ProcessHandle.current().pid()
            + ": audit PII guard checked "
            + SPOOL_RECORDS.get()
            + " spool/file records in "
            + FILES.get()
            + " files and "
            + KAFKA_RECORDS.get()
            + " Kafka records against "
            + PiiValues.shared().size()
            + " corpus values\n";
    System.out.print(line);
    try {
      Files.createDirectories(SUMMARY.toAbsolutePath().getParent());
      Files.writeString(SUMMARY, line, UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      System.err.println("audit PII guard: cannot write " + SUMMARY + ": " + e);
    }
    try {
      Files.deleteIfExists(ROOT);
    } catch (IOException e) {
      // not empty: a directory a test kept on purpose (CleanupMode.ON_SUCCESS after a failure)
    }
  }
}
