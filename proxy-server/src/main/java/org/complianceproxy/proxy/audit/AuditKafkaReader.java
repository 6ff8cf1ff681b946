package org.complianceproxy.proxy.audit;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads an audit topic for the officer tools: every partition from the beginning up to the end
 * offsets seen when the read started ({@link #readAll}), or new records as they arrive ({@link
 * #follow}). Uses no consumer group and commits nothing, so reading leaves no trace on the cluster
 * and never competes with other readers.
 */
public final class AuditKafkaReader implements AutoCloseable {

  /** One record as stored in Kafka. */
  public record Line(int partition, long offset, String key, byte[] value) {
    /** The stream name {@link AuditVerifier} reports, e.g. {@code partition 2}. */
    public String stream() {
      return "partition " + partition;
    }
  }

  /** Told how far a long read got: records read so far of the total to read. */
  @FunctionalInterface
  public interface Progress {
    void update(long read, long total);
  }

  private static final Duration POLL = Duration.ofMillis(200);
  private static final Duration METADATA_TIMEOUT = Duration.ofSeconds(15);

  private final KafkaConsumer<String, byte[]> consumer;
  private final String topic;
  private final List<TopicPartition> partitions;

  public AuditKafkaReader(String bootstrapServers, String topic) {
    requireNonNull(bootstrapServers, "bootstrapServers");
    this.topic = KafkaAuditSink.checkTopic(topic);
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    // The shipper writes in transactions; what never committed is not part of the trail.
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, "audit-reader");
    props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
    // Reading must not create the topic it looks for.
    props.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
    this.consumer =
        new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
    try {
      List<PartitionInfo> infos = consumer.partitionsFor(topic, METADATA_TIMEOUT);
      List<TopicPartition> list = new ArrayList<>();
      if (infos != null) {
        for (PartitionInfo info : infos) {
          list.add(new TopicPartition(topic, info.partition()));
        }
      }
      this.partitions = List.copyOf(list);
      consumer.assign(partitions);
    } catch (RuntimeException e) {
      consumer.close(Duration.ZERO);
      throw e;
    }
  }

  /** How many partitions the topic has (0 when it does not exist). */
  public int partitionCount() {
    return partitions.size();
  }

  /**
   * Every record from the beginning of each partition up to its end as of now, partition by
   * partition in offset order; returns how many were read.
   */
  public long readAll(Consumer<Line> sink, Progress progress) {
    if (partitions.isEmpty()) {
      return 0;
    }
    Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
    Map<TopicPartition, Long> begin = consumer.beginningOffsets(partitions);
    long total = 0;
    for (TopicPartition p : partitions) {
      total += end.get(p) - begin.get(p);
    }
    consumer.seekToBeginning(partitions);
    Map<TopicPartition, Long> remaining = new HashMap<>();
    for (TopicPartition p : partitions) {
      if (end.get(p) > begin.get(p)) {
        remaining.put(p, end.get(p));
      }
    }
    consumer.assign(remaining.keySet());
    long read = 0;
    while (!remaining.isEmpty()) {
      for (ConsumerRecord<String, byte[]> r : consumer.poll(POLL)) {
        TopicPartition p = new TopicPartition(r.topic(), r.partition());
        Long stop = remaining.get(p);
        if (stop == null || r.offset() >= stop) {
          continue;
        }
        sink.accept(new Line(r.partition(), r.offset(), r.key(), r.value()));
        read++;
        if (r.offset() + 1 >= stop) {
          remaining.remove(p);
        }
      }
      // Offsets may end in transaction markers or compacted gaps: the position tells.
      remaining.keySet().removeIf(p -> consumer.position(p) >= remaining.get(p));
      consumer.assign(remaining.keySet());
      if (progress != null) {
        progress.update(read, total);
      }
    }
    consumer.assign(partitions);
    return read;
  }

  /**
   * Records as they arrive, starting {@code lastPerPartition} records before each partition's end,
   * until {@code stop} is true (checked after every poll).
   */
  public void follow(long lastPerPartition, Consumer<Line> sink, BooleanSupplier stop) {
    if (partitions.isEmpty()) {
      return;
    }
    Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
    Map<TopicPartition, Long> begin = consumer.beginningOffsets(partitions);
    for (TopicPartition p : partitions) {
      consumer.seek(p, Math.max(begin.get(p), end.get(p) - Math.max(0, lastPerPartition)));
    }
    while (!stop.getAsBoolean()) {
      for (ConsumerRecord<String, byte[]> r : consumer.poll(POLL)) {
        sink.accept(new Line(r.partition(), r.offset(), r.key(), r.value()));
      }
    }
  }

  public String topic() {
    return topic;
  }

  @Override
  public void close() {
    consumer.close(Duration.ofSeconds(5));
  }
}
