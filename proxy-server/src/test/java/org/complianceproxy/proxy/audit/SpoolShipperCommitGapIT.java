package org.complianceproxy.proxy.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.complianceproxy.localkafka.LocalKafka;
import org.complianceproxy.proxy.testing.KafkaBroker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The window between a Kafka commit and the shipper's checkpoint, against a real broker: a producer
 * wrapper stops the shipper thread right after (or right before) {@code commitTransaction}, as a
 * {@code kill -9} would, and a new shipper on the same spool must neither send the committed batch
 * again nor lose the uncommitted one.
 */
@ExtendWith(KafkaBroker.class)
class SpoolShipperCommitGapIT {

  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  Path dataDir;

  // Producers the dead shippers left open; closed after each test.
  private final List<Producer<String, byte[]>> leftOpen = new ArrayList<>();

  @AfterEach
  void closeLeftOpen() {
    leftOpen.forEach(p -> p.close(Duration.ZERO));
  }

  @Test
  void aBatchCommittedJustBeforeTheProcessDiedIsNotSentAgainByTheNextStart() throws Exception {
    String topic = newTopic(KafkaBroker.bootstrapServers());
    Map<String, Object> config = producerConfig(KafkaBroker.bootstrapServers());

    int first = diesAtCommit(config, topic, "gap-a", true);
    assertThat(dataDir.resolve("audit").resolve(SpoolShipper.CHECKPOINT))
        .as("the checkpoint was never written")
        .doesNotExist();

    SpoolShipper restarted = restart(config, topic, "gap-b", 20);

    assertExactlyOnce(KafkaBroker.bootstrapServers(), topic, Map.of("gap-a", first, "gap-b", 20));
    assertThat(restarted.deliveredCount()).as("sent by the new process").isEqualTo(20);
  }

  @Test
  void aBatchThatDidNotCommitBeforeTheProcessDiedIsSentByTheNextStart() throws Exception {
    String topic = newTopic(KafkaBroker.bootstrapServers());
    Map<String, Object> config = producerConfig(KafkaBroker.bootstrapServers());

    int first = diesAtCommit(config, topic, "gap-a", false);

    SpoolShipper restarted = restart(config, topic, "gap-b", 20);

    assertExactlyOnce(KafkaBroker.bootstrapServers(), topic, Map.of("gap-a", first, "gap-b", 20));
    assertThat(restarted.deliveredCount()).isEqualTo(first + 20);
  }

  @Test
  void aCommitWhoseAnswerIsLostIsLookedUpInsteadOfSentAgain() throws Exception {
    String topic = newTopic(KafkaBroker.bootstrapServers());
    Map<String, Object> config = producerConfig(KafkaBroker.bootstrapServers());
    SpoolAuditSink spool = new SpoolAuditSink(dataDir, new AuditJson("gap-a"));
    int count = emit(spool, 40);
    spool.close();
    AtomicInteger made = new AtomicInteger();
    // The first producer commits and then reports an error, as if the answer never came.
    Supplier<Producer<String, byte[]>> producers =
        () ->
            made.getAndIncrement() == 0
                ? wrap(
                    new KafkaProducer<>(config),
                    real -> {
                      real.commitTransaction();
                      throw new KafkaException("lost answer (test)");
                    })
                : new KafkaProducer<>(config);
    SpoolShipper shipper = shipper(spool, producers, config, topic, true);
    shipper.start();
    shipper.finish(WAIT);

    assertThat(made.get()).as("producers made").isGreaterThanOrEqualTo(2);
    assertThat(SpoolAuditSink.spoolFiles(dataDir)).isEmpty();
    assertThat(shipper.deliveredCount()).isEqualTo(count);
    assertExactlyOnce(KafkaBroker.bootstrapServers(), topic, Map.of("gap-a", count));
  }

  @Test
  void withKafkaAwayAtTheRestartTheBatchInDoubtWaitsForTheLookupInsteadOfBeingSentAgain()
      throws Exception {
    // A broker of its own: stopping the shared one would break the other test classes.
    try (LocalKafka kafka = LocalKafka.start(dataDir.resolve("kafka"))) {
      String topic = newTopic(kafka.bootstrapServers());
      Map<String, Object> config = producerConfig(kafka.bootstrapServers());
      config.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 200);

      int first = diesAtCommit(config, topic, "gap-a", true);
      kafka.stop();
      SpoolAuditSink spool = new SpoolAuditSink(dataDir, new AuditJson("gap-b"));
      int second = emit(spool, 20);
      SpoolShipper restarted =
          shipper(spool, () -> new KafkaProducer<>(config), config, topic, false);
      restarted.start();
      // Long enough for lookups to fail against the stopped broker.
      Thread.sleep(3_000);
      assertThat(restarted.deliveredCount()).isZero();
      kafka.restart();
      spool.close();
      restarted.finish(WAIT);

      assertThat(SpoolAuditSink.spoolFiles(dataDir)).isEmpty();
      assertThat(restarted.deliveredCount()).isEqualTo(second);
      assertExactlyOnce(kafka.bootstrapServers(), topic, Map.of("gap-a", first, "gap-b", second));
    }
  }

  /**
   * Spools records of instance, then ships them with a shipper whose thread dies in
   * commitTransaction, after the commit if committed, else before it. Returns the records spooled.
   */
  private int diesAtCommit(
      Map<String, Object> config, String topic, String instance, boolean committed)
      throws Exception {
    SpoolAuditSink spool = new SpoolAuditSink(dataDir, new AuditJson(instance));
    int count = emit(spool, 40);
    spool.close();
    CountDownLatch died = new CountDownLatch(1);
    Supplier<Producer<String, byte[]>> producers =
        () ->
            wrap(
                new KafkaProducer<>(config),
                real -> {
                  if (committed) {
                    real.commitTransaction();
                  }
                  died.countDown();
                  throw new ProcessDeath();
                });
    shipper(spool, producers, config, topic, true).start();
    assertThat(died.await(WAIT.toSeconds(), TimeUnit.SECONDS)).as("reached the commit").isTrue();
    // The thread only unwinds from here on; give it a moment to be gone.
    Thread.sleep(200);
    return count;
  }

  private SpoolShipper restart(
      Map<String, Object> config, String topic, String instance, int records) {
    SpoolAuditSink spool = new SpoolAuditSink(dataDir, new AuditJson(instance));
    emit(spool, records);
    SpoolShipper restarted = shipper(spool, () -> new KafkaProducer<>(config), config, topic, true);
    restarted.start();
    spool.close();
    restarted.finish(WAIT);
    assertThat(SpoolAuditSink.spoolFiles(dataDir)).isEmpty();
    return restarted;
  }

  // A shipper of spool with the lookups KafkaAuditSink gives it.
  private static SpoolShipper shipper(
      SpoolAuditSink spool,
      Supplier<Producer<String, byte[]>> producers,
      Map<String, Object> config,
      String topic,
      boolean kafkaUp) {
    return new SpoolShipper(
        spool,
        producers,
        SpoolShipper.lookupConsumers(config),
        topic,
        Duration.ofSeconds(1),
        kafkaUp);
  }

  private static int emit(SpoolAuditSink spool, int records) {
    for (int i = 0; i < records; i++) {
      spool.emit(SampleRecords.finding("req-" + (i % 7), i));
    }
    return records;
  }

  /** Each (instance, seq) of {@code expected} (instance to record count) exactly once, no other. */
  private static void assertExactlyOnce(
      String bootstrapServers, String topic, Map<String, Integer> expected) throws Exception {
    int total = expected.values().stream().mapToInt(Integer::intValue).sum();
    Map<String, Integer> counts = new TreeMap<>();
    // A commit returns before the broker has written its markers: the last transaction may take a
    // moment to become readable.
    long deadline = System.nanoTime() + WAIT.toNanos();
    List<AuditTopic.Entry> read = AuditTopic.readAll(bootstrapServers, topic);
    while (read.size() < total && System.nanoTime() - deadline < 0) {
      Thread.sleep(200);
      read = AuditTopic.readAll(bootstrapServers, topic);
    }
    // Once more: a record beyond the expected count would be a duplicate.
    Thread.sleep(500);
    read = AuditTopic.readAll(bootstrapServers, topic);
    for (AuditTopic.Entry entry : read) {
      JsonNode value = entry.json();
      counts.merge(
          value.get("instance").asText() + "#" + value.get("seq").asLong(), 1, Integer::sum);
    }
    assertThat(read).as("records in the topic").hasSize(total);
    Map<String, Integer> once = new TreeMap<>();
    expected.forEach(
        (instance, n) -> {
          for (int seq = 0; seq < n; seq++) {
            once.put(instance + "#" + seq, 1);
          }
        });
    assertThat(counts).as("records per instance#seq").isEqualTo(once);
  }

  private static String newTopic(String bootstrapServers) throws Exception {
    String topic = "gap-it-" + UUID.randomUUID();
    try (Admin admin =
        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
      admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get();
    }
    return topic;
  }

  // The settings KafkaAuditSink gives its producers, with the transactional id of dataDir's spool.
  private Map<String, Object> producerConfig(String bootstrapServers) {
    Map<String, Object> config =
        new HashMap<>(KafkaAuditSink.defaultProducerConfig(bootstrapServers, "gap-it"));
    config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "gap-it-" + UUID.randomUUID());
    return config;
  }

  private interface Commit {
    void commit(Producer<String, byte[]> real);
  }

  // real, but commitTransaction runs commit instead.
  @SuppressWarnings("unchecked")
  private Producer<String, byte[]> wrap(Producer<String, byte[]> real, Commit commit) {
    leftOpen.add(real);
    return (Producer<String, byte[]>)
        Proxy.newProxyInstance(
            Producer.class.getClassLoader(),
            new Class<?>[] {Producer.class},
            (proxy, method, args) -> {
              if (method.getName().equals("commitTransaction")) {
                commit.commit(real);
                return null;
              }
              try {
                return method.invoke(real, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }

  /** Ends the shipper thread on the spot, as the end of the process would. */
  private static final class ProcessDeath extends Error {
    ProcessDeath() {
      super("process killed (test)", null, false, false);
    }
  }
}
