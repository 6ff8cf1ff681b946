package org.complianceproxy.dlp;

/** What the proxy does with a finding. */
public enum Action {
  /** Replace with a deterministic, reversible token; the original goes to the vault. */
  TOKENIZE,
  /** Replace irreversibly with a partial mask such as {@code ****1111}. */
  MASK,
  /** Replace with the entity type's tag only, such as {@code [EMAIL]}. */
  REDACT,
  /** Refuse the whole request, naming the entity type but never the value. */
  BLOCK,
  /** Leave the text as it is; only the audit record notes it. */
  ALLOW
}
