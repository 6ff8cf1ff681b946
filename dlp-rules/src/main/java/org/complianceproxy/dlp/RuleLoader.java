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
    JsonNode root;
    try {
      root = YAML.readTree(in);
    } catch (JacksonException e) {
      throw new IllegalArgumentException(
          "rule file is not valid YAML: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read rule file", e);
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException(
          "rule file: " + root + " (expected: a mapping with key rules)");
    }
    Iterator<String> topKeys = root.fieldNames();
    while (topKeys.hasNext()) {
      String key = topKeys.next();
      if (!key.equals("rules") && !key.equals("contexts") && !key.equals("names")) {
        throw new IllegalArgumentException(
            key + ": unknown key (expected: one of contexts, names, rules)");
      }
    }
    Map<String, Long> contextSets = new LinkedHashMap<>();
    Map<String, Long> wordSets = new HashMap<>();
    JsonNode contexts = root.get("contexts");
    if (contexts != null) {
      if (!contexts.isObject()) {
        throw new IllegalArgumentException(
            "contexts: " + contexts + " (expected: a mapping of set name to a list of words)");
      }
      Iterator<Map.Entry<String, JsonNode>> sets = contexts.fields();
      while (sets.hasNext()) {
        Map.Entry<String, JsonNode> set = sets.next();
        String at = "contexts." + set.getKey();
        if (contextSets.size() == MAX_CONTEXT_SETS) {
          throw new IllegalArgumentException(
              at + ": one set too many (expected: at most " + MAX_CONTEXT_SETS + " sets)");
        }
        long bit = 1L << contextSets.size();
        contextSets.put(set.getKey(), bit);
        if (!set.getValue().isArray() || set.getValue().isEmpty()) {
          throw new IllegalArgumentException(
              at + ": " + set.getValue() + " (expected: a non-empty list of words)");
        }
        for (JsonNode word : set.getValue()) {
          String w = word.asText("");
          String letters = w.startsWith("-") ? w.substring(1) : w;
          if (!word.isTextual()
              || letters.isEmpty()
              || w.length() > Keywords.MAX_WORD
              || !letters.chars().allMatch(Character::isLetter)) {
            throw new IllegalArgumentException(
                at
                    + ": "
                    + word
                    + " (expected: a single word of letters, or -ending, at most "
                    + Keywords.MAX_WORD
                    + " chars)");
          }
          wordSets.merge(Keywords.lowerAll(w), bit, (a, b) -> a | b);
        }
      }
    }
    if (!root.path("rules").isArray()) {
      throw new IllegalArgumentException("rules: missing (expected: a list of rules)");
    }
    List<Rule> rules = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    JsonNode list = root.get("rules");
    for (int i = 0; i < list.size(); i++) {
      Rule rule = rule("rules[" + i + "]", list.get(i), contextSets);
      if (!ids.add(rule.id())) {
        throw new IllegalArgumentException(
            "rules[" + i + "].id: " + rule.id() + " (expected: unique, already used)");
      }
      rules.add(rule);
    }
    if (rules.isEmpty()) {
      throw new IllegalArgumentException("rules: [] (expected: at least one rule)");
    }
    JsonNode namesNode = root.get("names");
    if (namesNode != null && !namesNode.isBoolean()) {
      throw new IllegalArgumentException("names: " + namesNode + " (expected: true or false)");
    }
    boolean names = namesNode != null && namesNode.booleanValue();
    return new RuleSet(List.copyOf(rules), new Keywords(wordSets), Map.copyOf(contextSets), names);
  }

  private static Rule rule(String at, JsonNode node, Map<String, Long> contextSets) {
    if (!node.isObject()) {
      throw new IllegalArgumentException(at + ": " + node + " (expected: a mapping)");
    }
    Iterator<String> keys = node.fieldNames();
    while (keys.hasNext()) {
      String key = keys.next();
      if (!KEYS.contains(key)) {
        throw new IllegalArgumentException(
            at + "." + key + ": unknown key (expected: one of " + sorted(KEYS) + ")");
      }
    }
    String id = text(at, node, "id");
    if (id.isBlank()) {
      throw new IllegalArgumentException(at + ".id: '' (expected: a non-blank name)");
    }
    String where = at + " (" + id + ")";
    EntityType type = enumValue(where, "type", text(at, node, "type"), EntityType.values());
    Action action = enumValue(where, "action", text(at, node, "action"), Action.values());

    String validatorName = text(at, node, "validator");
    Validator validator = Validator.fromYamlName(validatorName);
    if (validator == null) {
      throw new IllegalArgumentException(
          where
              + ".validator: "
              + validatorName
              + " (expected: one of "
              + Arrays.stream(Validator.values()).map(Validator::yamlName).toList()
              + ")");
    }
    List<Trigger> triggers = new ArrayList<>();
    JsonNode prefilterNode = required(at, node, "prefilter");
    for (JsonNode one : prefilterNode.isArray() ? prefilterNode : List.of(prefilterNode)) {
      Trigger trigger = Trigger.fromYamlName(one.asText(""));
      if (trigger == null || !one.isTextual()) {
        throw new IllegalArgumentException(
            where
                + ".prefilter: "
                + one.asText(one.toString())
                + " (expected: one of "
                + Arrays.stream(Trigger.values()).map(Trigger::yamlName).toList()
                + ")");
      }
      triggers.add(trigger);
    }
    if (triggers.isEmpty()) {
      throw new IllegalArgumentException(where + ".prefilter: [] (expected: at least one)");
    }

    long context = contextMask(where, "context", node.get("context"), contextSets);
    long antiContext = contextMask(where, "anti_context", node.get("anti_context"), contextSets);
    JsonNode requiredNode = node.get("context_required");
    boolean contextRequired = requiredNode != null && requiredNode.asBoolean(false);
    if (requiredNode != null && !requiredNode.isBoolean()) {
      throw new IllegalArgumentException(
          where + ".context_required: " + requiredNode + " (expected: true or false)");
    }
    if ((contextRequired || triggers.contains(Trigger.KEYWORD)) && context == 0) {
      throw new IllegalArgumentException(
          where
              + ".context: missing (expected: a context set, since the rule "
              + (contextRequired ? "requires context" : "is triggered by keywords")
              + ")");
    }
    JsonNode windowNode = node.get("context_window");
    int contextWindow = 40;
    if (windowNode != null) {
      if (!windowNode.isInt()
          || windowNode.intValue() < 1
          || windowNode.intValue() > MAX_CONTEXT_WINDOW) {
        throw new IllegalArgumentException(
            where
                + ".context_window: "
                + windowNode
                + " (expected: an integer, 1 <= context_window <= "
                + MAX_CONTEXT_WINDOW
                + ")");
      }
      contextWindow = windowNode.intValue();
    }
    List<String> startsWith = new ArrayList<>();
    JsonNode startsNode = node.get("starts_with");
    if (startsNode != null) {
      if (!startsNode.isArray()) {
        throw new IllegalArgumentException(
            where + ".starts_with: " + startsNode + " (expected: a list of literal prefixes)");
      }
      for (JsonNode prefix : startsNode) {
        if (!prefix.isTextual() || prefix.textValue().isEmpty()) {
          throw new IllegalArgumentException(
              where + ".starts_with: " + prefix + " (expected: a non-empty string)");
        }
        startsWith.add(prefix.textValue());
      }
    }

    JsonNode confidenceNode = required(at, node, "confidence");
    double confidence = confidenceNode.asDouble(Double.NaN);
    if (!confidenceNode.isNumber() || !(confidence > 0 && confidence <= 1)) {
      throw new IllegalArgumentException(
          where + ".confidence: " + confidenceNode + " (expected: 0 < confidence <= 1)");
    }
    JsonNode maxLengthNode = required(at, node, "max_length");
    if (!maxLengthNode.isInt()
        || maxLengthNode.intValue() < 1
        || maxLengthNode.intValue() > MAX_MAX_LENGTH) {
      throw new IllegalArgumentException(
          where
              + ".max_length: "
              + maxLengthNode
              + " (expected: an integer, 1 <= max_length <= "
              + MAX_MAX_LENGTH
              + ")");
    }

    String regex = text(at, node, "pattern");
    Pattern pattern;
    try {
      pattern = Pattern.compile(regex);
    } catch (PatternSyntaxException e) {
      throw new IllegalArgumentException(
          where + ".pattern: " + regex + " (expected: a RE2J pattern; " + e.getMessage() + ")", e);
    }
    JsonNode minDigitsNode = node.get("min_digits");
    int minDigits = 0;
    if (minDigitsNode != null) {
      if (!minDigitsNode.isInt()
          || minDigitsNode.intValue() < 0
          || minDigitsNode.intValue() > maxLengthNode.intValue()) {
        throw new IllegalArgumentException(
            where
                + ".min_digits: "
                + minDigitsNode
                + " (expected: an integer, 0 <= min_digits <= max_length)");
      }
      minDigits = minDigitsNode.intValue();
    }
    JsonNode lookbackNode = node.get("keyword_lookback");
    int lookback = 8;
    if (lookbackNode != null) {
      if (!lookbackNode.isInt() || lookbackNode.intValue() < 0 || lookbackNode.intValue() > 128) {
        throw new IllegalArgumentException(
            where
                + ".keyword_lookback: "
                + lookbackNode
                + " (expected: an integer, 0 <= keyword_lookback <= 128)");
      }
      lookback = lookbackNode.intValue();
    }
    if (pattern.groupCount() < 1) {
      throw new IllegalArgumentException(
          where + ".pattern: " + regex + " (expected: a capturing group 1 around the finding)");
    }
    return new Rule(
        id,
        type,
        pattern,
        validator,
        action,
        confidence,
        triggers,
        maxLengthNode.intValue(),
        context,
        contextRequired,
        contextWindow,
        antiContext,
        startsWith,
        minDigits,
        lookback);
  }

  private static long contextMask(
      String where, String key, JsonNode node, Map<String, Long> contextSets) {
    if (node == null || node.isNull()) {
      return 0;
    }
    long mask = 0;
    for (JsonNode one : node.isArray() ? node : List.of(node)) {
      Long bit = contextSets.get(one.asText(""));
      if (bit == null || !one.isTextual()) {
        throw new IllegalArgumentException(
            where
                + "."
                + key
                + ": "
                + one.asText(one.toString())
                + " (expected: one of the sets under contexts: "
                + sorted(contextSets.keySet())
                + ")");
      }
      mask |= bit;
    }
    return mask;
  }

  private static JsonNode required(String at, JsonNode node, String key) {
    JsonNode value = node.get(key);
    if (value == null || value.isNull()) {
      throw new IllegalArgumentException(at + "." + key + ": missing (expected: a value)");
    }
    return value;
  }

  private static String text(String at, JsonNode node, String key) {
    JsonNode value = required(at, node, key);
    if (!value.isTextual()) {
      throw new IllegalArgumentException(at + "." + key + ": " + value + " (expected: a string)");
    }
    return value.textValue();
  }

  private static <E extends Enum<E>> E enumValue(
      String where, String key, String value, E[] constants) {
    for (E constant : constants) {
      if (constant.name().equals(value.toUpperCase(Locale.ROOT))) {
        return constant;
      }
    }
    throw new IllegalArgumentException(
        where
            + "."
            + key
            + ": "
            + value
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
