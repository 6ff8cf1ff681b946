package org.complianceproxy.dlp;

/**
 * The prefilter hint of a rule: what every finding of the rule contains, and so where a finding can
 * start. The prefilter finds the hits of every trigger in one pass over the text; a rule's pattern
 * is then only tried, anchored, at the starts its trigger allows.
 */
enum Trigger {
  /**
   * A run of ASCII digits no longer than the rule's {@code max_length}; the finding starts at the
   * run's first digit, or at a {@code '('} or {@code '+'} right before it. A longer run cannot be
   * part of a finding: findings are never adjacent to a digit, so they would contain the whole run.
   */
  DIGIT("digit"),
  /** A {@code '+'} followed by a digit, where the finding starts (international phone numbers). */
  PLUS_DIGIT("plus-digit"),
  /** Two upper-case ASCII letters and two digits, where the finding starts (an IBAN's head). */
  LETTERS_DIGITS("letters-digits"),
  /**
   * An {@code '@'} with an ASCII letter or digit after it; the finding starts where the run of
   * e-mail local-part characters ({@code A-Z a-z 0-9 . _ % + -}) before it starts.
   */
  AT("at"),
  /** No hint: the pattern is tried at every start of a word or number. */
  NONE("none");

  /** The name used in rule files. */
  private final String yamlName;

  Trigger(String yamlName) {
    this.yamlName = yamlName;
  }

  String yamlName() {
    return yamlName;
  }

  /** The trigger named {@code name} in a rule file, or {@code null}. */
  static Trigger fromYamlName(String name) {
    for (Trigger trigger : values()) {
      if (trigger.yamlName.equals(name)) {
        return trigger;
      }
    }
    return null;
  }
}
