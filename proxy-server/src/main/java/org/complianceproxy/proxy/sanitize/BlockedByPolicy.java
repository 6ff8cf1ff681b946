package org.complianceproxy.proxy.sanitize;

import static java.util.Objects.requireNonNull;

import java.util.List;
import org.complianceproxy.dlp.EntityType;
import org.complianceproxy.proxy.audit.FindingRecord;
import org.complianceproxy.proxy.error.ProxyError;
import org.complianceproxy.proxy.error.ProxyException;

/**
 * {@code BLOCKED_BY_POLICY}: the tenant's policy blocks an entity type the request contains. Names
 * the entity type and the rule that found it, never the value; carries every finding of the request
 * (the blocking ones with action {@code BLOCK}) so that the audit trail shows what was found
 * although nothing was forwarded.
 */
public final class BlockedByPolicy extends ProxyException {

  private static final long serialVersionUID = 1L;

  // the first finding whose action is BLOCK, in document order
  private final EntityType entityType;
  private final String ruleId;
  // every finding of the request, in document order
  private final transient List<FindingRecord> findings;
  // the model the request asked for, when the sanitizer knows it
  private final String model;

  /**
   * @param findings every finding of the request, in document order
   * @param model the model the request asked for, or null when the sanitizer does not know it
   */
  public BlockedByPolicy(
      EntityType entityType, String ruleId, List<FindingRecord> findings, String model) {
    super(
        ProxyError.BLOCKED_BY_POLICY,
        "The request contains "
            + requireNonNull(entityType, "entityType").name()
            + " (rule "
            + requireNonNull(ruleId, "ruleId")
            + "), which the policy blocks; nothing was sent to the model.");
    this.entityType = entityType;
    this.ruleId = ruleId;
    this.findings = List.copyOf(findings);
    this.model = model;
  }

  /** The model the request asked for, or null when the sanitizer did not know it. */
  public String model() {
    return model;
  }

  public EntityType entityType() {
    return entityType;
  }

  public String ruleId() {
    return ruleId;
  }

  /** One audit record per finding of the request, in document order. */
  public List<FindingRecord> findings() {
    return findings;
  }
}
