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
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Reads a rule file into {@link Rule}s and validates it whole, so that a bad file fails at start-up
 * with a message naming the key, the value and what was expected, e.g. {@code rules[2].confidence:
 * 1.5 (expected: 0 < confidence <= 1)}.
 */
final class RuleLoader {

  /** Every key a rule may have; all are required. */
  private static final Set<String> KEYS =
      Set.of(
          "id", "type", "pattern", "validator", "action", "confidence", "prefilter", "max_length");

  /** Longest {@code max_length} accepted: every try reads a slice that long. */
  private static final int MAX_MAX_LENGTH = 1024;

  private static final YAMLMapper YAML = new YAMLMapper();

  private RuleLoader() {}

  static List<Rule> load(InputStream in) {
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
      if (!key.equals("rules")) {
        throw new IllegalArgumentException(key + ": unknown key (expected: rules)");
      }
    }
    if (!root.path("rules").isArray()) {
      throw new IllegalArgumentException("rules: missing (expected: a list of rules)");
    }
    List<Rule> rules = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    JsonNode list = root.get("rules");
    for (int i = 0; i < list.size(); i++) {
      Rule rule = rule("rules[" + i + "]", list.get(i));
      if (!ids.add(rule.id())) {
        throw new IllegalArgumentException(
            "rules[" + i + "].id: " + rule.id() + " (expected: unique, already used)");
      }
      rules.add(rule);
    }
    if (rules.isEmpty()) {
      throw new IllegalArgumentException("rules: [] (expected: at least one rule)");
    }
    return rules;
  }

  private static Rule rule(String at, JsonNode node) {
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
    String triggerName = text(at, node, "prefilter");
    Trigger trigger = Trigger.fromYamlName(triggerName);
    if (trigger == null) {
      throw new IllegalArgumentException(
          where
              + ".prefilter: "
              + triggerName
              + " (expected: one of "
              + Arrays.stream(Trigger.values()).map(Trigger::yamlName).toList()
              + ")");
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
    return new Rule(
        id, type, pattern, validator, action, confidence, trigger, maxLengthNode.intValue());
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
