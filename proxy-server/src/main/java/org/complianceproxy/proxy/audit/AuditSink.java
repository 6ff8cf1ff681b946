package org.complianceproxy.proxy.audit;

/**
 * Where audit records go. {@link #emit} never blocks the caller on I/O: records are batched by the
 * Kafka producer or by the spool writer. Implementations are thread-safe.
 */
public interface AuditSink extends AutoCloseable {

  /**
   * Queues one record for delivery, keyed by its request id so a request's records stay in order.
   */
  void emit(AuditRecord record);

  /** True while records can be written somewhere durable (Kafka or the local spool). */
  boolean healthy();

  /** Flushes everything queued, then releases resources. */
  @Override
  void close();
}
