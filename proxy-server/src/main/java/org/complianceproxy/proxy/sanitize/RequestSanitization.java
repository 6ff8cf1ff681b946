package org.complianceproxy.proxy.sanitize;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import java.util.function.Supplier;
import org.complianceproxy.dlp.Action;
import org.complianceproxy.dlp.EntityType;
import org.complianceproxy.dlp.Finding;
import org.complianceproxy.dlp.Masking;
import org.complianceproxy.proxy.audit.FindingRecord;
import org.complianceproxy.proxy.error.ProxyError;
import org.complianceproxy.proxy.error.ProxyException;
import org.complianceproxy.proxy.token.RestoreTable;
import org.complianceproxy.proxy.token.TokenGrammar;
import org.complianceproxy.proxy.token.TokenMinter;
import org.complianceproxy.proxy.vault.Vault;
import org.complianceproxy.proxy.vault.VaultEntry;

/**
 * The state of sanitizing one request, whatever its front door: rewrites each text field as the
 * rules say (scan, apply each finding's action, mint tokens), collects what the vault and the audit
 * need, then {@linkplain #settle settles} with the vault. Used by one thread at a time, first while
 * the request is walked, then by the completion that adds what the vault resolved.
 *
 * <p>Failures are {@link ProxyException}s whose messages never quote the request:
 *
 * <ul>
 *   <li>{@code BLOCKED_BY_POLICY} ({@link BlockedByPolicy}): a finding whose action is {@code
 *       BLOCK}, named by entity type and rule. The walk goes on to the end so that the refusal
 *       carries every finding of the request for the audit trail; {@link #settle} then refuses
 *       before the vault is touched, so nothing of a blocked request is stored or forwarded;
 *   <li>{@code SANITIZER_FAILED}: the scanner failed or returned overlapping or out-of-range
 *       findings, or a token collided;
 *   <li>{@code VAULT_UNAVAILABLE}: the vault could not store or read (see {@link #vaultFailure}).
 * </ul>
 */
public final class RequestSanitization implements TextRewriter {

  // whose keys and vault entries apply
  private final String tenant;
  // carried into every finding record
  private final String requestId;
  // one instant for all records of the request
  private final Instant timestamp;
  // the DLP scan of one text
  private final Function<CharSequence, List<Finding>> scanner;
  // tokens and fingerprints
  private final TokenMinter minter;

  // one per finding, in document order
  private final List<FindingRecord> findings = new ArrayList<>();
  // tokens minted for this request -> what the vault must store
  private final Map<String, VaultEntry> minted = new LinkedHashMap<>();
  // tokens found in the prompt (pasted back, or earlier turns), with the entity type their tag
  // names
  private final Map<String, EntityType> pasted = new LinkedHashMap<>();
  // what the response may restore
  private final RestoreTable.Builder restore = RestoreTable.builder();
  // the first finding whose action is BLOCK; null while the request may go on
  private Finding block;

  public RequestSanitization(
      String tenant,
      String requestId,
      Instant timestamp,
      Function<CharSequence, List<Finding>> scanner,
      TokenMinter minter) {
    this.tenant = tenant;
    this.requestId = requestId;
    this.timestamp = timestamp;
    this.scanner = scanner;
    this.minter = minter;
  }

  @Override
  public String rewrite(String pointer, String text) {
    return rewriteText(pointer, text).toString();
  }

  /**
   * The new text as a view of {@code text} with the findings replaced ({@link SplicedText}), or
   * {@code text} itself when nothing changes: the upstream body is written from it once, without a
   * copy of the whole field in between.
   */
  @Override
  public CharSequence rewriteText(String pointer, String text) {
    List<TokenGrammar.Span> tokenSpans =
        text.indexOf("<<") < 0 ? List.of() : TokenGrammar.findAll(text);
    for (TokenGrammar.Span span : tokenSpans) {
      String token = span.in(text);
      EntityType type = EntityType.fromTag(token.substring(2, token.indexOf('_')));
      if (type != null) {
        pasted.putIfAbsent(token, type);
      }
    }
    // Tokens the caller pasted are resolved, not scanned: blanked, their letters are no context for
    // the words around them. Offsets are kept, so findings index the text itself.
    List<Finding> found = scan(pointer, TokenGrammar.withBlankTokens(text, tokenSpans));
    if (found.isEmpty()) {
      return text;
    }
    SplicedText.Builder out = null;
    int previousEnd = 0;
    for (Finding finding : found) {
      if (finding.start() < previousEnd || finding.end() > text.length()) {
        throw new ProxyException(
            ProxyError.SANITIZER_FAILED,
            "scanner returned overlapping or out-of-range findings for " + pointer);
      }
      previousEnd = finding.end();
      // a token's own characters are not personal data, whatever a pattern thinks of its digits
      if (withinToken(finding, tokenSpans)) {
        continue;
      }
      String value = text.substring(finding.start(), finding.end());
      EntityType type = finding.type();
      String token = finding.action() == Action.TOKENIZE ? mint(type, value) : null;
      String replacement =
          switch (finding.action()) {
            case BLOCK -> {
              if (block == null) {
                block = finding;
              }
              // The request will be refused; the value still never stays in the rewritten text.
              yield "[" + type.tag() + "]";
            }
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
          out = SplicedText.builder(text);
        }
        out.replace(finding.start(), finding.end(), replacement);
      }
    }
    return out == null ? text : out.build();
  }

  private List<Finding> scan(String pointer, String text) {
    try {
      List<Finding> found = scanner.apply(text);
      return found == null ? List.of() : found;
    } catch (RuntimeException e) {
      throw new ProxyException(
          ProxyError.SANITIZER_FAILED, "scanning " + pointer + " failed", Scrubbed.of(e));
    }
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

  private static boolean withinToken(Finding finding, List<TokenGrammar.Span> tokenSpans) {
    for (TokenGrammar.Span span : tokenSpans) {
      if (span.start() <= finding.start() && finding.end() <= span.end()) {
        return true;
      }
    }
    return false;
  }

  /**
   * Throws {@link BlockedByPolicy} when a finding blocked the request; {@link #settle} refuses it
   * anyway, this names the model in the refusal.
   *
   * @param model the model the request asked for, for the audit trail
   */
  public void refuseIfBlocked(String model) {
    if (block != null) {
      throw new BlockedByPolicy(block.type(), block.ruleId(), findings, model);
    }
  }

  /** One audit record per finding, in document order. */
  public List<FindingRecord> findings() {
    return findings;
  }

  /** Entries the vault must hold before the request may go upstream. */
  public List<VaultEntry> mintedEntries() {
    return new ArrayList<>(minted.values());
  }

  /** Token-shaped text of the prompt that this request did not mint itself. */
  public List<String> pastedTokens() {
    List<String> tokens = new ArrayList<>(pasted.size());
    for (String token : pasted.keySet()) {
      if (!minted.containsKey(token)) {
        tokens.add(token);
      }
    }
    return tokens;
  }

  /** The restore table, with the pasted tokens that the vault resolved for this tenant. */
  public RestoreTable restoreTable(Map<String, String> resolved) {
    for (Map.Entry<String, String> entry : resolved.entrySet()) {
      EntityType type = pasted.get(entry.getKey());
      if (type != null) {
        restore.put(entry.getKey(), entry.getValue(), type, RestoreTable.SOURCE_VAULT);
      }
    }
    return restore.build();
  }

  /**
   * Stores the minted tokens and resolves the pasted ones in {@code vault}, both at once; only when
   * both succeeded does the result complete, with {@code finish} applied to the restore table. It
   * fails with {@link BlockedByPolicy} when a finding blocks the request (without touching the
   * vault), with {@link #vaultFailure} when the vault failed, and with {@code SANITIZER_FAILED}
   * when building the restore table or {@code finish} threw.
   */
  public <T> CompletableFuture<T> settle(Vault vault, Function<RestoreTable, T> finish) {
    if (block != null) {
      return CompletableFuture.failedFuture(
          new BlockedByPolicy(block.type(), block.ruleId(), findings, null));
    }
    List<VaultEntry> mintedEntries = mintedEntries();
    List<String> pastedTokens = pastedTokens();
    CompletableFuture<Void> stored;
    CompletableFuture<Map<String, String>> resolved;
    try {
      stored =
          mintedEntries.isEmpty()
              ? CompletableFuture.completedFuture(null)
              : vault.putAll(tenant, mintedEntries);
      resolved =
          pastedTokens.isEmpty()
              ? CompletableFuture.completedFuture(Map.of())
              : vault.getAll(tenant, pastedTokens);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(vaultFailure(e));
    }
    CompletableFuture<T> result = new CompletableFuture<>();
    stored
        .thenCombine(resolved, (ignored, found) -> found)
        .whenComplete(
            (found, error) -> {
              if (error != null) {
                result.completeExceptionally(vaultFailure(error));
                return;
              }
              try {
                result.complete(finish.apply(restoreTable(found)));
              } catch (RuntimeException e) {
                result.completeExceptionally(sanitizerFailure(e));
              }
            });
    return result;
  }

  /**
   * Runs {@code work} once the tenant's keys are loaded. With KMS a tenant's first request needs a
   * data key; that call runs off the event loop, and a failure refuses the request ({@code
   * VAULT_UNAVAILABLE}) instead of minting without keys. When the keys are cached, {@code work}
   * runs at once on the calling thread.
   */
  public static <T> CompletableFuture<T> withTenantKeys(
      TokenMinter minter, String tenant, Supplier<CompletableFuture<T>> work) {
    CompletableFuture<Void> keysReady = minter.prepare(tenant);
    if (keysReady.isDone() && !keysReady.isCompletedExceptionally()) {
      return work.get();
    }
    return keysReady
        .handle(
            (ignored, error) ->
                error != null ? CompletableFuture.<T>failedFuture(vaultFailure(error)) : work.get())
        .thenCompose(result -> result);
  }

  /**
   * A failure of the vault (or of the key source it depends on): the vault's own verdicts
   * (collision, unavailable) stand; anything else means it could not answer, {@code
   * VAULT_UNAVAILABLE}.
   */
  public static ProxyException vaultFailure(Throwable error) {
    Throwable cause =
        error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    if (cause instanceof ProxyException proxyException) {
      return proxyException;
    }
    return new ProxyException(ProxyError.VAULT_UNAVAILABLE, "vault failed", Scrubbed.of(cause));
  }

  /** An unexpected failure while sanitizing: {@code SANITIZER_FAILED}, its message scrubbed. */
  public static ProxyException sanitizerFailure(RuntimeException error) {
    return new ProxyException(ProxyError.SANITIZER_FAILED, "sanitizing failed", Scrubbed.of(error));
  }
}
