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
  /** Two upper-case ASCII letters, a space and a digit, where the finding starts ("AB 12 34"). */
  LETTERS_SPACE_DIGIT("letters-space-digit"),
  /**
   * A run of ASCII letters and digits that holds both (or of 16 letters or more), no longer than
   * the rule's {@code max_length}; the finding starts at the run (ISIN, LEI, NINO, access keys).
   */
  ALNUM("alnum"),
  /** A run of hex digits, {@code ':'} and {@code '.'} with at least two colons (IPv6). */
  HEX_COLON("hex-colon"),
  /**
   * A word of the rule's context sets: the pattern is searched, unanchored, in a window from a few
   * chars before the word to {@code context_window + max_length} chars after it.
   */
  KEYWORD("keyword"),
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
