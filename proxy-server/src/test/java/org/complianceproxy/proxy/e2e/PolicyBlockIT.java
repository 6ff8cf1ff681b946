package org.complianceproxy.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.complianceproxy.proxy.testing.LeakGuard;
import org.complianceproxy.proxy.testing.ProxyHarness;
import org.complianceproxy.standin.BedrockStandIn;
import org.complianceproxy.standin.OpenAiStandIn;
import org.complianceproxy.standin.StandInOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.model.AccessDeniedException;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ConversationRole;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseResponse;
import software.amazon.awssdk.services.bedrockruntime.model.Message;

/**
 * A tenant whose policy blocks cards, on both front doors: the client gets a 403 in its front
 * door's error format naming the entity type and never the value; not one byte (not even a
 * connection) reaches the upstream, counted by a TCP relay in front of each stand-in; and the audit
 * trail holds the request's findings (the card with action BLOCK), a policy_refusal record naming
 * the entity type and the rule, and the 403 summary, in that order and schema-valid. Another
 * tenant, without the block, goes through the same relays, which proves that they count.
 */
@ExtendWith(LeakGuard.class)
class PolicyBlockIT {

  private static final String CARD = "4111 1111 1111 1111";
  private static final String EMAIL = "ann.lee@example.com";
  private static final String TEXT = "Card " + CARD + ", mail " + EMAIL;
  private static final String ACME_ACCESS_KEY = "AKIAPROXYACMEBLOCK01";
  private static final String GLOBEX_ACCESS_KEY = "AKIAPROXYGLOBEXBLK01";
  private static final String SECRET = "proxy-issued-secret-for-block-0123456789";
  private static final String POLICY = "dlp:\n  tenants:\n    acme: {actions: {CARD: block}}\n";
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dataDir;

  private static OpenAiStandIn openAi;
  private static BedrockStandIn bedrock;
  private static CountingRelay openAiRelay;
  private static CountingRelay bedrockRelay;
  private static ProxyHarness proxy;
  private static BedrockRuntimeAsyncClient acme;
  private static BedrockRuntimeAsyncClient globex;

  @BeforeAll
  static void start() {
    System.setProperty("aws.accessKeyId", "AKIAUPSTREAMPROXY0001");
    System.setProperty("aws.secretAccessKey", "upstream-secret-of-the-proxy");
    openAi = OpenAiStandIn.start(StandInOptions.defaults().withApiKey(ProxyHarness.UPSTREAM_KEY));
    bedrock = BedrockStandIn.start(0, 7L, 64);
    openAiRelay = CountingRelay.start(openAi.port());
    bedrockRelay = CountingRelay.start(bedrock.port());
    proxy =
        ProxyHarness.start(
            "http://127.0.0.1:" + openAiRelay.port() + "/v1",
            POLICY,
            Map.of(
                "AWS_REGION",
                "eu-central-1",
                "BEDROCK_ENDPOINT",
                "http://127.0.0.1:" + bedrockRelay.port(),
                "PROXY_AWS_KEYS",
                ProxyHarness.TENANT
                    + ":"
                    + ACME_ACCESS_KEY
                    + ":"
                    + SECRET
                    + ","
                    + ProxyHarness.OTHER_TENANT
                    + ":"
                    + GLOBEX_ACCESS_KEY
                    + ":"
                    + SECRET),
            dataDir);
    acme = BedrockNativeIT.sdkClient(proxy, ACME_ACCESS_KEY, SECRET);
    globex = BedrockNativeIT.sdkClient(proxy, GLOBEX_ACCESS_KEY, SECRET);
  }

  @AfterAll
  static void stop() throws Exception {
    for (AutoCloseable c :
        new AutoCloseable[] {acme, globex, proxy, openAiRelay, bedrockRelay, openAi, bedrock}) {
      if (c != null) {
        c.close();
      }
    }
    System.clearProperty("aws.accessKeyId");
    System.clearProperty("aws.secretAccessKey");
  }

  @ParameterizedTest(name = "stream {0}")
  @ValueSource(booleans = {false, true})
  void openAiFrontDoorRefusesWithoutAByteUpstream(boolean stream) throws IOException {
    HttpResponse<String> allowed =
        proxy.chat(BadInputIT.chatBody("echo", TEXT, stream), "Bearer " + ProxyHarness.OTHER_KEY);
    assertThat(allowed.statusCode()).as("another tenant's request passes").isEqualTo(200);
    long bytes = openAiRelay.bytesUpstream();
    long connections = openAiRelay.connections();
    int received = openAi.received().size();
    assertThat(bytes).as("the relay counts what goes upstream").isPositive();

    HttpResponse<String> refused = proxy.chat(BadInputIT.chatBody("echo", TEXT, stream));

    assertThat(refused.statusCode()).isEqualTo(403);
    JsonNode error = JSON.readTree(refused.body()).path("error");
    assertThat(error.path("code").asText()).isEqualTo("blocked_by_policy");
    assertThat(error.path("type").asText()).isEqualTo("policy_violation");
    assertThat(error.path("message").asText()).contains("CARD");
    assertThat(refused.body()).doesNotContain("4111").doesNotContain("ann.lee");
    assertThat(openAiRelay.bytesUpstream()).as("bytes upstream").isEqualTo(bytes);
    assertThat(openAiRelay.connections()).as("connections upstream").isEqualTo(connections);
    assertThat(openAi.received()).hasSize(received);

    String requestId = refused.headers().firstValue("x-request-id").orElseThrow();
    assertAudited(requestId, "openai.chat.completions", "echo");
  }

  @Test
  void bedrockNativeFrontDoorRefusesWithoutAByteUpstream() {
    assertThat(text(converse(globex))).as("another tenant's request passes").isEqualTo(TEXT);
    long bytes = bedrockRelay.bytesUpstream();
    long connections = bedrockRelay.connections();
    assertThat(bytes).as("the relay counts what goes upstream").isPositive();

    assertThatThrownBy(() -> converse(acme))
        .isInstanceOf(CompletionException.class)
        .cause()
        .isInstanceOf(AccessDeniedException.class)
        .hasMessageContaining("CARD")
        .hasMessageNotContaining("4111")
        .hasMessageNotContaining("ann.lee")
        .satisfies(
            e -> {
              AwsServiceException aws = (AwsServiceException) e;
              assertThat(aws.statusCode()).isEqualTo(403);
              assertThat(aws.awsErrorDetails().errorCode()).isEqualTo("AccessDeniedException");
              assertAudited(aws.requestId(), "bedrock.converse", BedrockNativeIT.MODEL);
            });
    assertThat(bedrockRelay.bytesUpstream()).as("bytes upstream").isEqualTo(bytes);
    assertThat(bedrockRelay.connections()).as("connections upstream").isEqualTo(connections);
  }

  /** The refused request's records: findings, then the refusal, then the 403 summary. */
  private static void assertAudited(String requestId, String route, String model) {
    List<JsonNode> records = TenantPolicyIT.auditOf(dataDir, requestId);

    assertThat(records)
        .extracting(r -> r.path("kind").asText())
        .containsExactly("finding", "finding", "policy_refusal", "request_summary");
    assertThat(records.subList(0, 2))
        .extracting(r -> r.path("entity_type").asText(), r -> r.path("action").asText())
        .containsExactly(tuple("CARD", "BLOCK"), tuple("EMAIL", "TOKENIZE"));
    JsonNode refusal = records.get(2);
    assertThat(refusal.path("tenant").asText()).isEqualTo(ProxyHarness.TENANT);
    assertThat(refusal.path("route").asText()).isEqualTo(route);
    assertThat(refusal.path("code").asText()).isEqualTo("blocked_by_policy");
    assertThat(refusal.path("status").asInt()).isEqualTo(403);
    assertThat(refusal.path("entity_type").asText()).isEqualTo("CARD");
    assertThat(refusal.path("rule_id").asText())
        .as("the rule that found the card, as its finding names it")
        .isEqualTo(records.get(0).path("rule_id").asText())
        .startsWith("card");
    assertThat(refusal.path("model").asText()).isEqualTo(model);
    JsonNode summary = records.get(3);
    assertThat(summary.path("status").asInt()).isEqualTo(403);
    assertThat(summary.path("outcome").asText()).isEqualTo("blocked_by_policy");
    assertThat(summary.path("route").asText()).isEqualTo(route);
    assertThat(summary.path("findings").asInt()).as("the summary counts the findings").isEqualTo(2);
    assertThat(summary.path("model").asText()).isEqualTo(model);
    for (JsonNode record : records) {
      assertThat(record.toString()).doesNotContain(CARD).doesNotContain(EMAIL);
    }
  }

  private static ConverseResponse converse(BedrockRuntimeAsyncClient client) {
    return client
        .converse(
            r ->
                r.modelId(BedrockNativeIT.MODEL)
                    .messages(
                        Message.builder()
                            .role(ConversationRole.USER)
                            .content(ContentBlock.fromText(TEXT))
                            .build()))
        .join();
  }

  private static String text(ConverseResponse response) {
    return response.output().message().content().get(0).text();
  }
}
