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

  private Scanner(List<Rule> rules) {
    this.rules = List.copyOf(rules);
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
    return new Scanner(RuleLoader.load(in));
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

  /** {@link #scan(CharSequence)}, adding the work done to {@code counters}. */
  List<Finding> scan(CharSequence text, ScanCounters counters) {
    requireNonNull(text, "text");
    // One immutable copy: a caller's StringBuilder may change under us.
    String s = text.toString();
    Prefilter.Hits hits = Prefilter.hits(s);
    List<Candidate> candidates = new ArrayList<>();
    for (int r = 0; r < rules.size(); r++) {
      Rule rule = rules.get(r);
      new AnchoredSearch(rule, r, s, counters).run(hits.startsFor(rule), candidates);
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
