package org.complianceproxy.dlp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RuleLoaderTest {

  static final String VALID_RULE =
      """
      rules:
        - id: digits
          type: card
          pattern: '(?:^|[^0-9])([0-9]{4})(?:$|[^0-9])'
          validator: none
          action: mask
          confidence: 0.5
          prefilter: digit
          max_length: 4
      """;

  private static InputStream yaml(String text) {
    return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void bundledRulesLoadWithEveryEntityType() {
    try (InputStream in = RuleLoader.class.getResourceAsStream("/dlp/rules.yaml")) {
      List<Rule> rules = RuleLoader.load(in);
      // Names come from NameDetector and deny-list terms from a tenant's Policy, not from rules.
      assertThat(rules)
          .extracting(Rule::type)
          .containsAll(
              java.util.EnumSet.complementOf(
                  java.util.EnumSet.of(EntityType.NAME, EntityType.CUSTOM)));
      assertThat(rules).extracting(Rule::action).doesNotContain(Action.ALLOW);
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void customRuleFileDrivesTheScanner() {
    Scanner scanner = Scanner.fromYaml(yaml(VALID_RULE));
    assertThat(scanner.scan("pin 1234, not 12345"))
        .containsExactly(new Finding(4, 8, EntityType.CARD, "digits", Action.MASK, 0.5));
  }

  @ParameterizedTest(name = "[{index}] {0} -> {1}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      value = {
        "validator: none         | validator: rot13      | rules[0] (digits).validator: rot13 (expected: one of [none, luhn",
        "type: card              | type: visa            | rules[0] (digits).type: visa (expected: one of card, ssn",
        "action: mask            | action: shred         | rules[0] (digits).action: shred (expected: one of tokenize",
        "confidence: 0.5         | confidence: 1.5       | rules[0] (digits).confidence: 1.5 (expected: 0 < confidence <= 1)",
        "confidence: 0.5         | confidence: high      | rules[0] (digits).confidence: \"high\" (expected: 0 < confidence <= 1)",
        "prefilter: digit        | prefilter: vowel      | rules[0] (digits).prefilter: vowel (expected: one of [digit, plus-digit, letters-digits, at, letters-space-digit, alnum, hex-colon, keyword, none])",
        "max_length: 4           | max_length: 0         | rules[0] (digits).max_length: 0 (expected: an integer, 1 <= max_length <= 8192)",
        "max_length: 4           | max_len: 4            | rules[0].max_len: unknown key",
        "id: digits              | id: ''                | rules[0].id: '' (expected: a non-blank name)",
        "([0-9]{4})              | ([0-9]{4}             | (expected: a RE2J pattern; error parsing regexp: missing closing )",
        "rules:                  | rulez:                | rulez: unknown key (expected: one of contexts, names, rules)",
      })
  void invalidRuleFileIsRejectedNamingKeyAndValue(String from, String to, String message) {
    String text = VALID_RULE.replace(from, to);
    assertThat(text).isNotEqualTo(VALID_RULE);
    assertThatThrownBy(() -> Scanner.fromYaml(yaml(text)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(message);
  }

  @Test
  void duplicateRuleIdIsRejected() {
    String twice = VALID_RULE + VALID_RULE.substring(VALID_RULE.indexOf("  - id"));
    assertThatThrownBy(() -> Scanner.fromYaml(yaml(twice)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("rules[1].id: digits (expected: unique, already used)");
  }

  @Test
  void missingKeyIsRejected() {
    String without = VALID_RULE.replace("    validator: none\n", "");
    assertThatThrownBy(() -> Scanner.fromYaml(yaml(without)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("rules[0].validator: missing (expected: a value)");
  }

  @Test
  void brokenYamlIsRejected() {
    assertThatThrownBy(() -> Scanner.fromYaml(yaml("rules: [ {id: x")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("rule file: not valid YAML");
  }
}
