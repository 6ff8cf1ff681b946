package org.complianceproxy.proxy.chat;

import static java.util.Objects.requireNonNull;

import java.util.List;
import org.complianceproxy.proxy.audit.FindingRecord;
import org.complianceproxy.proxy.token.TokenLookup;

/**
 * A chat request that may go upstream: nothing in {@code upstreamBody} is clear personal data the
 * rules tokenize, mask, redact or block, and every token it carries is durable in the vault.
 *
 * @param upstreamBody the request as JSON, written once (the client's bytes with the rewritten
 *     strings spliced in); the array is not copied, do not modify
 * @param model the {@code model} field, for routing
 * @param stream whether the client asked for a streamed answer
 * @param restoreTable the tokens the answer may restore: those minted for this request and the
 *     caller's own tokens that the prompt carried
 * @param findings one audit record per finding, in document order
 */
public record SanitizedChat(
    byte[] upstreamBody,
    String model,
    boolean stream,
    TokenLookup restoreTable,
    List<FindingRecord> findings) {

  public SanitizedChat {
    requireNonNull(upstreamBody, "upstreamBody");
    requireNonNull(model, "model");
    requireNonNull(restoreTable, "restoreTable");
    findings = List.copyOf(findings);
  }

  /** Sizes and counts only: the body may hold values the rules allow. */
  @Override
  public String toString() {
    return "SanitizedChat[model="
        + model
        + ", stream="
        + stream
        + ", upstreamBody="
        + upstreamBody.length
        + " bytes, restoreTable="
        + restoreTable
        + ", findings="
        + findings.size()
        + "]";
  }
}
