package org.complianceproxy.proxy.vault;

import java.util.concurrent.CompletableFuture;

/**
 * Where vault operations are recorded. The future completes once the record is durable; an
 * operation whose record cannot be written is refused (a reveal discloses nothing).
 */
@FunctionalInterface
public interface VaultAudit {

  CompletableFuture<Void> record(VaultOperationEvent record);
}
