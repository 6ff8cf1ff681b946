package org.complianceproxy.proxy.audit;

import java.time.Instant;

/**
 * An administrative vault operation, recorded whether it succeeded or was refused. Never holds the
 * revealed value.
 *
 * @param requestId the admin request that asked for it
 * @param tenant the tenant whose vault was concerned
 * @param operation {@code reveal}, {@code rotate} or {@code shred}
 * @param actor the id (fingerprint) of the admin key used, never the key
 * @param token the token revealed, or {@code null}
 * @param entityType the revealed token's entity type, or {@code null}
 * @param keyVersion the key version concerned, or {@code null}
 * @param entries vault entries touched, or {@code null}
 * @param reason a justification reference such as a ticket id ({@code [A-Za-z0-9._:/#-]{1,100}}),
 *     or {@code null}
 * @param outcome {@code ok}, {@code denied}, {@code not_found} or {@code error}
 */
public record VaultOperationRecord(
    String requestId,
    String tenant,
    Instant timestamp,
    String operation,
    String actor,
    String token,
    String entityType,
    Integer keyVersion,
    Long entries,
    String reason,
    String outcome)
    implements AuditRecord {

  @Override
  public String kind() {
    return "vault_operation";
  }
}
