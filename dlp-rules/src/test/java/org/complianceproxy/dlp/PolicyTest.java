package org.complianceproxy.dlp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class PolicyTest {

  private static final Scanner SCANNER = Scanner.defaults();

  @Test
  void actionOverridesReplaceTheRulesAction() {
    Policy policy = Policy.builder().action(EntityType.CARD, Action.BLOCK).build();
    List<Finding> found = SCANNER.scan("card 4111 1111 1111 1111, mail a.b@example.com", policy);
    assertThat(found)
        .extracting(Finding::type, Finding::action)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(EntityType.CARD, Action.BLOCK),
            org.assertj.core.groups.Tuple.tuple(EntityType.EMAIL, Action.TOKENIZE));
  }

  @Test
  void allowListedValueIsOnlyAudited() {
    Policy policy = Policy.builder().allow(EntityType.EMAIL, "Support@Example.com").build();
    assertThat(SCANNER.scan("write to support@example.com or bob@example.com", policy))
        .extracting(Finding::action)
        .containsExactly(Action.ALLOW, Action.TOKENIZE);
  }

  @Test
  void denyListTermsAreFoundAsWholeWordsInAnyCase() {
    Policy policy = Policy.builder().deny("Project Falcon").build();
    String text = "status of project falcon and PROJECT FALCONS";
    assertThat(SCANNER.scan(text, policy))
        .extracting(f -> text.substring(f.start(), f.end()), Finding::type)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("project falcon", EntityType.CUSTOM));
  }

  @Test
  void outputScanMasksByDefaultAndSkipsOurTokens() {
    String answer = "Your card <<CARD_7K3QZ9XW2M>> is fine; call +44 20 7946 0958 today.";
    List<Finding> found = SCANNER.scanOutput(answer, Policy.DEFAULT);
    assertThat(found).extracting(Finding::type).containsExactly(EntityType.PHONE);
    assertThat(found).extracting(Finding::action).containsOnly(Action.MASK);
  }

  @Test
  void outputActionsArePerType() {
    Policy policy = Policy.builder().outputAction(EntityType.EMAIL, Action.REDACT).build();
    assertThat(SCANNER.scanOutput("mail x.y@example.com", policy))
        .extracting(Finding::action)
        .containsExactly(Action.REDACT);
  }
}
