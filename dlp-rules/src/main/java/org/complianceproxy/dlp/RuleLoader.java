package org.complianceproxy.dlp;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Reads a rule file into {@link Rule}s and validates it whole, so that a bad file fails at start-up
 * with a message naming the key, the value and what was expected, e.g. {@code rules[2].confidence:
 * 1.5 (expected: 0 < confidence <= 1)}.
 */
final class RuleLoader {

  /** Keys a rule may have. */
  private static final Set<String> KEYS =
      Set.of(
          "id",
          "type",
          "pattern",
          "validator",
          "action",
          "confidence",
          "prefilter",
          "max_length",
          "context",
          "context_required",
          "context_window",
          "anti_context",
          "starts_with",
          "min_digits",
          "keyword_lookback");

  /** Longest {@code max_length} accepted: every try reads a slice that long. */
  private static final int MAX_MAX_LENGTH = 8192;

  /** Largest {@code context_window}. */
  private static final int MAX_CONTEXT_WINDOW = 256;

  /** Context sets a file may define: one bit each in a long. */
  private static final int MAX_CONTEXT_SETS = 64;

  /** A whole rule file: its rules, and the context words their {@code context} keys name. */
  record RuleSet(
      List<Rule> rules, Keywords keywords, Map<String, Long> contextSets, boolean names) {}

  private static final YAMLMapper YAML = new YAMLMapper();

  private RuleLoader() {}

  static List<Rule> load(InputStream in) {
    return loadSet(in).rules();
  }

  static RuleSet loadSet(InputStream in) {
    Problems problems = new Problems();
    RuleSet set = loadSet(in, problems);
    problems.throwIfAny();
    return set;
  }

  /** One problem of a rule file. */
  record Problem(
      /* the rule's id, or null when the problem is not in a rule or the rule has no id */
      String ruleId,
      /* where, e.g. {@code rules[2] (card).confidence}; the key alone in {@link #key} */
      String where,
      /* the key inside the rule ({@code confidence}), or null */
      String key,
      /* what is wrong and what was expected */
      String detail) {

    /** The classic one-line form: {@code rules[2] (card).confidence: 1.5 (expected: ...)}. */
    String message() {
      return where + ": " + detail;
    }
  }

  /** Problems found so far in one file. */
  static final class Problems {
    private final List<Problem> list = new ArrayList<>();

    /** Entries under {@code rules}, valid or not. */
    private int rulesSeen;

    int rulesSeen() {
      return rulesSeen;
    }

    void add(String where, String detail) {
      list.add(new Problem(null, where, null, detail));
    }

    void add(String ruleId, String where, String key, String detail) {
      list.add(new Problem(ruleId, where, key, detail));
    }

    List<Problem> list() {
      return List.copyOf(list);
    }

    int size() {
      return list.size();
    }

    void throwIfAny() {
      if (!list.isEmpty()) {
        throw new IllegalArgumentException(
            list.stream().map(Problem::message).collect(Collectors.joining("\n")));
      }
    }
  }

  /** A problem found while reading one value; the reader records it and goes on. */
  private static final class Invalid extends Exception {
    final String key;
    final String detail;

    Invalid(String key, String detail) {
      super(null, null, false, false);
      this.key = key;
      this.detail = detail;
    }
  }

  /**
   * Reads the whole file, recording every problem found in {@code problems} instead of stopping at
   * the first; returns the rules that are valid (all of them when {@code problems} stays empty), or
   * null when the file is not YAML of the expected shape at all.
   */
  static RuleSet loadSet(InputStream in, Problems problems) {
    JsonNode root;
    try {
      root = YAML.readTree(in);
    } catch (JacksonException e) {
      problems.add("rule file", "not valid YAML: " + oneLine(e.getOriginalMessage()));
      return null;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read rule file", e);
    }
    if (root == null || !root.isObject()) {
      problems.add("rule file", root + " (expected: a mapping with key rules)");
      return null;
    }
    Iterator<String> topKeys = root.fieldNames();
    while (topKeys.hasNext()) {
      String key = topKeys.next();
      if (!key.equals("rules") && !key.equals("contexts") && !key.equals("names")) {
        problems.add(key, "unknown key (expected: one of contexts, names, rules)");
      }
    }
    Map<String, Long> contextSets = new LinkedHashMap<>();
    Map<String, Long> wordSets = new HashMap<>();
    JsonNode contexts = root.get("contexts");
    if (contexts != null) {
      if (!contexts.isObject()) {
        problems.add(
            "contexts", contexts + " (expected: a mapping of set name to a list of words)");
      }
      Iterator<Map.Entry<String, JsonNode>> sets =
          contexts.isObject() ? contexts.fields() : java.util.Collections.emptyIterator();
      while (sets.hasNext()) {
        Map.Entry<String, JsonNode> set = sets.next();
        String at = "contexts." + set.getKey();
        if (contextSets.size() == MAX_CONTEXT_SETS) {
          problems.add(at, "one set too many (expected: at most " + MAX_CONTEXT_SETS + " sets)");
          continue;
        }
        long bit = 1L << contextSets.size();
        contextSets.put(set.getKey(), bit);
        if (!set.getValue().isArray() || set.getValue().isEmpty()) {
          problems.add(at, set.getValue() + " (expected: a non-empty list of words)");
          continue;
        }
        for (JsonNode word : set.getValue()) {
          String w = word.asText("");
          String letters = w.startsWith("-") ? w.substring(1) : w;
          if (!word.isTextual()
              || letters.isEmpty()
              || w.length() > Keywords.MAX_WORD
              || !letters.chars().allMatch(Character::isLetter)) {
            problems.add(
                at,
                word
                    + " (expected: a single word of letters, or -ending, at most "
                    + Keywords.MAX_WORD
                    + " chars)");
            continue;
          }
          wordSets.merge(Keywords.lowerAll(w), bit, (a, b) -> a | b);
        }
      }
    }
    List<Rule> rules = new ArrayList<>();
    JsonNode list = root.path("rules");
    if (!list.isArray()) {
      problems.add(
          "rules",
          (list.isMissingNode() ? "missing" : String.valueOf(list))
              + " (expected: a list of rules)");
    } else if (list.isEmpty()) {
      problems.add("rules", "[] (expected: at least one rule)");
    }
    Set<String> ids = new HashSet<>();
    problems.rulesSeen = list.size();
    for (int i = 0; i < list.size(); i++) {
      String at = "rules[" + i + "]";
      JsonNode node = list.get(i);
      String id = node.path("id").isTextual() ? node.path("id").textValue() : null;
      if (id != null && !id.isBlank() && !ids.add(id)) {
        problems.add(id, at + ".id", "id", id + " (expected: unique, already used)");
      }
      Rule rule = rule(at, node, contextSets, problems);
      if (rule != null) {
        rules.add(rule);
      }
    }
    JsonNode namesNode = root.get("names");
    if (namesNode != null && !namesNode.isBoolean()) {
      problems.add("names", namesNode + " (expected: true or false)");
    }
    boolean names = namesNode != null && namesNode.booleanValue();
    return new RuleSet(List.copyOf(rules), new Keywords(wordSets), Map.copyOf(contextSets), names);
  }

  /** A reader of one value of a rule, which throws {@link Invalid} when the value is bad. */
  @FunctionalInterface
  private interface Read<T> {
    T read() throws Invalid;
  }

  /** The rule at {@code at}, or null after recording its problems (all of them, key by key). */
  private static Rule rule(
      String at, JsonNode node, Map<String, Long> contextSets, Problems problems) {
    if (!node.isObject()) {
      problems.add(at, node + " (expected: a mapping)");
      return null;
    }
    int before = problems.size();
    JsonNode idNode = node.get("id");
    String id = idNode != null && idNode.isTextual() ? idNode.textValue() : null;
    String where = id == null || id.isBlank() ? at : at + " (" + id + ")";
    String ruleId = id == null || id.isBlank() ? null : id;
    RuleReader r = new RuleReader(ruleId, at, where, problems);
    Iterator<String> keys = node.fieldNames();
    while (keys.hasNext()) {
      String key = keys.next();
      if (!KEYS.contains(key)) {
        // Named by position: the classic message, which an unknown key makes most useful.
        problems.add(
            ruleId, at + "." + key, key, "unknown key (expected: one of " + sorted(KEYS) + ")");
      }
    }
    r.get(
        "id",
        () -> {
          String value = text(node, "id");
          if (value.isBlank()) {
            throw new Invalid("id", "'' (expected: a non-blank name)");
          }
          return value;
        });
    EntityType type =
        r.get("type", () -> enumValue("type", text(node, "type"), EntityType.values()));
    Action action =
        r.get("action", () -> enumValue("action", text(node, "action"), Action.values()));
    Validator validator =
        r.get(
            "validator",
            () -> {
              String name = text(node, "validator");
              Validator v = Validator.fromYamlName(name);
              if (v == null) {
                throw new Invalid(
                    "validator",
                    name
                        + " (expected: one of "
                        + Arrays.stream(Validator.values()).map(Validator::yamlName).toList()
                        + ")");
              }
              return v;
            });
    List<Trigger> triggers = r.get("prefilter", () -> triggers(node));
    Long context = r.get("context", () -> contextMask("context", node.get("context"), contextSets));
    Long antiContext =
        r.get(
            "anti_context",
            () -> contextMask("anti_context", node.get("anti_context"), contextSets));
    Boolean contextRequired =
        r.get(
            "context_required",
            () -> {
              JsonNode value = node.get("context_required");
              if (value != null && !value.isBoolean()) {
                throw new Invalid("context_required", value + " (expected: true or false)");
              }
              return value != null && value.booleanValue();
            });
    if (contextRequired != null && triggers != null && context != null) {
      r.get(
          "context",
          () -> {
            if ((contextRequired || triggers.contains(Trigger.KEYWORD)) && context == 0) {
              throw new Invalid(
                  "context",
                  "missing (expected: a context set, since the rule "
                      + (contextRequired ? "requires context" : "is triggered by keywords")
                      + ")");
            }
            return context;
          });
    }
    Integer contextWindow =
        r.get(
            "context_window", () -> optionalInt(node, "context_window", 40, 1, MAX_CONTEXT_WINDOW));
    List<String> startsWith = r.get("starts_with", () -> startsWith(node));
    Double confidence =
        r.get(
            "confidence",
            () -> {
              JsonNode value = required(node, "confidence");
              double c = value.asDouble(Double.NaN);
              if (!value.isNumber() || !(c > 0 && c <= 1)) {
                throw new Invalid("confidence", value + " (expected: 0 < confidence <= 1)");
              }
              return c;
            });
    Integer maxLength =
        r.get(
            "max_length",
            () -> {
              required(node, "max_length");
              return optionalInt(node, "max_length", 0, 1, MAX_MAX_LENGTH);
            });
    String regex = r.get("pattern", () -> text(node, "pattern"));
    Pattern pattern =
        regex == null
            ? null
            : r.get(
                "pattern",
                () -> {
                  Pattern p;
                  try {
                    p = Pattern.compile(regex);
                  } catch (PatternSyntaxException e) {
                    throw new Invalid(
                        "pattern",
                        regex + " (expected: a RE2J pattern; " + oneLine(e.getMessage()) + ")");
                  }
                  if (p.groupCount() < 1) {
                    throw new Invalid(
                        "pattern", regex + " (expected: a capturing group 1 around the finding)");
                  }
                  return p;
                });
    Integer minDigits =
        maxLength == null
            ? null
            : r.get(
                "min_digits",
                () -> {
                  JsonNode value = node.get("min_digits");
                  if (value != null
                      && (!value.isInt() || value.intValue() < 0 || value.intValue() > maxLength)) {
                    throw new Invalid(
                        "min_digits",
                        value + " (expected: an integer, 0 <= min_digits <= max_length)");
                  }
                  return value == null ? 0 : value.intValue();
                });
    Integer lookback =
        r.get("keyword_lookback", () -> optionalInt(node, "keyword_lookback", 8, 0, 128));
    if (problems.size() > before) {
      return null;
    }
    return new Rule(
        id,
        type,
        pattern,
        validator,
        action,
        confidence,
        triggers,
        maxLength,
        context,
        contextRequired,
        contextWindow,
        antiContext,
        startsWith,
        minDigits,
        lookback,
        MatchFilter.of(regex),
        GroupSpan.of(regex));
  }

  /** Runs the readers of one rule, recording each problem under the rule's id. */
  private record RuleReader(String ruleId, String at, String where, Problems problems) {
    <T> T get(String key, Read<T> read) {
      try {
        return read.read();
      } catch (Invalid e) {
        // Missing keys are named by position, as they may be the id itself.
        String prefix = e.detail.startsWith("missing (") && !"context".equals(e.key) ? at : where;
        problems.add(ruleId, prefix + "." + e.key, e.key, e.detail);
        return null;
      }
    }
  }

  private static List<Trigger> triggers(JsonNode node) throws Invalid {
    List<Trigger> triggers = new ArrayList<>();
    JsonNode prefilterNode = required(node, "prefilter");
    for (JsonNode one : prefilterNode.isArray() ? prefilterNode : List.of(prefilterNode)) {
      Trigger trigger = Trigger.fromYamlName(one.asText(""));
      if (trigger == null || !one.isTextual()) {
        throw new Invalid(
            "prefilter",
            one.asText(one.toString())
                + " (expected: one of "
                + Arrays.stream(Trigger.values()).map(Trigger::yamlName).toList()
                + ")");
      }
      triggers.add(trigger);
    }
    if (triggers.isEmpty()) {
      throw new Invalid("prefilter", "[] (expected: at least one)");
    }
    return triggers;
  }

  private static List<String> startsWith(JsonNode node) throws Invalid {
    List<String> startsWith = new ArrayList<>();
    JsonNode startsNode = node.get("starts_with");
    if (startsNode == null) {
      return startsWith;
    }
    if (!startsNode.isArray()) {
      throw new Invalid("starts_with", startsNode + " (expected: a list of literal prefixes)");
    }
    for (JsonNode prefix : startsNode) {
      if (!prefix.isTextual() || prefix.textValue().isEmpty()) {
        throw new Invalid("starts_with", prefix + " (expected: a non-empty string)");
      }
      startsWith.add(prefix.textValue());
    }
    return startsWith;
  }

  /** The integer at {@code key}, {@code fallback} when absent; checked against the bounds. */
  private static int optionalInt(JsonNode node, String key, int fallback, int min, int max)
      throws Invalid {
    JsonNode value = node.get(key);
    if (value == null) {
      return fallback;
    }
    if (!value.isInt() || value.intValue() < min || value.intValue() > max) {
      throw new Invalid(
          key, value + " (expected: an integer, " + min + " <= " + key + " <= " + max + ")");
    }
    return value.intValue();
  }

  private static long contextMask(String key, JsonNode node, Map<String, Long> contextSets)
      throws Invalid {
    if (node == null || node.isNull()) {
      return 0;
    }
    long mask = 0;
    for (JsonNode one : node.isArray() ? node : List.of(node)) {
      Long bit = contextSets.get(one.asText(""));
      if (bit == null || !one.isTextual()) {
        throw new Invalid(
            key,
            one.asText(one.toString())
                + " (expected: one of the sets under contexts: "
                + sorted(contextSets.keySet())
                + ")");
      }
      mask |= bit;
    }
    return mask;
  }

  private static JsonNode required(JsonNode node, String key) throws Invalid {
    JsonNode value = node.get(key);
    if (value == null || value.isNull()) {
      throw new Invalid(key, "missing (expected: a value)");
    }
    return value;
  }

  private static String text(JsonNode node, String key) throws Invalid {
    JsonNode value = required(node, key);
    if (!value.isTextual()) {
      throw new Invalid(key, value + " (expected: a string)");
    }
    return value.textValue();
  }

  private static String oneLine(String message) {
    return String.valueOf(message).replaceAll("\\s*\\R\\s*", " ").strip();
  }

  private static <E extends Enum<E>> E enumValue(String key, String value, E[] constants)
      throws Invalid {
    for (E constant : constants) {
      if (constant.name().equals(value.toUpperCase(Locale.ROOT))) {
        return constant;
      }
    }
    throw new Invalid(
        key,
        value
            + " (expected: one of "
            + Arrays.stream(constants)
                .map(c -> c.name().toLowerCase(Locale.ROOT))
                .collect(Collectors.joining(", "))
            + ")");
  }

  private static List<String> sorted(Set<String> keys) {
    return keys.stream().sorted().toList();
  }
}
