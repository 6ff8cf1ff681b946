package org.complianceproxy.proxy.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.complianceproxy.localkafka.LocalKafka;
import org.complianceproxy.proxy.error.ProxyError;
import org.complianceproxy.proxy.error.ProxyException;
import org.complianceproxy.proxy.testing.KafkaBroker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/** {@link KafkaAuditSink} against a real broker, read back with a real consumer. */
@ExtendWith(KafkaBroker.class)
class KafkaAuditSinkIT {

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Duration READ_TIMEOUT = Duration.ofSeconds(30);

  private final AuditJson json = new AuditJson("proxy-it");

  // Kept when a test fails: it holds the spool and, for the outage test, the broker's log.
  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  Path dataDir;

  @Test
  void interleavedRequestsArriveCompleteKeyedByRequestIdAndInOrderWithinEachRequest()
      throws Exception {
    String topic = uniqueTopic();
    createTopic(topic, 3);
    Map<String, List<AuditRecord>> byRequest = new LinkedHashMap<>();
    for (int r = 0; r < 30; r++) {
      String requestId = "req-" + r + "-" + UUID.randomUUID();
      byRequest.put(requestId, SampleRecords.request(requestId, 3, 2));
    }
    List<AuditRecord> interleaved = roundRobin(byRequest.values());

    KafkaAuditSink sink =
        new KafkaAuditSink(
            KafkaBroker.bootstrapServers(), topic, json, new SpoolAuditSink(dataDir, json));
    interleaved.forEach(sink::emit);
    sink.close();
    List<ConsumerRecord<String, String>> read = readAll(topic, interleaved.size());

    assertThat(sink.deliveredCount()).isEqualTo(interleaved.size());
    assertThat(SpoolAuditSink.spoolFiles(dataDir)).isEmpty();
    assertThat(read).hasSize(interleaved.size());
    for (ConsumerRecord<String, String> record : read) {
      JsonNode value = MAPPER.readTree(record.value());
      assertThat(record.key()).isEqualTo(value.get("request_id").asText());
      assertThat(value.get("schema_version").asInt()).isEqualTo(AuditJson.SCHEMA_VERSION);
      assertThat(value.get("instance").asText()).isEqualTo("proxy-it");
      assertThat(value.get("tenant").asText()).isEqualTo("acme");
      assertThat(value.get("kind").asText()).isIn("finding", "restore", "request_summary");
      assertThat(Instant.parse(value.get("ts").asText())).isAfter(SampleRecords.TS.minusSeconds(1));
    }
    for (Map.Entry<String, List<AuditRecord>> request : byRequest.entrySet()) {
      List<ConsumerRecord<String, String>> own =
          read.stream().filter(r -> r.key().equals(request.getKey())).toList();
      Set<Integer> partitions =
          own.stream().map(ConsumerRecord::partition).collect(Collectors.toSet());
      assertThat(partitions).as("partitions of %s", request.getKey()).hasSize(1);
      assertThat(own)
          .extracting(ConsumerRecord::value)
          .extracting(SpoolAuditSinkTest::withoutChain)
          .containsExactlyElementsOf(request.getValue().stream().map(this::unchained).toList());
    }
  }

  @Test
  void factoryWithBootstrapServersSendsToKafkaAndTheBrokerCreatesTheTopic() {
    String topic = uniqueTopic();
    AuditRecord record = SampleRecords.summary("req-factory", 0);

    try (AuditSink sink =
        AuditSinks.create(
            Optional.of(KafkaBroker.bootstrapServers()), topic, dataDir, "proxy-it")) {
      assertThat(sink).isInstanceOf(KafkaAuditSink.class);
      assertThat(sink.healthy()).isTrue();
      sink.emit(record);
    }

    assertThat(readAll(topic, 1))
        .singleElement()
        .satisfies(r -> assertThat(r.key()).isEqualTo("req-factory"))
        .satisfies(
            r ->
                assertThat(r.value())
                    .isEqualTo(SampleRecords.chained(json, List.of(record)).get(0)));
    assertThat(SpoolAuditSink.spoolFiles(dataDir)).isEmpty();
  }

  @Test
  void recordsEmittedDuringAnOutageWaitInTheSpoolAndReachKafkaInOrderOnceTheBrokerIsBack()
      throws Exception {
    String topic = uniqueTopic();
    List<AuditRecord> before = SampleRecords.request("req-before", 2, 1);
    List<AuditRecord> during = SampleRecords.request("req-during", 2, 1);
    List<AuditRecord> after = SampleRecords.request("req-after", 1, 1);
    // A broker of its own: stopping the shared one would break the other test classes.
    try (LocalKafka kafka = LocalKafka.start(dataDir.resolve("kafka"))) {
      Map<String, Object> config =
          KafkaAuditSink.defaultProducerConfig(kafka.bootstrapServers(), "audit-outage-it");
      config.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 200);
      KafkaAuditSink sink =
          new KafkaAuditSink(
              config,
              topic,
              new SpoolAuditSink(dataDir, json),
              Duration.ofSeconds(30),
              Duration.ofSeconds(1),
              true);
      try {
        before.forEach(sink::emit);
        awaitUntil(() -> sink.deliveredCount() == before.size());
        assertThat(sink.healthy()).isTrue();
        kafka.stop();
        during.forEach(sink::emit);
        awaitUntil(() -> !sink.deliveringToKafka());
        assertThat(sink.healthy()).as("strict mode while Kafka is away").isFalse();
        assertThat(sink.spool().healthy()).isTrue();
        assertThat(sink.deliveredCount()).isEqualTo(before.size());
        kafka.restart();
        after.forEach(sink::emit);
        awaitUntil(() -> sink.deliveredCount() == before.size() + during.size() + after.size());
        assertThat(sink.deliveringToKafka()).isTrue();
        assertThat(sink.healthy()).isTrue();
      } finally {
        sink.close();
      }

      List<String> inKafka =
          readAll(kafka.bootstrapServers(), topic, before.size() + during.size() + after.size())
              .stream()
              .map(ConsumerRecord::value)
              .toList();
      List<AuditRecord> all = Stream.of(before, during, after).flatMap(List::stream).toList();
      assertThat(inKafka)
          .as("every record once, in the order written")
          .containsExactlyElementsOf(SampleRecords.chained(json, all));
      AuditRecords.assertAllValid(inKafka);
      assertThat(SpoolAuditSink.spoolFiles(dataDir)).isEmpty();
    }
  }

  @Test
  void
      withTheSpoolFullAndKafkaDownMemoryStaysBoundedRecordsBeyondItAreRefusedAndAllTakenArriveOnceKafkaIsBack()
          throws Exception {
    String topic = uniqueTopic();
    int cap = 200;
    List<AuditRecord> taken = new ArrayList<>();
    try (LocalKafka kafka = LocalKafka.start(dataDir.resolve("kafka"))) {
      Map<String, Object> config =
          KafkaAuditSink.defaultProducerConfig(kafka.bootstrapServers(), "audit-cap-it");
      config.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 200);
      // A spool of 16 KiB (some 40 lines) in files of 2 KiB, fsync'd every 4 lines.
      SpoolAuditSink spool =
          new SpoolAuditSink(
              dataDir.resolve("proxy"),
              new AuditChain(json),
              Duration.ofMillis(10),
              4,
              2048,
              100_000,
              16 * 1024,
              cap);
      KafkaAuditSink sink =
          new KafkaAuditSink(
              config, topic, spool, Duration.ofSeconds(30), Duration.ofSeconds(1), false);
      try {
        List<AuditRecord> before = SampleRecords.request("req-before", 2, 1);
        before.forEach(sink::emit);
        taken.addAll(before);
        awaitUntil(() -> sink.deliveredCount() == before.size());
        kafka.stop();

        int refused = 0;
        int maxBacklog = 0;
        long until = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        for (int r = 0; System.nanoTime() < until || refused == 0; r++) {
          AuditRecord record = SampleRecords.finding("req-outage-" + r, r);
          try {
            sink.emit(record);
            taken.add(record);
          } catch (ProxyException e) {
            assertThat(e.error()).isEqualTo(ProxyError.AUDIT_UNAVAILABLE);
            refused++;
            // The caller keeps trying, as clients would, while the outage lasts.
            sleepQuietly(Duration.ofMillis(1));
          }
          maxBacklog = Math.max(maxBacklog, spool.backlog());
          assertThat(taken.size())
              .as("records taken while nothing can be written")
              .isLessThan(10_000);
        }
        assertThat(refused).isPositive();
        assertThat(maxBacklog).as("records waiting in memory").isLessThanOrEqualTo(cap);
        assertThat(spool.full()).isTrue();
        assertThat(sink.accepting()).as("new requests are refused").isFalse();
        assertThat(sink.deliveringToKafka()).isFalse();

        kafka.restart();
        awaitUntil(() -> sink.accepting() && spool.backlog() == 0);
        List<AuditRecord> after = SampleRecords.request("req-after", 1, 1);
        after.forEach(sink::emit);
        taken.addAll(after);
        awaitUntil(() -> sink.deliveredCount() == taken.size());
        assertThat(sink.healthy()).isTrue();
      } finally {
        sink.close();
      }

      List<String> inKafka =
          readAll(kafka.bootstrapServers(), topic, taken.size()).stream()
              .map(ConsumerRecord::value)
              .toList();
      assertThat(inKafka)
          .as("every record taken, once, in the order written; none of the refused")
          .containsExactlyElementsOf(SampleRecords.chained(json, taken));
      assertThat(SpoolAuditSink.spoolFiles(dataDir.resolve("proxy"))).isEmpty();
    }
  }

  private String unchained(AuditRecord record) {
    return SpoolAuditSinkTest.withoutChain(
        new String(json.toJsonBytes(record, 0, AuditChain.GENESIS), StandardCharsets.UTF_8));
  }

  private List<String> spooledLines() throws Exception {
    List<String> lines = new ArrayList<>();
    for (Path file : SpoolAuditSink.spoolFiles(dataDir)) {
      lines.addAll(Files.readAllLines(file, StandardCharsets.UTF_8));
    }
    return lines;
  }

  private static void awaitUntil(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime() - deadline).as("waited %s", READ_TIMEOUT).isNegative();
      Thread.sleep(20);
    }
  }

  private static void sleepQuietly(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static List<AuditRecord> roundRobin(Iterable<List<AuditRecord>> requests) {
    List<AuditRecord> out = new ArrayList<>();
    List<List<AuditRecord>> lists = new ArrayList<>();
    requests.forEach(lists::add);
    for (int i = 0; ; i++) {
      boolean any = false;
      for (List<AuditRecord> list : lists) {
        if (i < list.size()) {
          out.add(list.get(i));
          any = true;
        }
      }
      if (!any) {
        return out;
      }
    }
  }

  private static String uniqueTopic() {
    return "audit-it-" + UUID.randomUUID();
  }

  private static void createTopic(String topic, int partitions) throws Exception {
    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaBroker.bootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
    }
  }

  private static List<ConsumerRecord<String, String>> readAll(String topic, int expected) {
    return readAll(KafkaBroker.bootstrapServers(), topic, expected);
  }

  private static List<ConsumerRecord<String, String>> readAll(
      String bootstrapServers, String topic, int expected) {
    Map<String, Object> config =
        Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
            bootstrapServers,
            ConsumerConfig.GROUP_ID_CONFIG,
            "audit-it-" + UUID.randomUUID(),
            ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
            "earliest",
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
            false,
            ConsumerConfig.ISOLATION_LEVEL_CONFIG,
            "read_committed");
    List<ConsumerRecord<String, String>> read = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer())) {
      consumer.subscribe(List.of(topic));
      long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
      while (read.size() < expected && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(read::add);
      }
      // One more poll: a record beyond the expected count would be a duplicate.
      consumer.poll(Duration.ofMillis(500)).forEach(read::add);
    }
    return read;
  }
}
