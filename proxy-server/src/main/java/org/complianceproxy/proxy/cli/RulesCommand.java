package org.complianceproxy.proxy.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.complianceproxy.dlp.RuleCheck;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code rules}: tools for DLP rule files. {@code rules check [FILE...]} validates rule files the
 * way {@code serve} does at start-up, without starting anything, and prints every problem of every
 * file ({@code FILE: rule ID: KEY: PROBLEM (expected: ...)}), so a rule change can be checked in CI
 * before it is deployed.
 */
@Command(
    name = "rules",
    mixinStandardHelpOptions = true,
    description = "Check DLP rule files.",
    subcommands = {RulesCommand.Check.class})
public final class RulesCommand implements Runnable {

  /** Exit code of a check that found problems. */
  static final int INVALID = 1;

  @Spec CommandSpec spec;

  /**
   * {@code java -cp compliance-proxy.jar org.complianceproxy.proxy.cli.RulesCommand check ...}: the
   * same as {@code java -jar compliance-proxy.jar rules check ...}.
   */
  public static void main(String[] args) {
    System.exit(new picocli.CommandLine(new RulesCommand()).execute(args));
  }

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "Missing subcommand (expected: check)");
  }

  /**
   * {@code rules check [FILE...]}: exit 0 when every file is valid ({@code ok: N rules} per file),
   * 1 when any is not (each problem on its own line). Without files, the bundled rules are checked.
   */
  @Command(
      name = "check",
      mixinStandardHelpOptions = true,
      description = {
        "Validates rule files as the proxy does at start-up; without FILE, the bundled rules.",
        "Prints 'ok: N rules' per valid file, else every problem as 'FILE: rule ID: KEY: PROBLEM'.",
        "Exit code: 0 all valid, 1 a file has problems, 2 usage error."
      })
  static final class Check implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Parameters(paramLabel = "FILE", arity = "0..*", description = "Rule files (YAML).")
    List<Path> files = new ArrayList<>();

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      List<RuleCheck> checks = new ArrayList<>();
      if (files.isEmpty()) {
        checks.add(RuleCheck.bundled());
      } else {
        for (Path file : files) {
          checks.add(RuleCheck.of(file));
        }
      }
      boolean ok = true;
      for (RuleCheck check : checks) {
        if (check.ok()) {
          out.println(check.file() + ": ok: " + check.ruleCount() + " rules");
        } else {
          ok = false;
          check.problems().forEach(out::println);
        }
      }
      out.flush();
      return ok ? 0 : INVALID;
    }
  }
}
