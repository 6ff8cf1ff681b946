package org.complianceproxy.proxy.audit;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.complianceproxy.proxy.config.ProxyConfig;

/** Builds the audit sink the configuration asks for. */
public final class AuditSinks {

  private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration STALL_TIMEOUT = Duration.ofSeconds(5);

  private AuditSinks() {}

  /**
   * Kafka through the local spool when {@code bootstrapServers} is present, otherwise the local
   * spool alone; not strict, spool of at most 1 GiB. See {@link #create(ProxyConfig.Audit, Path,
   * String)}.
   */
  public static AuditSink create(
      Optional<String> bootstrapServers, String topic, Path dataDir, String instanceId) {
    requireNonNull(bootstrapServers, "bootstrapServers");
    requireNonNull(topic, "topic");
    return create(
        new ProxyConfig.Audit(bootstrapServers, topic, false, 1L << 30), dataDir, instanceId);
  }

  /**
   * The sink of an {@code audit} configuration. Records always go to the spool in {@code
   * dataDir/audit} first (bounded by {@code spoolMaxBytes}); with Kafka configured a shipper sends
   * them on and deletes what Kafka acknowledged. Waits up to 10 s for the Kafka topic's metadata;
   * an unreachable Kafka does not fail start-up (records wait in the spool). In strict mode the
   * sink is unhealthy while Kafka does not take records, so that traffic is refused. Strict or not,
   * at most {@code maxPendingRecords} (default {@value SpoolAuditSink#DEFAULT_MAX_PENDING_RECORDS})
   * records wait in memory while the spool cannot write them (full, failing disk); close to that
   * the sink stops {@linkplain AuditSink#accepting() accepting} requests and at it {@link
   * AuditSink#emit} fails closed.
   *
   * @param instanceId written into every record as {@code instance}
   */
  public static AuditSink create(ProxyConfig.Audit audit, Path dataDir, String instanceId) {
    requireNonNull(audit, "audit");
    requireNonNull(dataDir, "dataDir");
    AuditJson json = new AuditJson(instanceId);
    Optional<String> kafka =
        audit.kafkaBootstrapServers().map(String::strip).filter(s -> !s.isEmpty());
    KafkaAuditSink.checkTopic(audit.topic());
    SpoolAuditSink spool =
        new SpoolAuditSink(dataDir, json, audit.spoolMaxBytes(), audit.maxPendingRecords());
    if (kafka.isEmpty()) {
      return spool;
    }
    try {
      return new KafkaAuditSink(
          KafkaAuditSink.defaultProducerConfig(kafka.get(), "audit-" + instanceId),
          audit.topic(),
          spool,
          STARTUP_TIMEOUT,
          STALL_TIMEOUT,
          audit.strict());
    } catch (RuntimeException e) {
      spool.close();
      throw e;
    }
  }
}
