package org.complianceproxy.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.complianceproxy.auditschema.AuditSchemas;
import org.complianceproxy.proxy.testing.AuditSpool;
import org.complianceproxy.proxy.testing.LeakGuard;
import org.complianceproxy.proxy.testing.ProxyHarness;
import org.complianceproxy.standin.OpenAiStandIn;
import org.complianceproxy.standin.ReceivedRequest;
import org.complianceproxy.standin.StandInOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Per-tenant DLP policies from the {@code dlp} configuration, end to end through the OpenAI front
 * door and the echoing stand-in: tenant acme masks cards (the model and the client both see the
 * mask, which cannot be restored), tenant globex keeps the rules' tokenize; the default policy's
 * allow-listed phone number passes unchanged but is audited as ALLOW, and its deny-list term is
 * tokenized as CUSTOM and restored in the answer.
 */
@ExtendWith(LeakGuard.class)
class TenantPolicyIT {

  private static final String CARD = "4111 1111 1111 1111";
  private static final String SUPPORT_PHONE = "+1 800 555 0100";
  private static final String OTHER_PHONE = "(415) 555-2671";
  private static final String POLICY =
      """
      dlp:
        default_policy:
          allow: {PHONE: ["+1 (800) 555-0100"]}
          deny: ["Project Falcon"]
        tenants:
          acme:
            actions: {CARD: mask}
      """;
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dataDir;

  private static OpenAiStandIn standIn;
  private static ProxyHarness proxy;

  @BeforeAll
  static void start() {
    standIn = OpenAiStandIn.start(StandInOptions.defaults().withApiKey(ProxyHarness.UPSTREAM_KEY));
    proxy = ProxyHarness.start(standIn.baseUrl(), POLICY, Map.of(), dataDir);
  }

  @AfterAll
  static void stop() {
    if (proxy != null) {
      proxy.close();
    }
    if (standIn != null) {
      standIn.close();
    }
  }

  @Test
  void aTenantThatMasksCardsSendsAndGetsBackTheMask() throws IOException {
    String text = "Card " + CARD + " on file";

    Exchange exchange = chat(text, ProxyHarness.KEY);

    assertThat(exchange.upstream()).contains("Card ****1111 on file").doesNotContain(CARD);
    assertThat(exchange.answer()).isEqualTo("Card ****1111 on file");
    assertThat(exchange.requestFindings())
        .extracting(
            r -> r.path("entity_type").asText(),
            r -> r.path("action").asText(),
            r -> r.path("token").isNull())
        .containsExactly(tuple("CARD", "MASK", true));
    assertThat(exchange.records("restore")).isEmpty();
  }

  @Test
  void aTenantWithoutItsOwnActionTokenizesAndRestores() throws IOException {
    String text = "Card " + CARD + " on file";

    Exchange exchange = chat(text, ProxyHarness.OTHER_KEY);

    assertThat(exchange.upstream()).contains("Card <<CARD_").doesNotContain(CARD);
    assertThat(exchange.answer()).isEqualTo(text);
    assertThat(exchange.requestFindings())
        .extracting(r -> r.path("entity_type").asText(), r -> r.path("action").asText())
        .containsExactly(tuple("CARD", "TOKENIZE"));
    assertThat(exchange.records("restore")).hasSize(1);
  }

  @Test
  void anAllowListedValuePassesUnchangedAndIsAuditedAsAllow() throws IOException {
    String text = "Call " + SUPPORT_PHONE + ", not " + OTHER_PHONE;

    for (String key : List.of(ProxyHarness.KEY, ProxyHarness.OTHER_KEY)) {
      Exchange exchange = chat(text, key);

      assertThat(exchange.upstream())
          .as("written differently from the allow-list entry, and still allowed")
          .contains("Call " + SUPPORT_PHONE + ", not <<PHONE_")
          .doesNotContain(OTHER_PHONE);
      assertThat(exchange.answer()).isEqualTo(text);
      assertThat(exchange.requestFindings())
          .extracting(
              r -> r.path("entity_type").asText(),
              r -> r.path("action").asText(),
              r -> r.path("token").isNull())
          .containsExactly(tuple("PHONE", "ALLOW", true), tuple("PHONE", "TOKENIZE", false));
    }
  }

  @Test
  void aDenyListTermIsTokenizedAsCustomAndRestored() throws IOException {
    String text = "What is the status of PROJECT falcon this week?";

    Exchange exchange = chat(text, ProxyHarness.KEY);

    assertThat(exchange.upstream())
        .contains("status of <<CUSTOM_")
        .doesNotContainIgnoringCase("falcon");
    assertThat(exchange.answer()).isEqualTo(text);
    assertThat(exchange.requestFindings())
        .extracting(
            r -> r.path("entity_type").asText(),
            r -> r.path("rule_id").asText(),
            r -> r.path("action").asText())
        .containsExactly(tuple("CUSTOM", "deny-list", "TOKENIZE"));
    assertThat(exchange.records("restore"))
        .extracting(r -> r.path("entity_type").asText())
        .containsExactly("CUSTOM");
  }

  /** One request: what the stand-in received, the client's answer, the request's audit records. */
  private record Exchange(String upstream, String answer, List<JsonNode> audit) {

    List<JsonNode> records(String kind) {
      return audit.stream().filter(r -> kind.equals(r.path("kind").asText())).toList();
    }

    /** Findings in the request; those of output DLP in the answer have paths under /response/. */
    List<JsonNode> requestFindings() {
      return records("finding").stream()
          .filter(r -> r.path("field_path").asText().startsWith("/messages/"))
          .toList();
    }
  }

  private static Exchange chat(String text, String key) throws IOException {
    standIn.clear();
    HttpResponse<String> response =
        proxy.chat(BadInputIT.chatBody("echo", text, false), "Bearer " + key);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    List<ReceivedRequest> received = standIn.received();
    assertThat(received).hasSize(1);
    String upstream = JSON.readTree(received.get(0).body()).at("/messages/0/content").textValue();
    String answer = JSON.readTree(response.body()).at("/choices/0/message/content").textValue();
    String requestId = response.headers().firstValue("x-request-id").orElseThrow();
    return new Exchange(upstream, answer, auditOf(dataDir, requestId));
  }

  /**
   * The spooled audit records of one request, in order, once its summary is there; each one checked
   * against its schema.
   */
  static List<JsonNode> auditOf(Path dataDir, String requestId) {
    AuditSpool.await(
        dataDir,
        r ->
            requestId.equals(r.path("request_id").asText())
                && "request_summary".equals(r.path("kind").asText()),
        1);
    List<JsonNode> audit =
        AuditSpool.read(dataDir).stream().filter(AuditSpool.ofRequest(requestId)).toList();
    for (JsonNode record : audit) {
      assertThat(AuditSchemas.v1().problems(record)).as(record.toString()).isEmpty();
    }
    return audit;
  }
}
