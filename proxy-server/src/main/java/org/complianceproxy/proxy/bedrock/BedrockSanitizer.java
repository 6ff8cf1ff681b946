package org.complianceproxy.proxy.bedrock;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import org.complianceproxy.dlp.Action;
import org.complianceproxy.dlp.EntityType;
import org.complianceproxy.dlp.Finding;
import org.complianceproxy.dlp.Masking;
import org.complianceproxy.dlp.Scanner;
import org.complianceproxy.proxy.audit.FindingRecord;
import org.complianceproxy.proxy.error.ProxyError;
import org.complianceproxy.proxy.error.ProxyException;
import org.complianceproxy.proxy.token.RestoreTable;
import org.complianceproxy.proxy.token.TokenGrammar;
import org.complianceproxy.proxy.token.TokenMinter;
import org.complianceproxy.proxy.vault.Vault;
import org.complianceproxy.proxy.vault.VaultEntry;

/**
 * The way in for a native Bedrock request (Converse or an Anthropic messages body): parse it once,
 * scan every text-bearing field ({@link BedrockTextFields}), apply each finding's action as the
 * OpenAI front door does, make every minted token durable in the vault, resolve the caller's own
 * tokens that the prompt carries, and serialize the result once. The future fails with a {@link
 * ProxyException} only, never with a message that quotes the request. Thread-safe.
 */
public final class BedrockSanitizer {

  /** The body formats of the native front door. */
  public enum Format {
    CONVERSE,
    ANTHROPIC_MESSAGES
  }

  private final Function<CharSequence, List<Finding>> scanner;
  private final TokenMinter minter;
  private final Vault vault;
  private final Clock clock;

  public BedrockSanitizer(Scanner scanner, TokenMinter minter, Vault vault) {
    this(requireNonNull(scanner, "scanner")::scan, minter, vault, Clock.systemUTC());
  }

  BedrockSanitizer(
      Function<CharSequence, List<Finding>> scanner, TokenMinter minter, Vault vault, Clock clock) {
    this.scanner = requireNonNull(scanner, "scanner");
    this.minter = requireNonNull(minter, "minter");
    this.vault = requireNonNull(vault, "vault");
    this.clock = requireNonNull(clock, "clock");
  }

  public CompletableFuture<SanitizedBedrock> sanitize(
      String tenant, String requestId, Format format, byte[] body) {
    requireNonNull(tenant, "tenant");
    requireNonNull(requestId, "requestId");
    requireNonNull(body, "body");
    Sanitization sanitization;
    byte[] upstreamBody;
    try {
      ObjectNode request = BedrockJson.parseObject(body);
      sanitization = new Sanitization(tenant, requestId, clock.instant());
      if (format == Format.CONVERSE) {
        BedrockTextFields.converse(request, sanitization);
      } else {
        BedrockTextFields.anthropic(request, sanitization);
      }
      upstreamBody = BedrockJson.write(request);
    } catch (ProxyException e) {
      return CompletableFuture.failedFuture(e);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(
          new ProxyException(ProxyError.SANITIZER_FAILED, "sanitizing failed"));
    }
    List<String> pasted = sanitization.pastedTokens();
    CompletableFuture<Void> stored;
    CompletableFuture<Map<String, String>> resolved;
    try {
      stored =
          sanitization.minted.isEmpty()
              ? CompletableFuture.completedFuture(null)
              : vault.putAll(tenant, new ArrayList<>(sanitization.minted.values()));
      resolved =
          pasted.isEmpty()
              ? CompletableFuture.completedFuture(Map.of())
              : vault.getAll(tenant, pasted);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(vaultFailure(e));
    }
    CompletableFuture<SanitizedBedrock> result = new CompletableFuture<>();
    stored
        .thenCombine(resolved, (ignored, found) -> found)
        .whenComplete(
            (found, error) -> {
              if (error != null) {
                result.completeExceptionally(vaultFailure(error));
              } else {
                result.complete(
                    new SanitizedBedrock(
                        upstreamBody, sanitization.restoreTable(found), sanitization.findings));
              }
            });
    return result;
  }

  private static ProxyException vaultFailure(Throwable error) {
    Throwable cause =
        error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    if (cause instanceof ProxyException proxyException) {
      return proxyException;
    }
    return new ProxyException(ProxyError.VAULT_UNAVAILABLE, "vault failed");
  }

  /** The state of sanitizing one request; one thread at a time. */
  private final class Sanitization implements BedrockTextFields.Rewriter {

    private final String tenant;
    private final String requestId;
    private final Instant timestamp;
    // one per finding, in document order
    private final List<FindingRecord> findings = new ArrayList<>();
    // tokens minted for this request -> what the vault must store
    private final Map<String, VaultEntry> minted = new LinkedHashMap<>();
    // token-shaped text of the prompt, with the entity type its tag names
    private final Map<String, EntityType> pasted = new LinkedHashMap<>();
    private final RestoreTable.Builder restore = RestoreTable.builder();

    Sanitization(String tenant, String requestId, Instant timestamp) {
      this.tenant = tenant;
      this.requestId = requestId;
      this.timestamp = timestamp;
    }

    @Override
    public String rewrite(String pointer, String text) {
      List<TokenGrammar.Span> tokenSpans = TokenGrammar.findAll(text);
      for (TokenGrammar.Span span : tokenSpans) {
        String token = span.in(text);
        EntityType type = EntityType.fromTag(token.substring(2, token.indexOf('_')));
        if (type != null) {
          pasted.putIfAbsent(token, type);
        }
      }
      List<Finding> found;
      try {
        found = scanner.apply(text);
      } catch (RuntimeException e) {
        throw new ProxyException(ProxyError.SANITIZER_FAILED, "scanning " + pointer + " failed");
      }
      if (found == null || found.isEmpty()) {
        return text;
      }
      StringBuilder out = null;
      int copied = 0;
      int previousEnd = 0;
      for (Finding finding : found) {
        if (finding.start() < previousEnd || finding.end() > text.length()) {
          throw new ProxyException(
              ProxyError.SANITIZER_FAILED,
              "scanner returned overlapping or out-of-range findings for " + pointer);
        }
        previousEnd = finding.end();
        if (withinToken(finding, tokenSpans)) {
          continue;
        }
        String value = text.substring(finding.start(), finding.end());
        EntityType type = finding.type();
        String token = finding.action() == Action.TOKENIZE ? mint(type, value) : null;
        String replacement =
            switch (finding.action()) {
              case BLOCK ->
                  throw new ProxyException(
                      ProxyError.BLOCKED_BY_POLICY,
                      "request contains " + type.name() + ", which policy blocks");
              case TOKENIZE -> token;
              case MASK -> Masking.mask(type, value);
              case REDACT -> "[" + type.tag() + "]";
              case ALLOW -> null;
            };
        findings.add(
            new FindingRecord(
                requestId,
                tenant,
                timestamp,
                type.name(),
                finding.ruleId(),
                finding.action().name(),
                token,
                minter.fingerprint(tenant, type, value),
                pointer,
                finding.start(),
                finding.end(),
                finding.confidence()));
        if (replacement != null) {
          if (out == null) {
            out = new StringBuilder(text.length() + 16 * found.size());
          }
          out.append(text, copied, finding.start()).append(replacement);
          copied = finding.end();
        }
      }
      return out == null ? text : out.append(text, copied, text.length()).toString();
    }

    private String mint(EntityType type, String value) {
      String token = minter.mint(tenant, type, value);
      VaultEntry previous = minted.putIfAbsent(token, new VaultEntry(token, value));
      if (previous == null) {
        restore.put(token, value, type, RestoreTable.SOURCE_REQUEST);
      } else if (!previous.value().equals(value)) {
        throw new ProxyException(
            ProxyError.SANITIZER_FAILED,
            "token collision: two different values of this request map to " + token);
      }
      return token;
    }

    private boolean withinToken(Finding finding, List<TokenGrammar.Span> tokenSpans) {
      for (TokenGrammar.Span span : tokenSpans) {
        if (span.start() <= finding.start() && finding.end() <= span.end()) {
          return true;
        }
      }
      return false;
    }

    List<String> pastedTokens() {
      List<String> tokens = new ArrayList<>();
      for (String token : pasted.keySet()) {
        if (!minted.containsKey(token)) {
          tokens.add(token);
        }
      }
      return tokens;
    }

    RestoreTable restoreTable(Map<String, String> resolved) {
      for (Map.Entry<String, String> entry : resolved.entrySet()) {
        EntityType type = pasted.get(entry.getKey());
        if (type != null) {
          restore.put(entry.getKey(), entry.getValue(), type, RestoreTable.SOURCE_VAULT);
        }
      }
      return restore.build();
    }
  }
}
