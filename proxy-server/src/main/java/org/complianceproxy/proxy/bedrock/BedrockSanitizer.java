package org.complianceproxy.proxy.bedrock;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
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
 * The way in for a native Bedrock request (Converse or an Anthropic messages body): parse it once,
 * scan every text-bearing field ({@link BedrockTextFields}) under the tenant's policy, apply each
 * finding's action as the OpenAI front door does, make every minted token durable in the vault,
 * resolve the caller's own tokens that the prompt carries, and write the result once: the client's
 * bytes with only the rewritten strings replaced ({@link JsonSplice}). The per-field work and the
 * vault settlement are {@link RequestSanitization}'s, shared with the OpenAI front door. The future
 * fails with a {@link ProxyException} only, never with a message that quotes the request.
 * Thread-safe.
 */
public final class BedrockSanitizer {

  /** The body formats of the native front door. */
  public enum Format {
    CONVERSE,
    ANTHROPIC_MESSAGES
  }

  // tenant -> the DLP scan of one text under that tenant's policy
  private final Function<String, Function<CharSequence, List<Finding>>> scanners;
  private final TokenMinter minter;
  private final Vault vault;
  private final Clock clock;

  /** Scans each request with its tenant's input policy, as the OpenAI front door does. */
  public BedrockSanitizer(TenantPolicies policies, TokenMinter minter, Vault vault) {
    this(requireNonNull(policies, "policies")::input, minter, vault, Clock.systemUTC());
  }

  /** With the rules' own actions for every tenant. */
  public BedrockSanitizer(Scanner scanner, TokenMinter minter, Vault vault) {
    this(TenantPolicies.defaults(requireNonNull(scanner, "scanner")), minter, vault);
  }

  BedrockSanitizer(
      Function<String, Function<CharSequence, List<Finding>>> scanners,
      TokenMinter minter,
      Vault vault,
      Clock clock) {
    this.scanners = requireNonNull(scanners, "scanners");
    this.minter = requireNonNull(minter, "minter");
    this.vault = requireNonNull(vault, "vault");
    this.clock = requireNonNull(clock, "clock");
  }

  public CompletableFuture<SanitizedBedrock> sanitize(
      String tenant, String requestId, Format format, byte[] body) {
    requireNonNull(tenant, "tenant");
    requireNonNull(requestId, "requestId");
    requireNonNull(body, "body");
    return RequestSanitization.withTenantKeys(
        minter, tenant, () -> sanitizeWithKeys(tenant, requestId, format, body));
  }

  private CompletableFuture<SanitizedBedrock> sanitizeWithKeys(
      String tenant, String requestId, Format format, byte[] body) {
    RequestSanitization sanitization;
    byte[] upstreamBody;
    try {
      JsonSplice json = parse(body);
      if (!(json.root() instanceof ObjectNode request)) {
        throw new ProxyException(
            ProxyError.INVALID_REQUEST, "request body: expected a JSON object");
      }
      sanitization =
          new RequestSanitization(
              tenant, requestId, clock.instant(), scanners.apply(tenant), minter);
      if (format == Format.CONVERSE) {
        BedrockTextFields.converse(request, sanitization, json);
      } else {
        BedrockTextFields.anthropic(request, sanitization, json);
      }
      upstreamBody = json.toBytes();
    } catch (ProxyException e) {
      return CompletableFuture.failedFuture(e);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(RequestSanitization.sanitizerFailure(e));
    }
    return sanitization.settle(
        vault,
        restoreTable -> new SanitizedBedrock(upstreamBody, restoreTable, sanitization.findings()));
  }

  /** The body, a repeated field name being invalid JSON at this front door (Bedrock's own view). */
  private static JsonSplice parse(byte[] body) {
    try {
      return JsonSplice.parse(body, "request body");
    } catch (ProxyException e) {
      if (e.error() == ProxyError.INVALID_REQUEST) {
        throw new ProxyException(ProxyError.INVALID_JSON, e.getMessage());
      }
      throw e;
    }
  }
}
