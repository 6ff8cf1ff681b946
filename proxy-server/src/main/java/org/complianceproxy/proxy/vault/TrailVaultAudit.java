package org.complianceproxy.proxy.vault;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.complianceproxy.proxy.audit.AuditSink;
import org.complianceproxy.proxy.audit.VaultOperationRecord;
import org.complianceproxy.proxy.error.ProxyError;
import org.complianceproxy.proxy.error.ProxyException;

/**
 * Vault operations in the main audit trail: each finished operation becomes {@code vault_operation}
 * records ({@link VaultOperationRecord}) on the {@link AuditSink} (spool, then Kafka, chained like
 * every other record), after the local record ({@link FileVaultAudit}) is on disk.
 *
 * <p>Why both: {@link AuditSink#emit} queues and never says when a record is durable, but a reveal
 * must not disclose, and a shred must not start, before its record is durable. The local file is
 * fsync'd first and holds the {@code requested} phase too; the trail holds one record per outcome
 * and is what officers query. An operation is refused ({@code audit_unavailable}) while the sink is
 * unhealthy, so it never happens without reaching the trail.
 *
 * <p>What the trail gets, keyed by the operation's request id:
 *
 * <ul>
 *   <li>reveal: one record per token asked for, {@code ok} when it was revealed, {@code not_found}
 *       when the tenant has no such token ({@code error} for all when the vault failed); {@code
 *       entries} is the number of tokens the operation revealed in all. Never the value.
 *   <li>rotate: {@code key_version} is the new version.
 *   <li>shred: {@code entries} is the number of vault entries removed ({@code null} when the store
 *       cannot tell).
 *   <li>an attempt without a valid admin key: one record with outcome {@code denied}, the actor
 *       named by the presented key's hash, and no tenant, token or reason (the body is not read).
 * </ul>
 */
public final class TrailVaultAudit implements VaultAudit {

  private final AuditSink sink;
  private final VaultAudit local;

  /**
   * @param sink the audit trail; not closed here
   * @param local the durable local record, written first
   */
  public TrailVaultAudit(AuditSink sink, VaultAudit local) {
    this.sink = requireNonNull(sink, "sink");
    this.local = requireNonNull(local, "local");
  }

  @Override
  public CompletableFuture<Void> record(VaultOperationEvent event) {
    if (!sink.healthy()) {
      return CompletableFuture.failedFuture(
          new ProxyException(
              ProxyError.AUDIT_UNAVAILABLE,
              "the audit trail cannot take records; the vault operation is refused"));
    }
    return local
        .record(event)
        .thenRun(
            () -> {
              for (VaultOperationRecord record : records(event)) {
                sink.emit(record);
              }
            });
  }

  /** The trail records of one event; none for the {@code requested} phase. */
  static List<VaultOperationRecord> records(VaultOperationEvent event) {
    if ("requested".equals(event.phase())) {
      return List.of();
    }
    if ("denied".equals(event.phase())) {
      return List.of(record(event, null, null, null, "denied"));
    }
    boolean done = "done".equals(event.phase());
    return switch (event.operation()) {
      case "reveal" -> reveals(event, done);
      case "rotate" ->
          List.of(record(event, null, done ? event.count() : null, null, outcome(done)));
      case "shred" ->
          List.of(
              record(
                  event,
                  null,
                  null,
                  done && event.count() >= 0 ? (long) event.count() : null,
                  outcome(done)));
      default ->
          throw new IllegalArgumentException(
              "operation: " + event.operation() + " (expected: reveal, rotate or shred)");
    };
  }

  private static List<VaultOperationRecord> reveals(VaultOperationEvent event, boolean done) {
    Set<String> revealed = new HashSet<>(event.revealed());
    List<VaultOperationRecord> records = new ArrayList<>(event.tokens().size());
    for (String token : event.tokens()) {
      String outcome = !done ? "error" : revealed.contains(token) ? "ok" : "not_found";
      records.add(record(event, token, null, (long) event.count(), outcome));
    }
    return records;
  }

  private static VaultOperationRecord record(
      VaultOperationEvent event, String token, Integer keyVersion, Long entries, String outcome) {
    return new VaultOperationRecord(
        event.requestId(),
        event.tenant(),
        event.timestamp(),
        event.operation(),
        event.actor(),
        token,
        token == null ? null : tagOf(token),
        keyVersion,
        entries,
        event.reason(),
        outcome);
  }

  private static String outcome(boolean done) {
    return done ? "ok" : "error";
  }

  // A token is <<TAG_BODY>>; its tag names the entity type and never contains '_'.
  private static String tagOf(String token) {
    int underscore = token.indexOf('_');
    return underscore > 2 ? token.substring(2, underscore) : null;
  }
}
