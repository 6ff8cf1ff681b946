package org.complianceproxy.proxy.restore;

import org.complianceproxy.dlp.Finding;

/**
 * Told about every piece of personal data that a model produced by itself and that the output
 * policy handled, for the audit trail. Called on the thread that guards the answer, in text order,
 * before the guarded text is released; it must not block.
 */
@FunctionalInterface
public interface OutputListener {

  /**
   * @param finding where the value is in the whole text of the field (offsets count from the
   *     field's first char, across every piece of a stream), its type and rule, and the action
   *     actually taken: {@code MASK}, {@code REDACT} or {@code ALLOW}
   * @param value the model's own text of the finding, only to fingerprint it; never keep or log it
   * @param field where in the answer, e.g. {@code choices/0/delta/content}
   */
  void found(Finding finding, CharSequence value, String field);

  OutputListener NONE = (finding, value, field) -> {};
}
