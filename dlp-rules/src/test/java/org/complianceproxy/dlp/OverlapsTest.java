package org.complianceproxy.dlp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class OverlapsTest {

  private static Candidate candidate(int start, int end, double confidence, int ruleIndex) {
    return new Candidate(
        new Finding(start, end, EntityType.PHONE, "r" + ruleIndex, Action.TOKENIZE, confidence),
        ruleIndex);
  }

  @Test
  void longerCandidateWinsOverAShorterOneInsideIt() {
    List<Finding> kept =
        Overlaps.resolve(List.of(candidate(5, 10, 0.99, 0), candidate(0, 16, 0.5, 1)));
    assertThat(kept).extracting(Finding::ruleId).containsExactly("r1");
  }

  @Test
  void equallyLongCandidatesAreDecidedByConfidence() {
    List<Finding> kept =
        Overlaps.resolve(List.of(candidate(0, 10, 0.8, 0), candidate(2, 12, 0.9, 1)));
    assertThat(kept).extracting(Finding::ruleId).containsExactly("r1");
  }

  @Test
  void fullTieGoesToTheEarlierRule() {
    List<Finding> kept =
        Overlaps.resolve(List.of(candidate(0, 10, 0.8, 1), candidate(0, 10, 0.8, 0)));
    assertThat(kept).extracting(Finding::ruleId).containsExactly("r0");
  }

  @Test
  void touchingCandidatesBothSurviveSortedByStart() {
    List<Finding> kept =
        Overlaps.resolve(
            List.of(
                candidate(10, 20, 0.8, 0), candidate(0, 10, 0.8, 1), candidate(20, 21, 0.1, 2)));
    assertThat(kept).extracting(Finding::start).containsExactly(0, 10, 20);
  }

  @Test
  void candidateBridgingTwoKeptOnesIsDropped() {
    List<Finding> kept =
        Overlaps.resolve(
            List.of(
                candidate(0, 10, 0.8, 0), candidate(12, 22, 0.8, 1), candidate(8, 14, 0.99, 2)));
    assertThat(kept).extracting(Finding::ruleId).containsExactly("r0", "r1");
  }

  @Test
  void overlappingPhoneRulesGiveOneFinding() {
    // phone-international and phone-us both match "+1 415-555-2671".
    assertThat(Found.in("+1 415-555-2671")).containsExactly("PHONE:+1 415-555-2671");
  }
}
