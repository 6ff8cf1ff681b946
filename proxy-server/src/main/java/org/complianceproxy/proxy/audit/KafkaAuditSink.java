package org.complianceproxy.proxy.audit;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Audit to Kafka through a write-ahead spool: {@link #emit} queues the record for the {@link
 * SpoolAuditSink}, whose writer chains it (never waiting for Kafka or the disk, taking no lock),
 * and a shipper thread ({@link SpoolShipper}) sends the spooled lines to Kafka in the order they
 * were written: key = request id (so one request's records share a partition and keep their order),
 * value = the record's JSON, {@code acks=all} with the idempotent producer.
 *
 * <p>While Kafka is unreachable the records simply stay in the spool (on disk, fsync'd in batches,
 * bounded) and the producer keeps retrying the same batches; when Kafka is back they are delivered
 * in order, and the spool files are deleted once every line in them is acknowledged. The spool
 * outlives the process: a new sink on the same data directory ships what an earlier one left.
 *
 * <p>Delivery guarantee, for consumers reading with {@code isolation.level=read_committed} (the
 * {@code audit} commands do): every record spooled reaches the topic, in order per request, and a
 * broker outage, a broker crash or a proxy crash during an outage causes no duplicates, because the
 * shipper sends in transactions ({@link SpoolShipper}) and resends only batches that never
 * committed. A batch whose commit is in doubt (the proxy died, or lost the broker's answer, between
 * the commit and the shipper's checkpoint) is looked up in Kafka before anything else is sent, and
 * sent again only if it did not commit; only a power loss between the shipper's marker and its
 * rename can still repeat one batch, byte-identical with the same {@code instance} and {@code seq},
 * which the {@code audit} commands drop. Records are lost only if the proxy dies before the spool
 * fsynced them (at most about 50 ms of records) or the disk itself is lost.
 *
 * <p>{@link #healthy()} is true while records can be made durable: in normal mode the spool
 * suffices; in strict mode Kafka must also be taking records (no batch stuck for more than {@code
 * stallTimeout}).
 */
public final class KafkaAuditSink implements AuditSink {

  private static final Logger log = LoggerFactory.getLogger(KafkaAuditSink.class);

  /** The topic when none is configured. */
  public static final String DEFAULT_TOPIC = "compliance.audit.v1";

  private static final Duration DEFAULT_STARTUP_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration DEFAULT_STALL_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration METADATA_RETRY_PAUSE = Duration.ofMillis(20);
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);
  private static final Pattern TOPIC_NAME = Pattern.compile("[a-zA-Z0-9._-]{1,249}");

  private final String topic;
  // Owned: the write-ahead log.
  private final SpoolAuditSink spool;
  private final SpoolShipper shipper;
  // Strict mode: healthy only while Kafka takes records.
  private final boolean strict;
  private final AtomicBoolean closed = new AtomicBoolean();

  /**
   * A sink with the default producer settings ({@link #defaultProducerConfig}) that ships from
   * {@code spool}, which it then owns and closes.
   */
  public KafkaAuditSink(
      String bootstrapServers, String topic, AuditJson json, SpoolAuditSink spool) {
    this(
        defaultProducerConfig(bootstrapServers, "audit-" + json.instanceId()),
        topic,
        spool,
        DEFAULT_STARTUP_TIMEOUT,
        DEFAULT_STALL_TIMEOUT,
        false);
  }

  /**
   * A sink with the given producer configuration (start from {@link #defaultProducerConfig}; the
   * serializers are always set here) that waits at most {@code startupTimeout} for the topic's
   * metadata.
   */
  public KafkaAuditSink(
      Map<String, Object> producerConfig,
      String topic,
      AuditJson json,
      SpoolAuditSink spool,
      Duration startupTimeout) {
    this(producerConfig, topic, spool, startupTimeout, DEFAULT_STALL_TIMEOUT, false);
  }

  /**
   * The general form.
   *
   * @param stallTimeout how long a batch may wait for Kafka before Kafka counts as unreachable
   * @param strict whether {@link #healthy()} requires Kafka to be taking records
   */
  public KafkaAuditSink(
      Map<String, Object> producerConfig,
      String topic,
      SpoolAuditSink spool,
      Duration startupTimeout,
      Duration stallTimeout,
      boolean strict) {
    this(withSerializers(producerConfig), topic, spool, startupTimeout, stallTimeout, strict, null);
  }

  // producers: null for real producers of config, else a test's (e.g. MockProducer).
  KafkaAuditSink(
      Map<String, Object> producerConfig,
      String topic,
      SpoolAuditSink spool,
      Duration startupTimeout,
      Duration stallTimeout,
      boolean strict,
      Supplier<Producer<String, byte[]>> producers) {
    this.spool = requireNonNull(spool, "spool");
    this.topic = checkTopic(topic);
    Map<String, Object> config = producerConfig;
    requireNonNull(startupTimeout, "startupTimeout");
    requireNonNull(stallTimeout, "stallTimeout");
    this.strict = strict;
    boolean ready;
    // read_committed lookups of a batch whose commit is in doubt; with test producers, none
    Function<IsolationLevel, Consumer<byte[], byte[]>> lookups = null;
    if (producers == null) {
      config = new HashMap<>(config);
      config.putIfAbsent(
          ProducerConfig.TRANSACTIONAL_ID_CONFIG, "compliance-audit-" + spool.shipperId());
      try (Producer<String, byte[]> probe = new KafkaProducer<>(probeConfig(config))) {
        ready = awaitTopicMetadata(probe, this.topic, startupTimeout);
      }
      Map<String, Object> transactional = config;
      producers = () -> new KafkaProducer<>(transactional);
      lookups = SpoolShipper.lookupConsumers(transactional);
    } else {
      ready = true;
    }
    if (ready) {
      log.info("audit records go to Kafka topic {} through the spool {}", topic, spool.directory());
    } else {
      log.warn(
          "Kafka topic {} is not reachable after {} ms; audit records stay in the spool until it"
              + " is",
          topic,
          startupTimeout.toMillis());
    }
    this.shipper = new SpoolShipper(spool, producers, lookups, this.topic, stallTimeout, ready);
    shipper.start();
  }

  /**
   * The producer settings this sink uses by default: {@code acks=all}, idempotence (which keeps
   * order with up to 5 requests in flight and lets the broker drop retried duplicates), {@code
   * linger.ms=5}, lz4 compression, batches of up to 256 KiB (the shipper sends thousands of records
   * per transaction; small batches would cost a lock round trip with the sender thread and a
   * selector wake-up each), and a delivery timeout of a day so that the producer keeps retrying the
   * same batches through an outage instead of giving up on them. A mutable copy.
   */
  public static Map<String, Object> defaultProducerConfig(
      String bootstrapServers, String clientId) {
    requireNonNull(bootstrapServers, "bootstrapServers");
    requireNonNull(clientId, "clientId");
    Map<String, Object> config = new HashMap<>();
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    config.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
    config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    config.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
    // The shipper thread may wait for metadata; bounded so that close() is not held up.
    config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000);
    config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
    config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) Duration.ofDays(1).toMillis());
    config.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    config.put(ProducerConfig.METADATA_MAX_IDLE_CONFIG, Duration.ofDays(1).toMillis());
    return config;
  }

  @Override
  public void emit(AuditRecord record) {
    if (closed.get()) {
      throw new IllegalStateException("Kafka audit sink for topic " + topic + " is closed");
    }
    // The shipper wakes on the spool's next fsync.
    spool.emit(record);
  }

  @Override
  public boolean accepting() {
    return !closed.get() && spool.accepting();
  }

  /** Normal mode: true while the spool can take records. Strict mode: and Kafka takes them too. */
  @Override
  public boolean healthy() {
    if (closed.get() || !spool.healthy()) {
      return false;
    }
    return !strict || shipper.deliveringToKafka();
  }

  /** True while Kafka acknowledges what is shipped (false: records wait in the spool). */
  public boolean deliveringToKafka() {
    return shipper.deliveringToKafka();
  }

  /** Records acknowledged by Kafka since this sink started. */
  public long deliveredCount() {
    return shipper.deliveredCount();
  }

  /** The write-ahead spool. */
  public SpoolAuditSink spool() {
    return spool;
  }

  @Override
  public long spoolBytes() {
    return spool.spoolBytes();
  }

  @Override
  public long spoolMaxBytes() {
    return spool.spoolMaxBytes();
  }

  /**
   * Writes and fsyncs everything emitted into the spool, then ships what Kafka takes within 10 s;
   * the rest stays in the spool for the next start.
   */
  @Override
  public void close() {
    close(CLOSE_TIMEOUT);
  }

  /** {@link #close()} with a bound of its own for shipping. */
  public void close(Duration shipTimeout) {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    spool.close();
    shipper.finish(shipTimeout);
  }

  private static Map<String, Object> withSerializers(Map<String, Object> producerConfig) {
    requireNonNull(producerConfig, "producerConfig");
    Map<String, Object> config = new HashMap<>(producerConfig);
    config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    return config;
  }

  // A short-lived producer that only fetches metadata: no idempotence, so it needs no producer id.
  private static Map<String, Object> probeConfig(Map<String, Object> config) {
    Map<String, Object> probe = new HashMap<>(config);
    probe.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false);
    probe.remove(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
    probe.put(ProducerConfig.ACKS_CONFIG, "1");
    probe.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 500);
    probe.put(
        ProducerConfig.CLIENT_ID_CONFIG, config.get(ProducerConfig.CLIENT_ID_CONFIG) + "-probe");
    return probe;
  }

  private static boolean awaitTopicMetadata(
      Producer<String, byte[]> producer, String topic, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      try {
        producer.partitionsFor(topic);
        return true;
      } catch (TimeoutException e) {
        if (System.nanoTime() - deadline >= 0) {
          return false;
        }
      } catch (KafkaException e) {
        log.warn("cannot get metadata of Kafka topic {}", topic, e);
        return false;
      }
      try {
        Thread.sleep(METADATA_RETRY_PAUSE.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
  }

  static String checkTopic(String topic) {
    requireNonNull(topic, "topic");
    if (!TOPIC_NAME.matcher(topic).matches() || topic.equals(".") || topic.equals("..")) {
      throw new IllegalArgumentException(
          "topic: '" + topic + "' (expected: 1-249 characters of a-z, A-Z, 0-9, '.', '_', '-')");
    }
    return topic;
  }
}
