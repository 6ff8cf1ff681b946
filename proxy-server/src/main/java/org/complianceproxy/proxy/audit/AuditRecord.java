package org.complianceproxy.proxy.audit;

import java.time.Instant;

/**
 * An audit record. Each kind is a record type of its own whose JSON form (snake_case field names, a
 * {@code kind} and a {@code schema_version}) is described by a schema in {@code audit-schema/}. No
 * record ever holds clear PII: values appear only as tokens and keyed fingerprints.
 */
public sealed interface AuditRecord
    permits FindingRecord,
        RestoreRecord,
        RequestSummary,
        PolicyRefusalRecord,
        VaultOperationRecord,
        LifecycleRecord {

  /** The schema kind, e.g. {@code finding}. */
  String kind();

  /**
   * The request this record belongs to, also the Kafka key; {@code null} only for records of no
   * request ({@link LifecycleRecord}), which are keyed by the instance id.
   */
  String requestId();

  /** The tenant, or {@code null} when the caller was not authenticated. */
  String tenant();

  Instant timestamp();
}
