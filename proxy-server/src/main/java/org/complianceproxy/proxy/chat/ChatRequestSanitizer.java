package org.complianceproxy.proxy.chat;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.complianceproxy.dlp.EntityType;
import org.complianceproxy.dlp.Finding;
import org.complianceproxy.dlp.Scanner;
import org.complianceproxy.proxy.error.ProxyError;
import org.complianceproxy.proxy.error.ProxyException;
import org.complianceproxy.proxy.sanitize.JsonSplice;
import org.complianceproxy.proxy.sanitize.RequestSanitization;
import org.complianceproxy.proxy.sanitize.TenantPolicies;
import org.complianceproxy.proxy.token.TokenMinter;
import org.complianceproxy.proxy.vault.Vault;

/**
 * The way in for an OpenAI chat request: parse it once, scan every text-bearing field (see {@link
 * ChatTextFields}) under the tenant's policy, apply each finding's action, make every minted token
 * durable in the vault, resolve the caller's own tokens that the prompt carries, and write the
 * result once: the client's bytes with only the rewritten strings replaced ({@link JsonSplice}), so
 * numbers, unknown fields, key order and escapes reach the upstream exactly as the client sent
 * them.
 *
 * <p>Parsing and scanning run on the calling thread (CPU only, no I/O); the returned future
 * completes when the vault has answered, on whichever thread it answers. It fails with a {@link
 * ProxyException}, never with a message that quotes the request:
 *
 * <ul>
 *   <li>{@code INVALID_JSON}, {@code INVALID_REQUEST}, {@code MISSING_MESSAGES}: the body;
 *   <li>{@code BLOCKED_BY_POLICY} ({@link org.complianceproxy.proxy.sanitize.BlockedByPolicy}): a
 *       finding whose action under the tenant's policy is block, named by entity type and rule;
 *       nothing is stored or forwarded;
 *   <li>{@code SANITIZER_FAILED}: the scanner failed, or a token collided;
 *   <li>{@code VAULT_UNAVAILABLE}: the vault could not store or read; nothing may go upstream.
 * </ul>
 *
 * Thread-safe; one instance serves all requests.
 */
public final class ChatRequestSanitizer {

  // tenant -> the DLP scan of one text under that tenant's policy: sorted, non-overlapping findings
  private final Function<String, Function<CharSequence, List<Finding>>> scanners;
  // tokens and fingerprints
  private final TokenMinter minter;
  // where minted tokens go and pasted ones are resolved
  private final Vault vault;
  // timestamps of finding records
  private final Clock clock;

  /**
   * A sanitizer that scans each request with its tenant's input policy; finding records carry the
   * system clock's time (UTC).
   */
  public ChatRequestSanitizer(TenantPolicies policies, TokenMinter minter, Vault vault) {
    this(policies, minter, vault, Clock.systemUTC());
  }

  public ChatRequestSanitizer(
      TenantPolicies policies, TokenMinter minter, Vault vault, Clock clock) {
    this(minter, vault, clock, requireNonNull(policies, "policies")::input);
  }

  /** With the rules' own actions for every tenant; finding records carry the system clock. */
  public ChatRequestSanitizer(Scanner scanner, TokenMinter minter, Vault vault) {
    this(TenantPolicies.defaults(requireNonNull(scanner, "scanner")), minter, vault);
  }

  public ChatRequestSanitizer(Scanner scanner, TokenMinter minter, Vault vault, Clock clock) {
    this(TenantPolicies.defaults(requireNonNull(scanner, "scanner")), minter, vault, clock);
  }

  /** One scan for every tenant. */
  ChatRequestSanitizer(
      Function<CharSequence, List<Finding>> scanner, TokenMinter minter, Vault vault, Clock clock) {
    this(minter, vault, clock, scannerForEveryTenant(scanner));
  }

  private ChatRequestSanitizer(
      TokenMinter minter,
      Vault vault,
      Clock clock,
      Function<String, Function<CharSequence, List<Finding>>> scanners) {
    this.scanners = requireNonNull(scanners, "scanners");
    this.minter = requireNonNull(minter, "minter");
    this.vault = requireNonNull(vault, "vault");
    this.clock = requireNonNull(clock, "clock");
  }

  private static Function<String, Function<CharSequence, List<Finding>>> scannerForEveryTenant(
      Function<CharSequence, List<Finding>> scanner) {
    requireNonNull(scanner, "scanner");
    return tenant -> scanner;
  }

  /**
   * The audit fingerprint of {@code value} for {@code tenant}, the same as the request's finding
   * records carry: for findings in answers. Answers from memory (the request loaded the tenant's
   * keys); fails with {@code VAULT_UNAVAILABLE} when the keys are no longer there.
   */
  public String fingerprint(String tenant, EntityType type, CharSequence value) {
    return minter.fingerprint(tenant, type, value);
  }

  public CompletableFuture<SanitizedChat> sanitize(String tenant, String requestId, byte[] body) {
    requireNonNull(tenant, "tenant");
    requireNonNull(requestId, "requestId");
    requireNonNull(body, "body");
    return RequestSanitization.withTenantKeys(
        minter, tenant, () -> sanitizeWithKeys(tenant, requestId, body));
  }

  private CompletableFuture<SanitizedChat> sanitizeWithKeys(
      String tenant, String requestId, byte[] body) {
    Rewritten rewritten;
    try {
      rewritten = rewrite(tenant, requestId, body);
    } catch (ProxyException e) {
      return CompletableFuture.failedFuture(e);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(RequestSanitization.sanitizerFailure(e));
    }
    return settleWithVault(rewritten);
  }

  /**
   * The request after the CPU-only part: parsed, scanned, and rewritten by splicing the new text of
   * each changed field into the client's bytes ({@link JsonSplice}).
   */
  private record Rewritten(
      byte[] upstreamBody, String model, boolean stream, RequestSanitization sanitization) {}

  private Rewritten rewrite(String tenant, String requestId, byte[] body) {
    JsonSplice json = JsonSplice.parse(body, "request body");
    ObjectNode request = requestObject(json.root());
    String model = request.get("model").textValue();
    boolean stream = stream(request);
    RequestSanitization sanitization =
        new RequestSanitization(tenant, requestId, clock.instant(), scanners.apply(tenant), minter);
    ChatTextFields.rewrite(request, sanitization, json);
    sanitization.refuseIfBlocked(model);
    return new Rewritten(json.toBytes(), model, stream, sanitization);
  }

  /**
   * Stores the minted tokens and resolves the pasted ones, both at once; the chat may go upstream
   * only when both succeeded.
   */
  private CompletableFuture<SanitizedChat> settleWithVault(Rewritten rewritten) {
    return rewritten
        .sanitization()
        .settle(
            vault,
            restoreTable ->
                new SanitizedChat(
                    rewritten.upstreamBody(),
                    rewritten.model(),
                    rewritten.stream(),
                    restoreTable,
                    rewritten.sanitization().findings()));
  }

  private static ObjectNode requestObject(JsonNode root) {
    if (!(root instanceof ObjectNode request)) {
      throw new ProxyException(ProxyError.INVALID_REQUEST, "request body: expected a JSON object");
    }
    if (!(request.get("messages") instanceof ArrayNode messages) || messages.isEmpty()) {
      throw new ProxyException(
          ProxyError.MISSING_MESSAGES, "messages: expected a non-empty array of messages");
    }
    JsonNode model = request.get("model");
    if (model == null || !model.isTextual() || model.textValue().isEmpty()) {
      throw new ProxyException(ProxyError.INVALID_REQUEST, "model: expected a non-empty string");
    }
    return request;
  }

  private static boolean stream(ObjectNode request) {
    JsonNode stream = request.get("stream");
    if (stream == null || stream.isNull()) {
      return false;
    }
    if (!stream.isBoolean()) {
      throw new ProxyException(ProxyError.INVALID_REQUEST, "stream: expected true or false");
    }
    return stream.booleanValue();
  }
}
