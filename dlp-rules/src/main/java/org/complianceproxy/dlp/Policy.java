package org.complianceproxy.dlp;

import static java.util.Objects.requireNonNull;

import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A tenant's DLP policy, applied on top of the rules by {@link Scanner#scan(CharSequence, Policy)}
 * and {@link Scanner#scanOutput(CharSequence, Policy)}. Immutable; build one per tenant at start-up
 * (or when its configuration changes) and share it.
 *
 * <ul>
 *   <li><b>Actions per entity type</b> replace the rule's action on the way in ({@code CARD ->
 *       block}); types without an override keep the rule's action.
 *   <li><b>Output actions per entity type</b> say what happens to personal data the model produced
 *       by itself on the way out; the default for every type is {@link Action#MASK}.
 *   <li><b>Allow-list</b>: values that are not sensitive for this tenant (its own support phone
 *       number, a public test card). A finding whose normalized value ({@link
 *       Normalization#normalize}) is on the list gets {@link Action#ALLOW}: audited, not replaced.
 *   <li><b>Deny-list</b>: terms that are always sensitive for this tenant (project code names,
 *       client names), matched case-insensitively as whole words, reported as {@link
 *       EntityType#CUSTOM} with the action for {@code CUSTOM} (tokenize unless overridden).
 * </ul>
 */
public final class Policy {

  /** No overrides, no lists: the rules' actions, {@code mask} on the way out. */
  public static final Policy DEFAULT = builder().build();

  /** Longest deny-list term. */
  private static final int MAX_TERM = 200;

  private final Map<EntityType, Action> actions;
  private final Map<EntityType, Action> outputActions;

  /** Normalized allowed values, per entity type. */
  private final Map<EntityType, Set<String>> allowed;

  /** Lower-case deny-list terms. */
  private final List<String> denied;

  private Policy(Builder b) {
    this.actions = Map.copyOf(b.actions);
    this.outputActions = Map.copyOf(b.outputActions);
    Map<EntityType, Set<String>> allow = new EnumMap<>(EntityType.class);
    for (Map.Entry<EntityType, Set<String>> e : b.allowed.entrySet()) {
      allow.put(
          e.getKey(),
          e.getValue().stream()
              .map(v -> Normalization.normalize(e.getKey(), v))
              .collect(Collectors.toUnmodifiableSet()));
    }
    this.allowed = Map.copyOf(allow);
    this.denied = List.copyOf(b.denied);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The action for a finding on the way in. */
  Action inputAction(Finding finding, String value) {
    if (isAllowed(finding.type(), value)) {
      return Action.ALLOW;
    }
    return actions.getOrDefault(finding.type(), finding.action());
  }

  /** The action for a finding in a model's answer. */
  Action outputAction(Finding finding, String value) {
    if (isAllowed(finding.type(), value)) {
      return Action.ALLOW;
    }
    return outputActions.getOrDefault(finding.type(), Action.MASK);
  }

  private boolean isAllowed(EntityType type, String value) {
    Set<String> values = allowed.get(type);
    return values != null && values.contains(Normalization.normalize(type, value));
  }

  /**
   * The deny-list terms, lower case: a stream's output guard holds back a tail that may still
   * become one.
   */
  public List<String> deniedTerms() {
    return denied;
  }

  Action denyAction() {
    return actions.getOrDefault(EntityType.CUSTOM, Action.TOKENIZE);
  }

  Action denyOutputAction() {
    return outputActions.getOrDefault(EntityType.CUSTOM, Action.MASK);
  }

  /** Builds a {@link Policy}; not thread-safe. */
  public static final class Builder {
    private final Map<EntityType, Action> actions = new EnumMap<>(EntityType.class);
    private final Map<EntityType, Action> outputActions = new EnumMap<>(EntityType.class);
    private final Map<EntityType, Set<String>> allowed = new HashMap<>();
    private final java.util.ArrayList<String> denied = new java.util.ArrayList<>();

    private Builder() {}

    /** The action for findings of {@code type} on the way in. */
    public Builder action(EntityType type, Action action) {
      actions.put(requireNonNull(type, "type"), requireNonNull(action, "action"));
      return this;
    }

    /** The action for findings of {@code type} that a model produced by itself. */
    public Builder outputAction(EntityType type, Action action) {
      outputActions.put(requireNonNull(type, "type"), requireNonNull(action, "action"));
      return this;
    }

    /** A value of {@code type} that is not sensitive for this tenant. */
    public Builder allow(EntityType type, String value) {
      requireNonNull(value, "value");
      allowed
          .computeIfAbsent(requireNonNull(type, "type"), t -> new java.util.HashSet<>())
          .add(value);
      return this;
    }

    /** A term that is always sensitive for this tenant, found as a whole word in any case. */
    public Builder deny(String term) {
      requireNonNull(term, "term");
      String t = term.strip();
      if (t.isEmpty() || t.length() > MAX_TERM) {
        throw new IllegalArgumentException(
            "deny: term of " + t.length() + " chars (expected: 1 to " + MAX_TERM + ")");
      }
      denied.add(t.toLowerCase(Locale.ROOT));
      return this;
    }

    public Policy build() {
      return new Policy(this);
    }
  }
}
