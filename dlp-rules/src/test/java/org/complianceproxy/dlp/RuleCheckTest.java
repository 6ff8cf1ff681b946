package org.complianceproxy.dlp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RuleCheckTest {

  /** The loader test's one valid rule, with a context set. */
  private static final String VALID =
      "contexts:\n  pin: [pin, code]\n" + RuleLoaderTest.VALID_RULE + "    context: pin\n";

  @TempDir Path dir;

  private Path write(String text) throws IOException {
    Path file = dir.resolve("rules.yaml");
    Files.writeString(file, text, StandardCharsets.UTF_8);
    return file;
  }

  @Test
  void validFileCountsItsRulesAndGivesAScanner() throws IOException {
    RuleCheck check = RuleCheck.of(write(VALID));
    assertThat(check.ok()).isTrue();
    assertThat(check.problems()).isEmpty();
    assertThat(check.ruleCount()).isEqualTo(1);
    assertThat(check.scanner().scan("pin 1234"))
        .extracting(Finding::ruleId)
        .containsExactly("digits");
    assertThat(Scanner.fromFile(write(VALID)).scan("x 9876 y")).hasSize(1);
  }

  @Test
  void bundledRulesAreValid() {
    RuleCheck check = RuleCheck.bundled();
    assertThat(check.problems()).isEmpty();
    assertThat(check.ruleCount()).isGreaterThan(30);
    assertThat(check.file()).isEqualTo(RuleCheck.BUNDLED);
  }

  @ParameterizedTest(name = "[{index}] {0} -> {1}")
  @CsvSource(
      delimiter = '#',
      quoteCharacter = '`',
      value = {
        // what is replaced # by what # the problem, after "FILE: "
        "([0-9]{4}) # ([0-9]{4} # rule digits: pattern: (?:^|[^0-9])([0-9]{4}(?:$|[^0-9]) (expected: a RE2J pattern; error parsing regexp: missing closing )",
        "'(?:^|[^0-9])([0-9]{4})(?:$|[^0-9])' # '[0-9]{4}' # rule digits: pattern: [0-9]{4} (expected: a capturing group 1 around the finding)",
        "type: card # type: visa # rule digits: type: visa (expected: one of card, ssn",
        "action: mask # action: shred # rule digits: action: shred (expected: one of tokenize",
        "validator: none # validator: rot13 # rule digits: validator: rot13 (expected: one of [none, luhn",
        "confidence: 0.5 # confidence: 1.5 # rule digits: confidence: 1.5 (expected: 0 < confidence <= 1)",
        "confidence: 0.5 # confidence: 0 # rule digits: confidence: 0 (expected: 0 < confidence <= 1)",
        "confidence: 0.5 # confidence: high # rule digits: confidence: \"high\" (expected: 0 < confidence <= 1)",
        "`    validator: none\\n` # `` # rule digits: validator: missing (expected: a value)",
        "id: digits # name: digits # rules[0]: id: missing (expected: a value)",
        "prefilter: digit # prefilter: vowel # rule digits: prefilter: vowel (expected: one of [digit",
        "max_length: 4 # max_length: 0 # rule digits: max_length: 0 (expected: an integer, 1 <= max_length <= 8192)",
        "max_length: 4 # max_len: 4 # rule digits: max_len: unknown key (expected: one of",
        "context: pin # context: pins # rule digits: context: pins (expected: one of the sets under contexts: [pin])",
        "context: pin # context_required: true # rule digits: context: missing (expected: a context set, since the rule requires context)",
        "pin: [pin, code] # pin: [pin, two words] # contexts.pin: \"two words\" (expected: a single word of letters",
        "pin: [pin, code] # pin: [] # contexts.pin: [] (expected: a non-empty list of words)",
        "pin: [pin, code] # pin: [pin, 42] # contexts.pin: 42 (expected: a single word of letters",
        "rules: # rulez: # rulez: unknown key (expected: one of contexts, names, rules)",
      })
  void eachKindOfProblemNamesFileRuleAndProblem(String from, String to, String problem)
      throws IOException {
    String text = VALID.replace(from.replace("\\n", "\n"), to == null ? "" : to);
    assertThat(text).isNotEqualTo(VALID);
    Path file = write(text);
    RuleCheck check = RuleCheck.of(file);
    assertThat(check.ok()).isFalse();
    assertThat(check.problems()).anySatisfy(p -> assertThat(p).startsWith(file + ": " + problem));
    assertThatThrownBy(() -> Scanner.fromFile(file))
        .isInstanceOf(InvalidRulesException.class)
        .hasMessageContaining(file + ": " + problem);
  }

  @Test
  void everyProblemOfEveryRuleIsReportedNotJustTheFirst() throws IOException {
    String second =
        VALID
            .substring(VALID.indexOf("  - id"))
            .replace("digits", "other")
            .replace("action: mask", "action: shred")
            .replace("confidence: 0.5", "confidence: 7");
    String third = VALID.substring(VALID.indexOf("  - id"));
    String text = VALID.replace("[pin, code]", "[pin, 'co de']") + second + third;
    Path file = write(text);
    RuleCheck check = RuleCheck.of(file);
    assertThat(check.ruleCount()).isEqualTo(3);
    assertThat(check.problems())
        .containsExactly(
            file
                + ": contexts.pin: \"co de\" (expected: a single word of letters, or -ending,"
                + " at most 32 chars)",
            file
                + ": rule other: action: shred (expected: one of tokenize, mask, redact, block,"
                + " allow)",
            file + ": rule other: confidence: 7 (expected: 0 < confidence <= 1)",
            file + ": rule digits: id: digits (expected: unique, already used)");
    InvalidRulesException e = catchInvalid(file);
    assertThat(e.problems()).isEqualTo(check.problems());
    assertThat(e.getMessage()).startsWith("invalid rule file " + file + " (4 problems):\n");
  }

  @Test
  void brokenYamlAndMissingRulesAreProblemsToo() throws IOException {
    Path broken = write("rules: [ {id: x");
    RuleCheck check = RuleCheck.of(broken);
    assertThat(check.ruleCount()).isEqualTo(-1);
    assertThat(check.problems())
        .singleElement()
        .asString()
        .startsWith(broken + ": rule file: not valid YAML");
    Path empty = write("contexts:\n  pin: [pin]\n");
    assertThat(RuleCheck.of(empty).problems())
        .containsExactly(empty + ": rules: missing (expected: a list of rules)");
  }

  @Test
  void unreadableFileIsOneProblem() {
    Path missing = dir.resolve("nope.yaml");
    RuleCheck check = RuleCheck.of(missing);
    assertThat(check.ok()).isFalse();
    assertThat(check.problems()).singleElement().asString().startsWith(missing + ": cannot read: ");
    assertThatThrownBy(check::scanner).isInstanceOf(InvalidRulesException.class);
  }

  private static InvalidRulesException catchInvalid(Path file) {
    try {
      Scanner.fromFile(file);
    } catch (InvalidRulesException e) {
      return e;
    }
    throw new AssertionError("no InvalidRulesException for " + file);
  }
}
