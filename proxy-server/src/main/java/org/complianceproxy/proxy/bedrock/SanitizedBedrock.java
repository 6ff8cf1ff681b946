package org.complianceproxy.proxy.bedrock;

import static java.util.Objects.requireNonNull;

import java.util.List;
import org.complianceproxy.proxy.audit.FindingRecord;
import org.complianceproxy.proxy.token.TokenLookup;

/**
 * A Bedrock request body that may go upstream: its text fields hold tokens instead of the values
 * the rules tokenize, and every token it carries is durable in the vault.
 *
 * @param upstreamBody the JSON body, serialized once; the array is not copied, do not modify
 * @param restoreTable what the answer may restore
 * @param findings one audit record per finding, in document order
 */
public record SanitizedBedrock(
    byte[] upstreamBody, TokenLookup restoreTable, List<FindingRecord> findings) {

  public SanitizedBedrock {
    requireNonNull(upstreamBody, "upstreamBody");
    requireNonNull(restoreTable, "restoreTable");
    findings = List.copyOf(findings);
  }

  @Override
  public String toString() {
    return "SanitizedBedrock[upstreamBody="
        + upstreamBody.length
        + " bytes, findings="
        + findings.size()
        + "]";
  }
}
