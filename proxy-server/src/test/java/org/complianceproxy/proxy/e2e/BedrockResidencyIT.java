package org.complianceproxy.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.complianceproxy.auditschema.AuditSchemas;
import org.complianceproxy.proxy.testing.AuditSpool;
import org.complianceproxy.proxy.testing.LeakGuard;
import org.complianceproxy.proxy.testing.ProxyHarness;
import org.complianceproxy.standin.BedrockStandIn;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.model.AccessDeniedException;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ConversationRole;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseResponse;
import software.amazon.awssdk.services.bedrockruntime.model.Message;

/**
 * Under an EU-only residency policy, the AWS SDK's client through the native front door: {@code
 * eu.} profiles and single-region models of an EU-pinned upstream pass; {@code us.} and {@code
 * global.} profiles, and any model on an upstream pinned to us-east-1, are refused with 403 and an
 * audit record, before anything reaches the upstream.
 */
@ExtendWith(LeakGuard.class)
class BedrockResidencyIT {

  private static final String EU_ONLY = "bedrock:\n  allowed_regions: [eu]\n";

  @TempDir static Path euDir;
  @TempDir static Path usDir;

  private static BedrockStandIn standIn;
  private static ProxyHarness euProxy;
  private static ProxyHarness usProxy;
  private static BedrockRuntimeAsyncClient eu;
  private static BedrockRuntimeAsyncClient us;

  @BeforeAll
  static void start() {
    System.setProperty("aws.accessKeyId", "AKIAUPSTREAMPROXY0001");
    System.setProperty("aws.secretAccessKey", "upstream-secret-of-the-proxy");
    standIn = BedrockStandIn.start(0, 3L, 64);
    euProxy = proxy("eu-central-1", euDir);
    usProxy = proxy("us-east-1", usDir);
    eu = BedrockNativeIT.sdkClient(euProxy, BedrockNativeIT.ACCESS_KEY, BedrockNativeIT.SECRET);
    us = BedrockNativeIT.sdkClient(usProxy, BedrockNativeIT.ACCESS_KEY, BedrockNativeIT.SECRET);
  }

  private static ProxyHarness proxy(String region, Path dir) {
    return ProxyHarness.start(
        "http://127.0.0.1:1/v1",
        EU_ONLY,
        Map.of(
            "AWS_REGION",
            region,
            "BEDROCK_ENDPOINT",
            standIn.endpoint().toString(),
            "PROXY_AWS_KEYS",
            ProxyHarness.TENANT + ":" + BedrockNativeIT.ACCESS_KEY + ":" + BedrockNativeIT.SECRET),
        dir);
  }

  @AfterAll
  static void stop() {
    for (AutoCloseable c : new AutoCloseable[] {eu, us, euProxy, usProxy, standIn}) {
      if (c != null) {
        try {
          c.close();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }
    }
    System.clearProperty("aws.accessKeyId");
    System.clearProperty("aws.secretAccessKey");
  }

  @Test
  void euProfileAndSingleRegionModelPass() {
    standIn.clear();
    assertThat(text(converse(eu, "eu.anthropic.claude-3-haiku-20240307-v1:0"))).isEqualTo("hello");
    assertThat(text(converse(eu, "anthropic.claude-3-haiku-20240307-v1:0"))).isEqualTo("hello");
    assertThat(standIn.received()).hasSize(2);
  }

  @Test
  void usAndGlobalProfilesAreRefusedWithAnAuditRecord() {
    standIn.clear();
    for (String model :
        List.of(
            "us.anthropic.claude-3-haiku-20240307-v1:0", "global.anthropic.claude-sonnet-4-v1:0")) {
      assertThatThrownBy(() -> converse(eu, model))
          .as(model)
          .isInstanceOf(CompletionException.class)
          .cause()
          .isInstanceOf(AccessDeniedException.class)
          .hasMessageContaining("residency policy")
          .satisfies(e -> assertThat(((AccessDeniedException) e).statusCode()).isEqualTo(403));
    }
    assertThat(standIn.received()).isEmpty();
    List<JsonNode> refusals =
        AuditSpool.await(
            euDir,
            r ->
                "request_summary".equals(r.path("kind").asText())
                    && "region_not_allowed".equals(r.path("outcome").asText()),
            2);
    assertThat(refusals).hasSize(2);
    assertThat(refusals).allSatisfy(r -> assertThat(r.path("status").asInt()).isEqualTo(403));
    List<JsonNode> policy =
        AuditSpool.await(euDir, r -> "policy_refusal".equals(r.path("kind").asText()), 2);
    assertThat(policy)
        .allSatisfy(
            r -> {
              assertThat(r.path("code").asText()).isEqualTo("region_not_allowed");
              assertThat(r.path("region").asText()).isEqualTo("eu-central-1");
            });
    for (JsonNode record : AuditSpool.read(euDir)) {
      assertThat(AuditSchemas.v1().problems(record)).as(record.toString()).isEmpty();
    }
  }

  @Test
  void upstreamPinnedOutsideThePolicyIsRefused() {
    standIn.clear();
    assertThatThrownBy(() -> converse(us, "anthropic.claude-3-haiku-20240307-v1:0"))
        .cause()
        .isInstanceOf(AccessDeniedException.class)
        .hasMessageContaining("us-east-1");
    assertThatThrownBy(() -> converse(us, "eu.anthropic.claude-3-haiku-20240307-v1:0"))
        .cause()
        .isInstanceOf(AccessDeniedException.class);
    assertThat(standIn.received()).isEmpty();
    assertThat(
            AuditSpool.await(
                usDir, r -> "region_not_allowed".equals(r.path("outcome").asText()), 2))
        .hasSize(2);
  }

  private static ConverseResponse converse(BedrockRuntimeAsyncClient client, String model) {
    return client
        .converse(
            r ->
                r.modelId(model)
                    .messages(
                        Message.builder()
                            .role(ConversationRole.USER)
                            .content(ContentBlock.fromText("hello"))
                            .build()))
        .join();
  }

  private static String text(ConverseResponse response) {
    return response.output().message().content().get(0).text();
  }
}
