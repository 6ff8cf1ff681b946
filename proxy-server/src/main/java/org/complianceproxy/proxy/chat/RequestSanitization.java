package org.complianceproxy.proxy.chat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
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
import org.complianceproxy.proxy.vault.VaultEntry;

/**
 * The state of sanitizing one request: rewrites each text field as the rules say and collects what
 * the vault and the audit need. Used by one thread at a time, first while the request is walked,
 * then by the completion that adds what the vault resolved.
 */
final class RequestSanitization implements ChatTextFields.Rewriter {

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

  RequestSanitization(
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
    List<TokenGrammar.Span> tokenSpans = TokenGrammar.findAll(text);
    for (TokenGrammar.Span span : tokenSpans) {
      String token = span.in(text);
      EntityType type = EntityType.fromTag(token.substring(2, token.indexOf('_')));
      if (type != null) {
        pasted.putIfAbsent(token, type);
      }
    }
    List<Finding> found = scan(pointer, text);
    if (found.isEmpty()) {
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
      // a token's own characters are not personal data, whatever a pattern thinks of its digits
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
    if (out == null) {
      return text;
    }
    return out.append(text, copied, text.length()).toString();
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

  List<FindingRecord> findings() {
    return findings;
  }

  /** Entries the vault must hold before the request may go upstream. */
  List<VaultEntry> mintedEntries() {
    return new ArrayList<>(minted.values());
  }

  /** Token-shaped text of the prompt that this request did not mint itself. */
  List<String> pastedTokens() {
    List<String> tokens = new ArrayList<>(pasted.size());
    for (String token : pasted.keySet()) {
      if (!minted.containsKey(token)) {
        tokens.add(token);
      }
    }
    return tokens;
  }

  /** The restore table, with the pasted tokens that the vault resolved for this tenant. */
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
