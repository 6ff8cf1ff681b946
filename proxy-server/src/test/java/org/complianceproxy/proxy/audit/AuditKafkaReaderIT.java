package org.complianceproxy.proxy.audit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.complianceproxy.proxy.cli.AuditCommand;
import org.complianceproxy.proxy.testing.KafkaBroker;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Time-bounded reads on a real broker: {@code --since}/{@code --until} read only the offsets that
 * {@code offsetsForTimes} points to, not the whole topic. The topic holds three months of records,
 * each shipped (Kafka timestamp) a minute after it was written ({@code ts}), in two partitions; the
 * last record of January is shipped late, in February, as after a Kafka outage.
 */
class AuditKafkaReaderIT {

  private static final Instant JAN = Instant.parse("2026-01-10T00:00:00Z");
  private static final Instant FEB = Instant.parse("2026-02-10T00:00:00Z");
  private static final Instant MAR = Instant.parse("2026-03-10T00:00:00Z");
  private static final int PER_MONTH = 40;

  private static String topic;

  @BeforeAll
  static void publish() throws Exception {
    topic = "audit-range-" + UUID.randomUUID();
    AuditJson json = new AuditJson("range-it");
    try (Admin admin =
        Admin.create(
            Map.<String, Object>of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaBroker.bootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get();
    }
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaBroker.bootstrapServers());
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
      long seq = 0;
      String prev = AuditChain.GENESIS;
      for (Instant month : List.of(JAN, FEB, MAR)) {
        for (int i = 0; i < PER_MONTH; i++) {
          Instant ts = month.plus(Duration.ofHours(i));
          boolean lateJanuary = month == JAN && i == PER_MONTH - 1;
          Instant shipped = lateJanuary ? FEB.plus(Duration.ofHours(2)) : ts.plusSeconds(60);
          byte[] line =
              json.toJsonBytes(
                  new LifecycleRecord(ts, "start", "0.1.0", "ab".repeat(32), null), seq, prev);
          prev = AuditChain.hash(line);
          seq++;
          producer
              .send(new ProducerRecord<>(topic, i % 2, shipped.toEpochMilli(), "range-it", line))
              .get();
        }
      }
    }
  }

  @Test
  void sinceAndUntilReadOnlyTheOffsetsOfThePeriodAndItsLateDeliveries() {
    List<String> read = new ArrayList<>();
    List<long[]> progress = new ArrayList<>();
    long count;
    try (AuditKafkaReader reader = new AuditKafkaReader(KafkaBroker.bootstrapServers(), topic)) {
      count =
          reader.readRange(
              FEB,
              FEB.plus(Duration.ofDays(5)),
              Duration.ofDays(1),
              line -> read.add(new String(line.value(), UTF_8)),
              (done, total) -> progress.add(new long[] {done, total}));
    }

    // February's 40 records, and the late January record shipped among them; nothing of March
    assertThat(count).isEqualTo(PER_MONTH + 1).isEqualTo(read.size());
    assertThat(read).filteredOn(l -> l.contains("\"ts\":\"2026-03")).isEmpty();
    assertThat(read).filteredOn(l -> l.contains("\"ts\":\"2026-01")).hasSize(1);
    assertThat(progress.get(0)).containsExactly(0, PER_MONTH + 1);
  }

  @Test
  void withoutBoundsTheWholeTopicIsRead() {
    try (AuditKafkaReader reader = new AuditKafkaReader(KafkaBroker.bootstrapServers(), topic)) {
      assertThat(reader.readAll(line -> {}, null)).isEqualTo(3L * PER_MONTH);
    }
  }

  @Test
  void aRecordShippedLaterThanTheDeliveryDelayIsOutsideTheRange() {
    List<String> read = new ArrayList<>();
    try (AuditKafkaReader reader = new AuditKafkaReader(KafkaBroker.bootstrapServers(), topic)) {
      reader.readRange(
          JAN,
          JAN.plus(Duration.ofDays(5)),
          Duration.ofHours(1),
          line -> read.add(new String(line.value(), UTF_8)),
          null);
    }

    assertThat(read).hasSize(PER_MONTH - 1).allMatch(l -> l.contains("\"ts\":\"2026-01"));
  }

  @Test
  void queryWithSinceAndUntilPrintsTheMatchingRecordsAndWhatItReads() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit =
        new CommandLine(new AuditCommand())
            .setOut(new PrintWriter(out, true))
            .setErr(new PrintWriter(err, true))
            .execute(
                "query",
                "--bootstrap-servers",
                KafkaBroker.bootstrapServers(),
                "--topic",
                topic,
                "--since",
                "2026-02-10T00:00:00Z",
                "--until",
                "2026-02-11T00:00:00Z",
                "--format",
                "jsonl");

    assertThat(exit).as(err.toString()).isZero();
    // 24 hourly records from FEB on; read: February (all shipped before Feb 12, the end plus one
    // day of delivery delay) and the late January record, not the 39 other January records nor
    // March
    assertThat(out.toString().lines()).hasSize(24);
    assertThat(err.toString()).contains("audit: reading 41 records of topic " + topic);
  }
}
