package org.complianceproxy.proxy.audit;

import java.time.Instant;

/**
 * One token put back into the answer on the way out.
 *
 * @param source {@code request} when the token was minted for this request, {@code vault} when an
 *     earlier request minted it and the vault restored it
 * @param field where in the answer, e.g. {@code choices/0/delta/content}
 */
public record RestoreRecord(
    String requestId,
    String tenant,
    Instant timestamp,
    String entityType,
    String token,
    String source,
    String field)
    implements AuditRecord {

  @Override
  public String kind() {
    return "restore";
  }
}
