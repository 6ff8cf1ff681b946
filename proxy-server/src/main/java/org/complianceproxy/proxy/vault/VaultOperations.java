package org.complianceproxy.proxy.vault;

import static java.util.Objects.requireNonNull;

import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.regex.Pattern;
import org.complianceproxy.proxy.error.ProxyError;
import org.complianceproxy.proxy.error.ProxyException;
import org.complianceproxy.proxy.kms.EnvelopeKeyProvider;
import org.complianceproxy.proxy.token.TokenGrammar;

/**
 * The audited operations of compliance officers on the vault, shared by the {@code vault} CLI
 * subcommands and the admin API: re-identification in bulk, key rotation and crypto-shredding. Each
 * takes an actor (an authenticated admin, see {@link AdminCredentials}) and a reason, and writes a
 * {@link VaultOperationEvent}; a reveal discloses nothing unless its record is durable.
 *
 * <p>Rotation and shredding need per-tenant data keys (KMS, {@code KMS_KEY_ID}); with the local
 * keyring every tenant's keys derive from one master key and they are refused.
 */
public final class VaultOperations {

  /** Most tokens one reveal may ask for. */
  public static final int MAX_REVEAL_TOKENS = 10_000;

  /**
   * What a reason must look like: a justification reference such as a ticket id ({@code INC-2041},
   * {@code GDPR#118}), never free text, so that the audit trail cannot pick up personal data
   * through it.
   */
  public static final Pattern REASON = Pattern.compile("[A-Za-z0-9._:/#-]{1,100}");

  private final Vault vault;
  private final Optional<EnvelopeKeyProvider> envelope;
  private final VaultAudit audit;
  private final Clock clock;

  public VaultOperations(
      Vault vault, Optional<EnvelopeKeyProvider> envelope, VaultAudit audit, Clock clock) {
    this.vault = requireNonNull(vault, "vault");
    this.envelope = requireNonNull(envelope, "envelope");
    this.audit = requireNonNull(audit, "audit");
    this.clock = requireNonNull(clock, "clock");
  }

  /**
   * The original values of those {@code tokens} that {@code tenant} stored (a token of another
   * tenant, or unknown, is absent), after the reveal was audited.
   *
   * @throws ProxyException {@code INVALID_REQUEST} for a missing reason or a malformed token list
   */
  public CompletableFuture<Map<String, String>> reveal(
      String actor, String tenant, List<String> tokens, String reason) {
    List<String> unique;
    try {
      check(actor, tenant, reason);
      unique = checkTokens(tokens);
    } catch (ProxyException e) {
      return CompletableFuture.failedFuture(e);
    }
    String requestId = newRequestId();
    return vault
        .getAll(tenant, unique)
        .handle(
            (found, error) -> {
              Map<String, String> ordered = new LinkedHashMap<>();
              if (found != null) {
                for (String token : unique) {
                  String value = found.get(token);
                  if (value != null) {
                    ordered.put(token, value);
                  }
                }
              }
              VaultOperationEvent record =
                  record(
                      requestId,
                      "reveal",
                      error == null ? "done" : "failed",
                      tenant,
                      actor,
                      reason,
                      unique,
                      List.copyOf(ordered.keySet()),
                      ordered.size(),
                      error == null ? "" : message(error));
              return audit
                  .record(record)
                  .thenCompose(
                      ignored ->
                          error == null
                              ? CompletableFuture.completedFuture(ordered)
                              : CompletableFuture.<Map<String, String>>failedFuture(unwrap(error)));
            })
        .thenCompose(f -> f);
  }

  /**
   * Records an attempt at {@code operation} that was refused before it began because the caller
   * presented no valid admin key. The future completes when the record is durable; the caller is
   * refused whatever it says.
   *
   * @param actor {@link AdminCredentials#actorOf} of what the caller presented
   */
  public CompletableFuture<Void> denied(String actor, String operation) {
    requireNonNull(actor, "actor");
    requireNonNull(operation, "operation");
    return audit.record(
        record(
            newRequestId(),
            operation,
            "denied",
            null,
            actor,
            null,
            List.of(),
            List.of(),
            0,
            "no valid admin key"));
  }

  /** Adds a data-key version for {@code tenant}; answers the new version. */
  public CompletableFuture<Integer> rotate(String actor, String tenant, String reason) {
    EnvelopeKeyProvider keys;
    try {
      check(actor, tenant, reason);
      keys = envelopeOrRefuse("rotation");
    } catch (ProxyException e) {
      return CompletableFuture.failedFuture(e);
    }
    return audited("rotate", actor, tenant, reason, () -> keys.rotate(tenant));
  }

  /**
   * Crypto-shreds {@code tenant}: forgets its wrapped data keys, so nothing sealed under them can
   * be opened again, then removes its entries from the store. Answers the entries removed (-1 when
   * the store cannot tell).
   */
  public CompletableFuture<Integer> shred(String actor, String tenant, String reason) {
    EnvelopeKeyProvider keys;
    try {
      check(actor, tenant, reason);
      keys = envelopeOrRefuse("crypto-shredding");
    } catch (ProxyException e) {
      return CompletableFuture.failedFuture(e);
    }
    return audited(
        "shred",
        actor,
        tenant,
        reason,
        () ->
            keys.shred(tenant)
                .thenCompose(
                    versions ->
                        vault
                            .shred(tenant)
                            .exceptionally(
                                e ->
                                    unwrap(e) instanceof UnsupportedOperationException
                                        ? -1
                                        : rethrow(e))));
  }

  /** Rotates every tenant that has a data key; for the scheduler. */
  public CompletableFuture<List<Integer>> rotateAll(String actor, String reason) {
    EnvelopeKeyProvider keys;
    try {
      keys = envelopeOrRefuse("rotation");
    } catch (ProxyException e) {
      return CompletableFuture.failedFuture(e);
    }
    return keys.tenants()
        .thenCompose(
            tenants -> {
              List<Integer> versions = new ArrayList<>();
              CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
              for (String tenant : tenants) {
                chain =
                    chain.thenCompose(
                        ignored -> rotate(actor, tenant, reason).thenAccept(versions::add));
              }
              return chain.thenApply(ignored -> versions);
            });
  }

  private CompletableFuture<Integer> audited(
      String operation,
      String actor,
      String tenant,
      String reason,
      java.util.function.Supplier<CompletableFuture<Integer>> action) {
    String requestId = newRequestId();
    return audit
        .record(
            record(
                requestId,
                operation,
                "requested",
                tenant,
                actor,
                reason,
                List.of(),
                List.of(),
                0,
                ""))
        .thenCompose(ignored -> action.get())
        .handle(
            (count, error) ->
                audit
                    .record(
                        record(
                            requestId,
                            operation,
                            error == null ? "done" : "failed",
                            tenant,
                            actor,
                            reason,
                            List.of(),
                            List.of(),
                            error == null ? count : 0,
                            error == null ? "" : message(error)))
                    .thenCompose(
                        ignored ->
                            error == null
                                ? CompletableFuture.completedFuture(count)
                                : CompletableFuture.<Integer>failedFuture(unwrap(error))))
        .thenCompose(f -> f);
  }

  private VaultOperationEvent record(
      String requestId,
      String operation,
      String phase,
      String tenant,
      String actor,
      String reason,
      List<String> tokens,
      List<String> revealed,
      int count,
      String detail) {
    return new VaultOperationEvent(
        requestId,
        clock.instant(),
        operation,
        phase,
        tenant,
        actor,
        reason,
        tokens,
        revealed,
        count,
        detail);
  }

  // The admin API has no request id of its own to hand down; one per operation keys its records.
  private static String newRequestId() {
    return "vault-" + UUID.randomUUID();
  }

  private EnvelopeKeyProvider envelopeOrRefuse(String what) {
    return envelope.orElseThrow(
        () ->
            new ProxyException(
                ProxyError.INVALID_REQUEST,
                what
                    + " needs per-tenant data keys from KMS (set KMS_KEY_ID); the local keyring"
                    + " derives every tenant's keys from one master key"));
  }

  private static void check(String actor, String tenant, String reason) {
    requireNonNull(actor, "actor");
    if (tenant == null || tenant.isBlank()) {
      throw new ProxyException(ProxyError.INVALID_REQUEST, "tenant: expected a tenant id");
    }
    if (reason == null || !REASON.matcher(reason).matches()) {
      throw new ProxyException(
          ProxyError.INVALID_REQUEST,
          "reason: expected a justification reference such as a ticket id ("
              + REASON.pattern()
              + ")");
    }
  }

  // never echoes a rejected entry: it may be clear text pasted by mistake
  private static List<String> checkTokens(List<String> tokens) {
    if (tokens == null || tokens.isEmpty()) {
      throw new ProxyException(ProxyError.INVALID_REQUEST, "tokens: expected at least one token");
    }
    if (tokens.size() > MAX_REVEAL_TOKENS) {
      throw new ProxyException(
          ProxyError.INVALID_REQUEST,
          "tokens: " + tokens.size() + " (expected: at most " + MAX_REVEAL_TOKENS + ")");
    }
    LinkedHashSet<String> unique = new LinkedHashSet<>();
    for (int i = 0; i < tokens.size(); i++) {
      String token = tokens.get(i);
      if (token == null || !TokenGrammar.isToken(token)) {
        throw new ProxyException(
            ProxyError.INVALID_REQUEST, "tokens[" + i + "]: expected a token like <<CARD_...>>");
      }
      unique.add(token);
    }
    return new ArrayList<>(unique);
  }

  private static Throwable unwrap(Throwable error) {
    return error instanceof CompletionException && error.getCause() != null
        ? error.getCause()
        : error;
  }

  private static String message(Throwable error) {
    Throwable cause = unwrap(error);
    return cause instanceof ProxyException ? cause.getMessage() : cause.getClass().getSimpleName();
  }

  private static <T> T rethrow(Throwable error) {
    throw error instanceof CompletionException c ? c : new CompletionException(error);
  }
}
