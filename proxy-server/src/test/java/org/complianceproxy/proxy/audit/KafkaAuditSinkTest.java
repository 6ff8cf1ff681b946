package org.complianceproxy.proxy.audit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.NetworkException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.complianceproxy.proxy.config.ProxyConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sink's own logic against {@link MockProducer}; {@code KafkaAuditSinkIT} and {@code
 * AuditDeliveryIT} use a real broker.
 */
class KafkaAuditSinkTest {

  private static final String TOPIC = "compliance.audit.v1";

  private final AuditJson json = new AuditJson("proxy-1");
  @TempDir Path dataDir;

  @Test
  void spooledRecordsAreShippedInOrderKeyedByRequestIdAndThenDeleted() throws Exception {
    MockProducer<String, byte[]> producer = mockProducer();
    List<AuditRecord> records = new ArrayList<>(SampleRecords.request("req-1", 2, 1));
    records.addAll(SampleRecords.request("req-2", 1, 0));
    records.add(SampleRecords.lifecycle(9));

    KafkaAuditSink sink = sink(() -> producer, false);
    records.forEach(sink::emit);
    awaitTrue(() -> sink.deliveredCount() == records.size());
    sink.close();

    assertThat(producer.history()).extracting(ProducerRecord::topic).containsOnly(TOPIC);
    assertThat(producer.history())
        .extracting(ProducerRecord::key)
        .containsExactly("req-1", "req-1", "req-1", "req-1", "req-2", "req-2", "proxy-1");
    assertThat(values(producer)).containsExactlyElementsOf(SampleRecords.chained(json, records));
    assertThat(SpoolAuditSink.spoolFiles(dataDir)).isEmpty();
    assertThat(sink.spoolBytes()).isZero();
    assertThat(sink.deliveringToKafka()).isTrue();
  }

  @Test
  void aBatchKafkaDidNotTakeIsSentAgainByANewProducerAndNothingIsLostOrDoubled() throws Exception {
    MockProducer<String, byte[]> failing = mockProducer();
    failing.sendException = new NetworkException("broker gone");
    MockProducer<String, byte[]> working = mockProducer();
    Iterator<MockProducer<String, byte[]>> producers = List.of(failing, working).iterator();
    List<AuditRecord> records = SampleRecords.request("req-1", 3, 2);

    KafkaAuditSink sink = sink(producers::next, false);
    records.forEach(sink::emit);
    awaitTrue(() -> sink.deliveredCount() == records.size());
    sink.close();

    assertThat(failing.history()).isEmpty();
    assertThat(failing.closed()).isTrue();
    assertThat(values(working)).containsExactlyElementsOf(SampleRecords.chained(json, records));
  }

  @Test
  void whatOneProcessCouldNotShipIsShippedFirstByTheNextOne() throws Exception {
    List<AuditRecord> first = SampleRecords.request("req-a", 2, 1);
    List<AuditRecord> second = SampleRecords.request("req-b", 1, 1);
    MockProducer<String, byte[]> down = mockProducer();
    down.sendException = new NetworkException("broker gone");
    KafkaAuditSink before = sink(() -> down, false);
    first.forEach(before::emit);
    before.close(Duration.ofMillis(300));
    assertThat(spooledLines()).containsExactlyElementsOf(SampleRecords.chained(json, first));

    AuditJson nextJson = new AuditJson("proxy-2");
    MockProducer<String, byte[]> up = mockProducer();
    KafkaAuditSink after =
        new KafkaAuditSink(
            Map.of(),
            TOPIC,
            new SpoolAuditSink(dataDir, nextJson),
            Duration.ZERO,
            Duration.ofSeconds(5),
            false,
            () -> up);
    second.forEach(after::emit);
    awaitTrue(() -> after.deliveredCount() == first.size() + second.size());
    after.close();

    List<String> expected = new ArrayList<>(SampleRecords.chained(json, first));
    expected.addAll(SampleRecords.chained(nextJson, second));
    assertThat(values(up)).containsExactlyElementsOf(expected);
    assertThat(SpoolAuditSink.spoolFiles(dataDir)).isEmpty();
  }

  @Test
  void aCheckpointMidFileIsResumedWithoutSendingShippedLinesAgain() throws Exception {
    List<AuditRecord> records = SampleRecords.request("req-a", 4, 0);
    try (SpoolAuditSink spool = new SpoolAuditSink(dataDir, json)) {
      records.forEach(spool::emit);
    }
    Path file = SpoolAuditSink.spoolFiles(dataDir).get(0);
    List<String> lines = spooledLines();
    long firstTwo = lines.get(0).length() + lines.get(1).length() + 2;
    // As if a process shipped two lines, wrote its checkpoint and died.
    Files.writeString(
        dataDir.resolve("audit").resolve(SpoolShipper.CHECKPOINT),
        file.getFileName() + " " + firstTwo + "\n");

    MockProducer<String, byte[]> producer = mockProducer();
    KafkaAuditSink sink = sink(() -> producer, false);
    awaitTrue(() -> sink.deliveredCount() == 3);
    sink.close();

    assertThat(values(producer)).containsExactlyElementsOf(lines.subList(2, lines.size()));
  }

  @Test
  void unreachableKafkaKeepsRecordsInTheSpoolWithoutBlockingTheCallerAndStrictModeIsUnhealthy()
      throws IOException {
    Map<String, Object> config =
        KafkaAuditSink.defaultProducerConfig("127.0.0.1:" + closedPort(), "audit-test");
    config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 200);
    List<AuditRecord> records = new ArrayList<>();
    for (int r = 0; r < 80; r++) {
      records.addAll(SampleRecords.request("req-" + r, 3, 1));
    }
    SpoolAuditSink spool = new SpoolAuditSink(dataDir, json);
    KafkaAuditSink sink =
        new KafkaAuditSink(
            config, TOPIC, spool, Duration.ofMillis(200), Duration.ofSeconds(1), true);

    records.forEach(sink::emit);

    assertThat(sink.deliveringToKafka()).isFalse();
    assertThat(spool.healthy()).isTrue();
    assertThat(sink.healthy()).as("strict: Kafka must take records").isFalse();
    sink.close(Duration.ofMillis(300));
    assertThat(sink.deliveredCount()).isZero();
    assertThat(spooledLines()).containsExactlyElementsOf(SampleRecords.chained(json, records));
  }

  @Test
  void normalModeStaysHealthyWhileKafkaIsUnreachable() throws IOException {
    ProxyConfig.Audit audit =
        new ProxyConfig.Audit(Optional.of("127.0.0.1:" + closedPort()), TOPIC, false, 1 << 20);
    long started = System.nanoTime();
    try (AuditSink sink = AuditSinks.create(audit, dataDir, "proxy-1")) {
      assertThat(sink).isInstanceOf(KafkaAuditSink.class);
      assertThat(sink.healthy()).isTrue();
      assertThat(sink.spoolMaxBytes()).isEqualTo(1 << 20);
      assertThat(((KafkaAuditSink) sink).deliveringToKafka()).isFalse();
      ((KafkaAuditSink) sink).close(Duration.ofMillis(200));
    }
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(60));
  }

  @Test
  void invalidTopicIsRejectedWithTheValueAndWhatIsExpected() {
    SpoolAuditSink spool = new SpoolAuditSink(dataDir, json);

    assertThatThrownBy(
            () ->
                new KafkaAuditSink(
                    Map.of(),
                    "audit topic",
                    spool,
                    Duration.ZERO,
                    Duration.ZERO,
                    false,
                    KafkaAuditSinkTest::mockProducer))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("topic: 'audit topic' (expected:");
    spool.close();
  }

  @Test
  void withoutBootstrapServersTheSpoolIsTheSink() {
    try (AuditSink sink = AuditSinks.create(Optional.of(" "), TOPIC, dataDir, "proxy-1")) {
      assertThat(sink).isInstanceOf(SpoolAuditSink.class);
      sink.emit(SampleRecords.finding("req-1", 0));
    }

    assertThat(spooledLines())
        .containsExactlyElementsOf(
            SampleRecords.chained(json, List.of(SampleRecords.finding("req-1", 0))));
  }

  private KafkaAuditSink sink(
      Supplier<? extends Producer<String, byte[]>> producers, boolean strict) {
    return new KafkaAuditSink(
        Map.of(),
        TOPIC,
        new SpoolAuditSink(dataDir, json),
        Duration.ZERO,
        Duration.ofSeconds(5),
        strict,
        producers::get);
  }

  private static MockProducer<String, byte[]> mockProducer() {
    return new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());
  }

  private static List<String> values(MockProducer<String, byte[]> producer) {
    return producer.history().stream().map(r -> new String(r.value(), UTF_8)).toList();
  }

  private static void awaitTrue(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("waited 20 s").isLessThan(deadline);
      Thread.sleep(10);
    }
  }

  private static int closedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private List<String> spooledLines() {
    List<String> lines = new ArrayList<>();
    for (Path file : SpoolAuditSink.spoolFiles(dataDir)) {
      try {
        lines.addAll(Files.readAllLines(file, UTF_8));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return lines;
  }
}
