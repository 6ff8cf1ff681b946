package org.complianceproxy.dlp;

import static java.util.Objects.requireNonNull;

import java.util.function.Predicate;

/**
 * A rule's pattern and validator as data, for tools that run the rules another way than the scanner
 * does (the naive java.util.regex baseline of the scanner benchmark). Immutable.
 *
 * @param id the rule's id
 * @param type what the rule finds
 * @param regex the rule's pattern source; group 1, when present, is the candidate
 * @param validator the rule's check of a candidate; total, never throws
 */
public record RulePattern(String id, EntityType type, String regex, Predicate<String> validator) {

  public RulePattern {
    requireNonNull(id, "id");
    requireNonNull(type, "type");
    requireNonNull(regex, "regex");
    requireNonNull(validator, "validator");
  }
}
