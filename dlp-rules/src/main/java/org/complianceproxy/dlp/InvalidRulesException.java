package org.complianceproxy.dlp;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * A rule file that is not valid. The message lists every problem, one per line, each shaped {@code
 * FILE: rule ID: KEY: PROBLEM (expected: ...)} (see {@link RuleCheck}).
 */
public final class InvalidRulesException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  /** The file as named in problems. */
  private final String file;

  /** Every problem found, one line each. */
  private final transient List<String> problems;

  public InvalidRulesException(String file, List<String> problems) {
    super(
        "invalid rule file "
            + requireNonNull(file, "file")
            + " ("
            + problems.size()
            + (problems.size() == 1 ? " problem" : " problems")
            + "):\n"
            + String.join("\n", problems));
    this.file = file;
    this.problems = List.copyOf(problems);
  }

  /** The file as named in problems. */
  public String file() {
    return file;
  }

  /** Every problem found, one line each. */
  public List<String> problems() {
    return problems;
  }
}
