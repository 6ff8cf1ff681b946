package org.complianceproxy.proxy.bedrock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.complianceproxy.proxy.error.ProxyError;
import org.complianceproxy.proxy.error.ProxyException;
import org.junit.jupiter.api.Test;

class ResidencyPolicyTest {

  /** region, allowed list, model id, expected to pass. */
  private record Case(String region, List<String> allowed, String modelId, boolean passes) {}

  private static final List<String> EU_ONLY = List.of("eu");

  private static final List<Case> CASES =
      List.of(
          new Case("eu-central-1", EU_ONLY, "anthropic.claude-3-haiku-20240307-v1:0", true),
          new Case("eu-central-1", EU_ONLY, "eu.anthropic.claude-3-haiku-20240307-v1:0", true),
          new Case("eu-west-3", EU_ONLY, "eu.amazon.nova-lite-v1:0", true),
          new Case("eu-central-1", EU_ONLY, "us.anthropic.claude-3-haiku-20240307-v1:0", false),
          new Case("eu-central-1", EU_ONLY, "global.anthropic.claude-sonnet-4-v1:0", false),
          new Case("eu-central-1", EU_ONLY, "apac.anthropic.claude-3-haiku-20240307-v1:0", false),
          new Case("us-east-1", EU_ONLY, "anthropic.claude-3-haiku-20240307-v1:0", false),
          new Case("us-east-1", EU_ONLY, "eu.anthropic.claude-3-haiku-20240307-v1:0", false),
          // a single region allowed: its own models pass, a geography-wide profile does not
          new Case(
              "eu-central-1", List.of("eu-central-1"), "mistral.mistral-large-2402-v1:0", true),
          new Case(
              "eu-central-1", List.of("eu-central-1"), "eu.mistral.mistral-large-2402-v1:0", false),
          // no policy: only the pinned region, so every cross-region profile is refused
          new Case("eu-central-1", List.of(), "amazon.titan-text-express-v1", true),
          new Case("eu-central-1", List.of(), "eu.amazon.nova-lite-v1:0", false),
          new Case(
              "eu-central-1",
              List.of("eu", "global"),
              "global.anthropic.claude-sonnet-4-v1:0",
              true),
          new Case("us-west-2", List.of("us"), "us.meta.llama3-2-90b-instruct-v1:0", true),
          new Case("ap-south-1", List.of("apac"), "apac.amazon.nova-pro-v1:0", true),
          // ARNs: their region, and the profile inside them
          new Case(
              "eu-central-1",
              EU_ONLY,
              "arn:aws:bedrock:eu-central-1:123456789012:inference-profile/eu.anthropic.claude-v2",
              true),
          new Case(
              "eu-central-1",
              EU_ONLY,
              "arn:aws:bedrock:us-east-1:123456789012:foundation-model/anthropic.claude-v2",
              false),
          new Case(
              "eu-central-1",
              EU_ONLY,
              "arn:aws:bedrock:eu-central-1:123456789012:inference-profile/us.anthropic.claude-v2",
              false),
          new Case("EU-CENTRAL-1", List.of("EU"), "EU.anthropic.claude-v2", true));

  @Test
  void table() {
    for (Case c : CASES) {
      ResidencyPolicy policy = new ResidencyPolicy(c.region(), c.allowed());
      if (c.passes()) {
        policy.check(c.modelId());
      } else {
        assertThatThrownBy(() -> policy.check(c.modelId()))
            .as("%s", c)
            .isInstanceOf(ProxyException.class)
            .satisfies(
                e ->
                    assertThat(((ProxyException) e).error())
                        .isEqualTo(ProxyError.REGION_NOT_ALLOWED));
      }
    }
  }

  @Test
  void refusalNamesTheGeographyNotTheModel() {
    ResidencyPolicy policy = new ResidencyPolicy("eu-central-1", EU_ONLY);
    assertThatThrownBy(() -> policy.check("us.anthropic.claude-secret-project"))
        .hasMessageContaining("us.")
        .hasMessageNotContaining("secret-project");
  }
}
