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
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.NetworkException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sink's own logic against {@link MockProducer}; {@code KafkaAuditSinkIT} uses a real broker.
 */
class KafkaAuditSinkTest {

  private static final String TOPIC = "compliance.audit.v1";

  private final AuditJson json = new AuditJson("proxy-1");
  @TempDir Path dataDir;

  @Test
  void acknowledgedRecordsAreKeyedByRequestIdAndNothingIsSpooled() {
    MockProducer<String, byte[]> producer = mockProducer(true);
    List<AuditRecord> records = SampleRecords.request("req-1", 2, 1);

    KafkaAuditSink sink = sink(producer);
    records.forEach(sink::emit);
    sink.close();

    assertThat(producer.history()).extracting(ProducerRecord::topic).containsOnly(TOPIC);
    assertThat(producer.history()).extracting(ProducerRecord::key).containsOnly("req-1");
    assertThat(producer.history())
        .extracting(r -> new String(r.value(), UTF_8))
        .containsExactlyElementsOf(jsonOf(records));
    assertThat(sink.deliveredCount()).isEqualTo(records.size());
    assertThat(sink.spooledCount()).isZero();
    assertThat(SpoolAuditSink.spoolFiles(dataDir)).isEmpty();
  }

  @Test
  void recordsWhoseDeliveryFailsAreSpooledInOrderAndTheSinkStaysHealthy() {
    MockProducer<String, byte[]> producer = mockProducer(false);
    List<AuditRecord> records = SampleRecords.request("req-1", 2, 1);
    KafkaAuditSink sink = sink(producer);
    records.forEach(sink::emit);

    while (producer.errorNext(new NetworkException("broker gone"))) {
      // Fails every pending send, oldest first, as an expired batch would.
    }

    assertThat(sink.deliveringToKafka()).isFalse();
    assertThat(sink.healthy()).isTrue();
    sink.close();
    assertThat(sink.spooledCount()).isEqualTo(records.size());
    assertThat(spooledLines()).containsExactlyElementsOf(jsonOf(records));
  }

  @Test
  void recordsWhoseSendThrowsAreSpooled() {
    MockProducer<String, byte[]> producer = mockProducer(true);
    producer.sendException = new IllegalStateException("producer closed");
    AuditRecord record = SampleRecords.finding("req-1", 0);

    KafkaAuditSink sink = sink(producer);
    sink.emit(record);
    sink.close();

    assertThat(spooledLines()).containsExactly(json.toJson(record));
  }

  @Test
  void deliveryRecoveringAfterAFailureIsReported() {
    MockProducer<String, byte[]> producer = mockProducer(false);
    KafkaAuditSink sink = sink(producer);
    sink.emit(SampleRecords.finding("req-1", 0));
    sink.emit(SampleRecords.finding("req-1", 1));

    producer.errorNext(new NetworkException("broker gone"));
    assertThat(sink.deliveringToKafka()).isFalse();
    producer.completeNext();

    assertThat(sink.deliveringToKafka()).isTrue();
    assertThat(sink.deliveredCount()).isEqualTo(1);
    assertThat(sink.spooledCount()).isEqualTo(1);
    sink.close();
  }

  @Test
  void unreachableKafkaSpoolsEveryRecordWithoutBlockingTheCaller() throws IOException {
    Map<String, Object> config =
        KafkaAuditSink.defaultProducerConfig("127.0.0.1:" + closedPort(), "audit-test");
    List<AuditRecord> records = new ArrayList<>();
    for (int r = 0; r < 80; r++) {
      records.addAll(SampleRecords.request("req-" + r, 3, 1));
    }
    KafkaAuditSink sink =
        new KafkaAuditSink(
            config, TOPIC, json, new SpoolAuditSink(dataDir, json), Duration.ofMillis(200));

    sink.emit(records.get(0));
    long started = System.nanoTime();
    records.subList(1, records.size()).forEach(sink::emit);
    Duration emitting = Duration.ofNanos(System.nanoTime() - started);
    sink.close();

    // 400 sends that each waited even 5 ms for metadata would take two seconds.
    assertThat(emitting).isLessThan(Duration.ofSeconds(1));
    assertThat(sink.deliveringToKafka()).isFalse();
    assertThat(spooledLines()).containsExactlyElementsOf(jsonOf(records));
  }

  @Test
  void invalidTopicIsRejectedWithTheValueAndWhatIsExpected() {
    MockProducer<String, byte[]> producer = mockProducer(true);
    SpoolAuditSink spool = new SpoolAuditSink(dataDir, json);

    assertThatThrownBy(
            () -> new KafkaAuditSink(producer, "audit topic", json, spool, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("topic: 'audit topic' (expected:");
    assertThat(producer.closed()).isTrue();
    spool.close();
  }

  @Test
  void withoutBootstrapServersTheSpoolIsTheSink() {
    try (AuditSink sink = AuditSinks.create(Optional.of(" "), TOPIC, dataDir, "proxy-1")) {
      assertThat(sink).isInstanceOf(SpoolAuditSink.class);
      sink.emit(SampleRecords.finding("req-1", 0));
    }

    assertThat(spooledLines()).containsExactly(json.toJson(SampleRecords.finding("req-1", 0)));
  }

  private KafkaAuditSink sink(MockProducer<String, byte[]> producer) {
    return new KafkaAuditSink(
        producer, TOPIC, json, new SpoolAuditSink(dataDir, json), Duration.ofSeconds(1));
  }

  private static MockProducer<String, byte[]> mockProducer(boolean autoComplete) {
    return new MockProducer<>(
        autoComplete, null, new StringSerializer(), new ByteArraySerializer());
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

  private List<String> jsonOf(List<AuditRecord> records) {
    return records.stream().map(json::toJson).toList();
  }
}
