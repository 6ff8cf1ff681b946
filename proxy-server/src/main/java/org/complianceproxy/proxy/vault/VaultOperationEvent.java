package org.complianceproxy.proxy.vault;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.List;

/**
 * What an officer or the scheduler did to the vault: reveal, rotate or shred. Holds tokens, never
 * the values they stand for.
 *
 * @param requestId one id per operation, shared by its {@code requested} and final records (the
 *     audit trail's {@code request_id}, so they stay in order on Kafka)
 * @param operation {@code reveal}, {@code rotate} or {@code shred}
 * @param phase {@code requested} before a rotation or shred runs, {@code done} or {@code failed}
 *     after any operation, {@code denied} for an attempt without a valid admin key
 * @param tenant the tenant concerned; null only for a {@code denied} attempt (an unauthenticated
 *     caller's body is not read)
 * @param actor who asked: {@code admin:<first 12 hex of the SHA-256 of the admin key>}, or {@code
 *     scheduler}
 * @param reason why, as the officer gave it
 * @param tokens the tokens asked for (reveal only)
 * @param revealed those of {@code tokens} that were revealed (reveal only)
 * @param count reveal: tokens revealed; shred: entries removed (-1 if unknown); rotate: the new key
 *     version
 * @param detail a failure's message, or empty
 */
public record VaultOperationEvent(
    String requestId,
    Instant timestamp,
    String operation,
    String phase,
    String tenant,
    String actor,
    String reason,
    List<String> tokens,
    List<String> revealed,
    int count,
    String detail) {

  public VaultOperationEvent {
    requireNonNull(requestId, "requestId");
    requireNonNull(timestamp, "timestamp");
    requireNonNull(operation, "operation");
    requireNonNull(phase, "phase");
    if (!"denied".equals(phase)) {
      requireNonNull(tenant, "tenant");
      requireNonNull(reason, "reason");
    }
    requireNonNull(actor, "actor");
    tokens = List.copyOf(tokens);
    revealed = List.copyOf(revealed);
    requireNonNull(detail, "detail");
  }
}
