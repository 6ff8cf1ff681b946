package org.complianceproxy.dlp;

import static java.util.Objects.requireNonNull;

import com.google.re2j.Pattern;
import java.util.List;

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
 * @param triggers prefilter hints: where in a text a finding can start (the union of them)
 * @param maxLength the longest finding in chars; longer matches are discarded
 * @param contextSets bit mask of the context-word sets that raise confidence (or are required)
 * @param contextRequired whether a finding needs a context word nearby
 * @param contextWindow chars before a finding (half as many after) searched for context words
 * @param antiContextSets bit mask of sets whose words nearby lower confidence by {@link
 *     #ANTI_CONTEXT_PENALTY}
 * @param startsWith literal prefixes one of which every finding starts with; empty for any
 * @param minDigits fewest ASCII digits a finding holds; digit-triggered starts with fewer digits in
 *     the next {@code maxLength} chars are skipped without running the pattern
 * @param keywordLookback for keyword-triggered rules, chars before the context word that the
 *     searched window also covers (an address's house number before "Street")
 * @param filter cheap over-approximation of {@code pattern}, tried before RE2J
 * @param groupSpan finds group 1 of a match without RE2J's capture pass
 */
record Rule(
    String id,
    EntityType type,
    Pattern pattern,
    Validator validator,
    Action action,
    double confidence,
    List<Trigger> triggers,
    int maxLength,
    long contextSets,
    boolean contextRequired,
    int contextWindow,
    long antiContextSets,
    List<String> startsWith,
    int minDigits,
    int keywordLookback,
    MatchFilter filter,
    GroupSpan groupSpan) {

  /** Confidence added when a context word is near a finding whose rule does not require one. */
  static final double CONTEXT_BONUS = 0.05;

  /** Confidence removed by an anti-context word ("order", "version") near a finding. */
  static final double ANTI_CONTEXT_PENALTY = 0.5;

  /** Findings whose confidence ends below this are dropped. */
  static final double MIN_CONFIDENCE = 0.5;

  Rule {
    requireNonNull(id, "id");
    requireNonNull(type, "type");
    requireNonNull(pattern, "pattern");
    requireNonNull(validator, "validator");
    requireNonNull(action, "action");
    requireNonNull(filter, "filter");
    requireNonNull(groupSpan, "groupSpan");
    triggers = List.copyOf(triggers);
    startsWith = List.copyOf(startsWith);
  }

  boolean keywordTriggered() {
    return triggers.contains(Trigger.KEYWORD);
  }
}
