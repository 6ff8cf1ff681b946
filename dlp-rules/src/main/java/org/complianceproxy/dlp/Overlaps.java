package org.complianceproxy.dlp;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Picks non-overlapping findings out of the candidates of all rules. */
final class Overlaps {

  /** Longer first, then higher confidence, then earlier in the text, then earlier rule. */
  private static final Comparator<Candidate> PRIORITY =
      Comparator.<Candidate>comparingInt(c -> -c.finding().length())
          .thenComparingDouble(c -> -c.finding().confidence())
          .thenComparingInt(c -> c.finding().start())
          .thenComparingInt(Candidate::ruleIndex);

  private Overlaps() {}

  /**
   * Greedily keeps candidates in {@link #PRIORITY} order, skipping any that overlaps one already
   * kept, and returns the kept findings sorted by start. O(k log k) for k candidates.
   */
  static List<Finding> resolve(List<Candidate> candidates) {
    if (candidates.isEmpty()) {
      return List.of();
    }
    List<Candidate> byPriority = new ArrayList<>(candidates);
    byPriority.sort(PRIORITY);
    TreeMap<Integer, Finding> kept = new TreeMap<>();
    for (Candidate candidate : byPriority) {
      Finding f = candidate.finding();
      Map.Entry<Integer, Finding> before = kept.floorEntry(f.start());
      Map.Entry<Integer, Finding> after = kept.ceilingEntry(f.start());
      boolean overlaps =
          (before != null && before.getValue().end() > f.start())
              || (after != null && after.getKey() < f.end());
      if (!overlaps) {
        kept.put(f.start(), f);
      }
    }
    return List.copyOf(kept.values());
  }
}
