package org.complianceproxy.proxy.audit;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.time.Instant;
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
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
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

  /**
   * Told how far a long read got: records read so far of the total to read; first with {@code read}
   * 0 before anything is read.
   */
  @FunctionalInterface
  public interface Progress {
    void update(long read, long total);
  }

  private static final Duration POLL = Duration.ofMillis(200);
  private static final Duration METADATA_TIMEOUT = Duration.ofSeconds(15);

  /** How far a proxy's clock may step back between writing a record and shipping it. */
  static final long CLOCK_STEP_SECONDS = 60;

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
    return readRange(null, null, Duration.ZERO, sink, progress);
  }

  /**
   * The part of each partition that can hold records with {@code since <= ts < until}, found with
   * {@link KafkaConsumer#offsetsForTimes} instead of reading the whole topic; returns how many
   * records were read. Callers still filter by {@code ts}: the range may hold records outside the
   * period.
   *
   * <p>The shipper sends a record after the proxy wrote it, so its Kafka timestamp (the send time)
   * is never before its {@code ts}: reading starts at the first offset stamped at or after {@code
   * since} minus {@value #CLOCK_STEP_SECONDS} s (for clock steps on the proxy's host). A record
   * written before {@code until} is shipped after it when Kafka was unreachable, so reading ends at
   * the first offset stamped at or after {@code until + maxDeliveryDelay}; a record delivered later
   * than that is not seen.
   *
   * @param since null: from the beginning
   * @param until null: to the end as of now ({@code maxDeliveryDelay} is then unused)
   */
  public long readRange(
      Instant since,
      Instant until,
      Duration maxDeliveryDelay,
      Consumer<Line> sink,
      Progress progress) {
    requireNonNull(maxDeliveryDelay, "maxDeliveryDelay");
    if (maxDeliveryDelay.isNegative()) {
      throw new IllegalArgumentException(
          "maxDeliveryDelay: " + maxDeliveryDelay + " (expected: >= 0)");
    }
    if (partitions.isEmpty()) {
      return 0;
    }
    Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
    Map<TopicPartition, Long> from =
        since == null
            ? consumer.beginningOffsets(partitions)
            : offsetsAt(since.minusSeconds(CLOCK_STEP_SECONDS), end);
    Map<TopicPartition, Long> to =
        until == null ? end : offsetsAt(until.plus(maxDeliveryDelay), end);
    return read(from, to, sink, progress);
  }

  // The first offset of each partition stamped at or after time; the end when there is none.
  private Map<TopicPartition, Long> offsetsAt(Instant time, Map<TopicPartition, Long> end) {
    Map<TopicPartition, Long> query = new HashMap<>();
    long millis = Math.max(0, time.toEpochMilli());
    for (TopicPartition p : partitions) {
      query.put(p, millis);
    }
    Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(query);
    Map<TopicPartition, Long> offsets = new HashMap<>();
    for (TopicPartition p : partitions) {
      OffsetAndTimestamp at = found.get(p);
      offsets.put(p, at == null ? end.get(p) : at.offset());
    }
    return offsets;
  }

  private long read(
      Map<TopicPartition, Long> from,
      Map<TopicPartition, Long> to,
      Consumer<Line> sink,
      Progress progress) {
    long total = 0;
    Map<TopicPartition, Long> remaining = new HashMap<>();
    for (TopicPartition p : partitions) {
      if (to.get(p) > from.get(p)) {
        total += to.get(p) - from.get(p);
        remaining.put(p, to.get(p));
      }
    }
    consumer.assign(remaining.keySet());
    for (TopicPartition p : remaining.keySet()) {
      consumer.seek(p, from.get(p));
    }
    long read = 0;
    if (progress != null) {
      progress.update(0, total);
    }
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
