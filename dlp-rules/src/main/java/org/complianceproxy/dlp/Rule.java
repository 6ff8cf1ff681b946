package org.complianceproxy.dlp;

import static java.util.Objects.requireNonNull;

import com.google.re2j.Pattern;

/**
 * One detection rule, as loaded from a rule file. Immutable and safe to share between threads: a
 * RE2J {@link Pattern} is thread-safe, matchers are created per scan.
 *
 * @param id unique rule name, carried into every finding
 * @param type what the rule finds
 * @param pattern candidate pattern; group 1, when present, is the finding
 * @param validator check a candidate must pass
 * @param action what the proxy does with a finding
 * @param confidence in (0, 1]; ranks equally long overlapping findings
 * @param trigger prefilter hint: where in a text a finding can start
 * @param maxLength the longest finding in chars; longer matches are discarded
 */
record Rule(
    String id,
    EntityType type,
    Pattern pattern,
    Validator validator,
    Action action,
    double confidence,
    Trigger trigger,
    int maxLength) {

  Rule {
    requireNonNull(id, "id");
    requireNonNull(type, "type");
    requireNonNull(pattern, "pattern");
    requireNonNull(validator, "validator");
    requireNonNull(action, "action");
    requireNonNull(trigger, "trigger");
  }
}
