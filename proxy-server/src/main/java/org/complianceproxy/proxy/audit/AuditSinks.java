package org.complianceproxy.proxy.audit;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.util.Optional;

/** Builds the audit sink the configuration asks for. */
public final class AuditSinks {

  private AuditSinks() {}

  /**
   * Kafka with the local spool as fallback when {@code bootstrapServers} is present, otherwise the
   * local spool alone. The spool lives in {@code dataDir/audit} either way. Waits up to 10 s for
   * the Kafka topic's metadata; an unreachable Kafka does not fail start-up (records are spooled).
   *
   * @param topic the Kafka topic, e.g. {@link KafkaAuditSink#DEFAULT_TOPIC}
   * @param instanceId written into every record as {@code instance}
   */
  public static AuditSink create(
      Optional<String> bootstrapServers, String topic, Path dataDir, String instanceId) {
    requireNonNull(bootstrapServers, "bootstrapServers");
    requireNonNull(topic, "topic");
    requireNonNull(dataDir, "dataDir");
    AuditJson json = new AuditJson(instanceId);
    SpoolAuditSink spool = new SpoolAuditSink(dataDir, json);
    Optional<String> kafka = bootstrapServers.map(String::strip).filter(s -> !s.isEmpty());
    if (kafka.isEmpty()) {
      return spool;
    }
    try {
      return new KafkaAuditSink(kafka.get(), topic, json, spool);
    } catch (RuntimeException e) {
      spool.close();
      throw e;
    }
  }
}
