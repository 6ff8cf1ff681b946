package org.complianceproxy.dlp;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The outcome of checking a rule file whole: how many rules it holds and every problem found, each
 * on one line shaped {@code FILE: rule ID: KEY: PROBLEM (expected: ...)}, or {@code FILE: WHERE:
 * PROBLEM} for what is not inside a named rule (a context set, a rule without an id, the YAML
 * itself). Used at start-up, to refuse an invalid rule set with every reason at once, and by the
 * {@code rules check} command. Immutable.
 */
public final class RuleCheck {

  /** How the bundled rules are named in problems. */
  static final String BUNDLED = "dlp/rules.yaml (bundled)";

  /** The file as named in problems. */
  private final String file;

  /** The rules read, valid or not; -1 when the file could not be read as a rule list at all. */
  private final int ruleCount;

  /** Every problem, in file order, each naming the file. */
  private final List<String> problems;

  /** The valid rule set; null when there are problems. */
  private final RuleLoader.RuleSet set;

  private RuleCheck(String file, int ruleCount, List<String> problems, RuleLoader.RuleSet set) {
    this.file = file;
    this.ruleCount = ruleCount;
    this.problems = List.copyOf(problems);
    this.set = problems.isEmpty() ? set : null;
  }

  /** Checks the rule file at {@code file}; a file that cannot be read is one problem. */
  public static RuleCheck of(Path file) {
    requireNonNull(file, "file");
    try (InputStream in = Files.newInputStream(file)) {
      return read(file.toString(), in);
    } catch (IOException | UncheckedIOException e) {
      String reason = e instanceof UncheckedIOException u ? u.getCause().toString() : e.toString();
      return new RuleCheck(file.toString(), -1, List.of(file + ": cannot read: " + reason), null);
    }
  }

  /** Checks the rules bundled with the scanner ({@code dlp/rules.yaml}). */
  public static RuleCheck bundled() {
    try (InputStream in = RuleCheck.class.getResourceAsStream("/dlp/rules.yaml")) {
      if (in == null) {
        return new RuleCheck(BUNDLED, -1, List.of(BUNDLED + ": missing from the class path"), null);
      }
      return read(BUNDLED, in);
    } catch (IOException e) {
      return new RuleCheck(BUNDLED, -1, List.of(BUNDLED + ": cannot read: " + e), null);
    }
  }

  static RuleCheck read(String file, InputStream in) {
    RuleLoader.Problems found = new RuleLoader.Problems();
    RuleLoader.RuleSet set = RuleLoader.loadSet(in, found);
    List<String> lines = new ArrayList<>();
    for (RuleLoader.Problem p : found.list()) {
      String rule;
      if (p.ruleId() != null) {
        rule = "rule " + p.ruleId();
      } else if (p.key() != null && p.where().endsWith("." + p.key())) {
        // A rule without a usable id is named by its position.
        rule = p.where().substring(0, p.where().length() - p.key().length() - 1);
      } else {
        lines.add(file + ": " + p.where() + ": " + p.detail());
        continue;
      }
      lines.add(file + ": " + rule + ": " + p.key() + ": " + p.detail());
    }
    return new RuleCheck(file, set == null ? -1 : found.rulesSeen(), lines, set);
  }

  /** The file as named in problems. */
  public String file() {
    return file;
  }

  /** Rules in the file, valid or not; -1 when it is not a readable rule file at all. */
  public int ruleCount() {
    return ruleCount;
  }

  /** Every problem found, one line each; empty when the file is valid. */
  public List<String> problems() {
    return problems;
  }

  public boolean ok() {
    return problems.isEmpty();
  }

  /**
   * A scanner with the file's rules.
   *
   * @throws InvalidRulesException listing every problem, when the file is not valid
   */
  public Scanner scanner() {
    if (set == null) {
      throw new InvalidRulesException(file, problems);
    }
    return Scanner.of(set);
  }

  @Override
  public String toString() {
    return ok() ? file + ": ok: " + ruleCount + " rules" : String.join("\n", problems);
  }
}
