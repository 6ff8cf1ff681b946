package org.complianceproxy.proxy.audit;

/**
 * Where audit records go. {@link #emit} never blocks the caller on I/O: records are batched by the
 * Kafka producer or by the spool writer. Implementations are thread-safe.
 */
public interface AuditSink extends AutoCloseable {

  /**
   * Queues one record for delivery, keyed by its request id so a request's records stay in order.
   *
   * @throws org.complianceproxy.proxy.error.ProxyException {@code AUDIT_UNAVAILABLE} when the sink
   *     holds as many records in memory as it may (see {@link #accepting()})
   */
  void emit(AuditRecord record);

  /** True while records can be written somewhere durable (Kafka or the local spool). */
  boolean healthy();

  /**
   * False while the sink is close to the most records it may hold in memory, strict mode or not:
   * new requests must then be refused (fail closed), since their records might not be taken. Once
   * the limit itself is reached {@link #emit} throws.
   */
  default boolean accepting() {
    return true;
  }

  /** Bytes the local spool takes on disk (for Kafka: what is not yet shipped and deleted). */
  default long spoolBytes() {
    return 0;
  }

  /** The most the local spool may take on disk. */
  default long spoolMaxBytes() {
    return 0;
  }

  /** Flushes everything queued, then releases resources. */
  @Override
  void close();
}
