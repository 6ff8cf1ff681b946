package org.complianceproxy.proxy.audit;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends audit records to Kafka: key = request id (so one request's records share a partition and
 * keep their order), value = the record's JSON ({@link AuditJson}), {@code acks=all} with the
 * idempotent producer.
 *
 * <p>{@link #emit} is called on event loops and never waits for Kafka: the producer batches (linger
 * 5 ms) and {@code max.block.ms} is 0, so a send that would wait for metadata (Kafka not reached
 * yet) or for buffer space fails at once instead, and asks for fresh metadata in the background so
 * that sends succeed again as soon as Kafka answers. Whatever Kafka does not take, whether {@code
 * send} throws or the delivery callback reports an error (after {@code delivery.timeout.ms}, 30 s),
 * goes to the {@link SpoolAuditSink} as the same bytes: nothing is dropped. Replaying the spool
 * into Kafka is a separate job.
 *
 * <p>Order within a request holds in Kafka and in the spool, each on its own; a request that spans
 * the start or end of an outage has its records split between the two. After an outage the producer
 * may have dropped the topic's metadata: until it has fetched it again (about one reconnect backoff
 * after Kafka is back) records keep going to the spool rather than waiting.
 *
 * <p>The constructor waits up to a start-up timeout for the topic's metadata (creating the topic if
 * the broker auto-creates topics), so that the first records do not fail for want of metadata.
 */
public final class KafkaAuditSink implements AuditSink {

  private static final Logger log = LoggerFactory.getLogger(KafkaAuditSink.class);

  /** The topic when none is configured. */
  public static final String DEFAULT_TOPIC = "compliance.audit.v1";

  private static final Duration DEFAULT_STARTUP_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration METADATA_RETRY_PAUSE = Duration.ofMillis(20);
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);
  private static final Pattern TOPIC_NAME = Pattern.compile("[a-zA-Z0-9._-]{1,249}");

  private final Producer<String, byte[]> producer;
  private final String topic;
  private final AuditJson json;
  // Owned: closed after the producer, whose last callbacks may still spool.
  private final SpoolAuditSink spool;
  // Whether the last delivery outcome was a success; starts with the start-up metadata check.
  private final AtomicBoolean kafkaUp = new AtomicBoolean();
  private final AtomicLong delivered = new AtomicLong();
  private final AtomicLong spooled = new AtomicLong();
  private volatile boolean closed;

  /**
   * A sink with the default producer settings ({@link #defaultProducerConfig}) that spools into
   * {@code spool}, which it then owns and closes.
   */
  public KafkaAuditSink(
      String bootstrapServers, String topic, AuditJson json, SpoolAuditSink spool) {
    this(
        defaultProducerConfig(bootstrapServers, "audit-" + json.instanceId()),
        topic,
        json,
        spool,
        DEFAULT_STARTUP_TIMEOUT);
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
    this(newProducer(producerConfig), topic, json, spool, startupTimeout);
  }

  KafkaAuditSink(
      Producer<String, byte[]> producer,
      String topic,
      AuditJson json,
      SpoolAuditSink spool,
      Duration startupTimeout) {
    this.producer = requireNonNull(producer, "producer");
    try {
      this.topic = checkTopic(topic);
      this.json = requireNonNull(json, "json");
      this.spool = requireNonNull(spool, "spool");
      requireNonNull(startupTimeout, "startupTimeout");
    } catch (RuntimeException e) {
      producer.close(Duration.ZERO);
      throw e;
    }
    boolean ready = awaitTopicMetadata(startupTimeout);
    kafkaUp.set(ready);
    if (ready) {
      log.info("audit records go to Kafka topic {}", topic);
    } else {
      log.warn(
          "Kafka topic {} is not reachable after {} ms; audit records are spooled until it is",
          topic,
          startupTimeout.toMillis());
    }
  }

  /**
   * The producer settings this sink uses by default: {@code acks=all}, idempotence (which keeps
   * order with up to 5 requests in flight), {@code linger.ms=5}, {@code max.block.ms=0}, {@code
   * request.timeout.ms=10000}, {@code delivery.timeout.ms=30000}, lz4 compression, and a topic
   * metadata idle time of a day so that quiet hours do not put a metadata wait on the next send. A
   * mutable copy.
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
    // Never wait in send(): without metadata or buffer space the record is spooled at once.
    config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 0);
    config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
    config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
    config.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    config.put(ProducerConfig.METADATA_MAX_IDLE_CONFIG, Duration.ofDays(1).toMillis());
    return config;
  }

  @Override
  public void emit(AuditRecord record) {
    requireNonNull(record, "record");
    if (closed) {
      throw new IllegalStateException("Kafka audit sink for topic " + topic + " is closed");
    }
    byte[] value = json.toJsonBytes(record);
    Delivery delivery = new Delivery(value);
    try {
      producer.send(new ProducerRecord<>(topic, record.requestId(), value), delivery);
    } catch (RuntimeException e) {
      // send() reports most failures through the callback; these are the ones it throws.
      delivery.onCompletion(null, e);
    }
  }

  /** True while Kafka takes records or, failing that, the spool does. */
  @Override
  public boolean healthy() {
    return !closed && (kafkaUp.get() || spool.healthy());
  }

  /** True while the last record sent was acknowledged by Kafka (false: records are spooled). */
  public boolean deliveringToKafka() {
    return kafkaUp.get();
  }

  /** Records acknowledged by Kafka. */
  public long deliveredCount() {
    return delivered.get();
  }

  /** Records Kafka did not take and that went to the spool instead. */
  public long spooledCount() {
    return spooled.get();
  }

  /**
   * Sends what is batched (waiting at most 10 s; the rest is spooled), then closes the producer and
   * the spool.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      producer.close(CLOSE_TIMEOUT);
    } catch (RuntimeException e) {
      log.warn("closing the Kafka audit producer failed", e);
    } finally {
      spool.close();
    }
  }

  private boolean awaitTopicMetadata(Duration timeout) {
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

  private void onDelivered() {
    delivered.incrementAndGet();
    if (kafkaUp.compareAndSet(false, true)) {
      log.info("audit records reach Kafka topic {} again", topic);
    }
  }

  private void onFailed(byte[] value, Exception cause) {
    spool.append(value);
    spooled.incrementAndGet();
    if (kafkaUp.compareAndSet(true, false)) {
      log.warn("audit records cannot be sent to Kafka topic {}; spooling them", topic, cause);
    }
  }

  private static Producer<String, byte[]> newProducer(Map<String, Object> producerConfig) {
    requireNonNull(producerConfig, "producerConfig");
    Map<String, Object> config = new HashMap<>(producerConfig);
    config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    return new KafkaProducer<>(config);
  }

  private static String checkTopic(String topic) {
    requireNonNull(topic, "topic");
    if (!TOPIC_NAME.matcher(topic).matches() || topic.equals(".") || topic.equals("..")) {
      throw new IllegalArgumentException(
          "topic: '" + topic + "' (expected: 1-249 characters of a-z, A-Z, 0-9, '.', '_', '-')");
    }
    return topic;
  }

  /**
   * The outcome of one send; runs on the producer's I/O thread or, if send throws, the caller's.
   */
  private final class Delivery implements Callback {
    // The exact bytes that were sent, spooled if Kafka does not take them.
    private final byte[] value;
    // Guards against an outcome reported both by the callback and by a throwing send.
    private final AtomicBoolean done = new AtomicBoolean();

    Delivery(byte[] value) {
      this.value = value;
    }

    @Override
    public void onCompletion(RecordMetadata metadata, Exception exception) {
      if (!done.compareAndSet(false, true)) {
        return;
      }
      if (exception == null) {
        onDelivered();
      } else {
        onFailed(value, exception);
      }
    }
  }
}
