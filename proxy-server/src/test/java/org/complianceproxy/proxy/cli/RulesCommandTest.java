package org.complianceproxy.proxy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class RulesCommandTest {

  private static final String VALID =
      """
      rules:
        - id: pin
          type: card
          pattern: '(?:^|[^0-9])([0-9]{4})(?:$|[^0-9])'
          validator: none
          action: mask
          confidence: 0.5
          prefilter: digit
          max_length: 4
      """;

  @TempDir Path dir;

  private record Result(int exit, String out, String err) {}

  private static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine line = new CommandLine(new RulesCommand());
    line.setOut(new PrintWriter(out));
    line.setErr(new PrintWriter(err));
    int exit = line.execute(args);
    return new Result(exit, out.toString(), err.toString());
  }

  private Path file(String name, String text) throws IOException {
    Path file = dir.resolve(name);
    Files.writeString(file, text, StandardCharsets.UTF_8);
    return file;
  }

  @Test
  void checkWithoutFilesChecksTheBundledRules() {
    Result result = run("check");
    assertThat(result.exit()).isZero();
    assertThat(result.out()).matches("dlp/rules\\.yaml \\(bundled\\): ok: \\d+ rules\\R");
  }

  @Test
  void validFilePrintsItsRuleCount() throws IOException {
    Path good = file("good.yaml", VALID);
    Result result = run("check", good.toString());
    assertThat(result.exit()).isZero();
    assertThat(result.out()).isEqualTo(good + ": ok: 1 rules" + System.lineSeparator());
  }

  @Test
  void invalidFilePrintsEveryProblemAndExitsOne() throws IOException {
    Path good = file("good.yaml", VALID);
    Path bad =
        file(
            "bad.yaml",
            VALID
                .replace("action: mask", "action: shred")
                .replace("max_length: 4", "max_length: -1"));
    Result result = run("check", good.toString(), bad.toString());
    assertThat(result.exit()).isEqualTo(RulesCommand.INVALID);
    assertThat(result.out().lines())
        .containsExactly(
            good + ": ok: 1 rules",
            bad
                + ": rule pin: action: shred (expected: one of tokenize, mask, redact, block, allow)",
            bad + ": rule pin: max_length: -1 (expected: an integer, 1 <= max_length <= 8192)");
  }

  @Test
  void missingFileIsAProblemNotACrash() {
    Path missing = dir.resolve("missing.yaml");
    Result result = run("check", missing.toString());
    assertThat(result.exit()).isEqualTo(RulesCommand.INVALID);
    assertThat(result.out()).startsWith(missing + ": cannot read: ");
  }

  @Test
  void noSubcommandIsAUsageError() {
    Result result = run();
    assertThat(result.exit()).isEqualTo(2);
    assertThat(result.err()).contains("Missing subcommand (expected: check)");
  }
}
