package org.complianceproxy.dlp;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds sensitive data in text with a fixed set of {@linkplain Rule rules}. Immutable and
 * thread-safe; build one at start-up and share it.
 *
 * <p>A scan makes one pass over the text to find prefilter hits (digit runs, {@code '+'} before a
 * digit, an IBAN's head, {@code '@'}); each rule's RE2J pattern is then tried, anchored, only at
 * the starts its trigger allows, over a slice no longer than the rule's longest finding plus two
 * chars, and each candidate is confirmed by the rule's validator. A text with neither digits nor
 * {@code '@'} costs the one pass. The work is linear in the length of the text: RE2J never
 * backtracks, and each start is tried once per rule over a bounded slice.
 */
public final class Scanner {

  /** Rules in file order; the order breaks the last ties between overlapping findings. */
  private final List<Rule> rules;

  /** Context words of the rule file, looked up during the prefilter pass. */
  private final Keywords keywords;

  /** Person names from name lists and context; null in scanners of custom rule files. */
  private final NameDetector names;

  private Scanner(RuleLoader.RuleSet set, NameDetector names) {
    this.rules = set.rules();
    this.keywords = set.keywords();
    this.names = names;
  }

  /** The rules bundled in {@code dlp/rules.yaml}, loaded on first use and shared afterwards. */
  public static Scanner defaults() {
    return Bundled.SCANNER;
  }

  /**
   * A scanner with the rules of a rule file (see the bundled {@code dlp/rules.yaml} for the
   * format). The stream is read to its end and not closed.
   *
   * @throws IllegalArgumentException if the file is not valid, naming the key and the expected
   *     value
   * @throws UncheckedIOException if the stream cannot be read
   */
  public static Scanner fromYaml(InputStream in) {
    requireNonNull(in, "in");
    return of(RuleLoader.loadSet(in));
  }

  /**
   * A scanner with the rules of the rule file at {@code file}, checked whole first.
   *
   * @throws InvalidRulesException listing every problem ({@code FILE: rule ID: KEY: PROBLEM}) when
   *     the file is not valid or cannot be read
   */
  public static Scanner fromFile(java.nio.file.Path file) {
    return RuleCheck.of(file).scanner();
  }

  static Scanner of(RuleLoader.RuleSet set) {
    return new Scanner(set, set.names() ? NameDetector.bundled() : null);
  }

  /**
   * Findings in {@code text}, sorted by start and non-overlapping: of two overlapping candidates
   * the longer wins, then the one with higher confidence, then the one whose rule comes first.
   * Returns an empty list when nothing is found. Any text can be scanned, including unpaired
   * surrogates and control characters; the text is copied once, so a caller's buffer may change
   * afterwards.
   *
   * @throws NullPointerException if {@code text} is null
   */
  public List<Finding> scan(CharSequence text) {
    return scan(text, new ScanCounters());
  }

  /**
   * Findings in a request's {@code text} under a tenant's {@code policy}: the rules' findings with
   * the policy's action overrides and allow-list applied, plus the policy's deny-list terms as
   * {@link EntityType#CUSTOM}. Sorted by start and non-overlapping, like {@link #scan}.
   */
  public List<Finding> scan(CharSequence text, Policy policy) {
    requireNonNull(policy, "policy");
    String s = text.toString();
    return applyPolicy(s, scan(s, new ScanCounters()), policy, false);
  }

  /**
   * Findings in a model's answer: personal data the model produced by itself. Spans inside the
   * proxy's own tokens ({@code <<TAG_BODY>>}) are never findings (they are restored, not masked);
   * each finding gets the policy's output action, {@link Action#MASK} by default.
   */
  public List<Finding> scanOutput(CharSequence text, Policy policy) {
    requireNonNull(policy, "policy");
    String s = text.toString();
    List<Finding> found = new ArrayList<>();
    List<int[]> tokens = tokenSpans(s);
    for (Finding f : applyPolicy(s, scan(s, new ScanCounters()), policy, true)) {
      boolean inToken = false;
      for (int[] t : tokens) {
        inToken |= f.start() < t[1] && f.end() > t[0];
      }
      if (!inToken) {
        found.add(f);
      }
    }
    return List.copyOf(found);
  }

  /** The patterns and validators of this scanner's rules, in file order (names excluded). */
  public List<RulePattern> rulePatterns() {
    List<RulePattern> out = new ArrayList<>(rules.size());
    for (Rule rule : rules) {
      Validator validator = rule.validator();
      out.add(
          new RulePattern(rule.id(), rule.type(), rule.pattern().pattern(), validator::accepts));
    }
    return List.copyOf(out);
  }

  private static List<Finding> applyPolicy(
      String text, List<Finding> findings, Policy policy, boolean output) {
    List<Finding> withActions = new ArrayList<>(findings.size());
    for (Finding f : findings) {
      String value = text.substring(f.start(), f.end());
      Action action = output ? policy.outputAction(f, value) : policy.inputAction(f, value);
      withActions.add(
          new Finding(f.start(), f.end(), f.type(), f.ruleId(), action, f.confidence()));
    }
    if (policy.deniedTerms().isEmpty()) {
      // The scan's findings are sorted and never overlap: resolving them again would keep every
      // one, in this order.
      return List.copyOf(withActions);
    }
    List<Candidate> candidates = new ArrayList<>();
    for (Finding f : withActions) {
      candidates.add(new Candidate(f, Integer.MAX_VALUE - 1));
    }
    for (String term : policy.deniedTerms()) {
      char first = term.charAt(0);
      for (int at = 0; at + term.length() <= text.length(); at++) {
        if (Character.toLowerCase(text.charAt(at)) != first
            || !text.regionMatches(true, at, term, 0, term.length())) {
          continue;
        }
        int end = at + term.length();
        boolean wordStart = at == 0 || !Character.isLetterOrDigit(text.charAt(at - 1));
        boolean wordEnd = end == text.length() || !Character.isLetterOrDigit(text.charAt(end));
        if (wordStart && wordEnd) {
          Action action = output ? policy.denyOutputAction() : policy.denyAction();
          // Deny-list terms win ties: the tenant named them explicitly.
          candidates.add(
              new Candidate(new Finding(at, end, EntityType.CUSTOM, "deny-list", action, 1.0), -1));
        }
      }
    }
    return Overlaps.resolve(candidates);
  }

  /** Spans of {@code <<TAG_BODY>>} tokens: tag of capitals and digits, body of [A-Z0-9]. */
  private static List<int[]> tokenSpans(String text) {
    List<int[]> spans = new ArrayList<>();
    for (int at = text.indexOf("<<"); at >= 0; at = text.indexOf("<<", at + 2)) {
      int p = at + 2;
      int limit = Math.min(text.length(), at + 64);
      while (p < limit
          && (Character.isUpperCase(text.charAt(p))
              || Character.isDigit(text.charAt(p))
              || text.charAt(p) == '_')) {
        p++;
      }
      if (p + 1 < text.length() && text.startsWith(">>", p) && p > at + 4) {
        spans.add(new int[] {at, p + 2});
      }
    }
    return spans;
  }

  /** {@link #scan(CharSequence)}, adding the work done to {@code counters}. */
  List<Finding> scan(CharSequence text, ScanCounters counters) {
    requireNonNull(text, "text");
    // One immutable copy: a caller's StringBuilder may change under us.
    String s = text.toString();
    Prefilter.Hits hits = Prefilter.hits(s, keywords);
    List<Candidate> candidates = new ArrayList<>();
    AnchoredSearch search = new AnchoredSearch(s, hits, new MatchFilter.Scratch(), counters);
    for (int r = 0; r < rules.size(); r++) {
      search.run(rules.get(r), r, candidates);
    }
    if (names != null) {
      names.detect(s, hits.capitalWords, rules.size(), candidates);
    }
    return Overlaps.resolve(candidates);
  }

  /** Holder of the bundled scanner, so that it is loaded on first use and only once. */
  private static final class Bundled {
    static final Scanner SCANNER = load();

    private static Scanner load() {
      try (InputStream in = Scanner.class.getResourceAsStream("/dlp/rules.yaml")) {
        if (in == null) {
          throw new IllegalStateException("bundled rules missing: /dlp/rules.yaml");
        }
        return fromYaml(in);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read bundled rules /dlp/rules.yaml", e);
      }
    }
  }
}
