package org.complianceproxy.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.complianceproxy.proxy.testing.AuditSpool;
import org.complianceproxy.proxy.testing.LeakGuard;
import org.complianceproxy.proxy.testing.ProxyHarness;
import org.complianceproxy.standin.OpenAiStandIn;
import org.complianceproxy.standin.StandInOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every kind of bad input and upstream failure gets an OpenAI-shaped error with a fitting status
 * and an audit record, and the very next request on the same proxy is served normally.
 */
@ExtendWith(LeakGuard.class)
class BadInputIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String GOOD_TEXT = "My SSN is 123-45-6789, mail me at ann@example.com";
  private static final String GOOD = chatBody("echo", GOOD_TEXT, false);

  @TempDir static Path dataDir;

  private static int upstreamPort;
  private static OpenAiStandIn standIn;
  private static ProxyHarness proxy;

  @BeforeAll
  static void start() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      upstreamPort = socket.getLocalPort();
    }
    standIn = startStandIn();
    proxy =
        ProxyHarness.start(
            standIn.baseUrl(),
            """
            limits:
              max_body: 64KiB
            openai:
              response_timeout: 1s
              idle_timeout: 2s
            """,
            Map.of(),
            dataDir);
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

  static Stream<Arguments> badRequests() {
    String bearer = "Bearer " + ProxyHarness.KEY;
    return Stream.of(
        Arguments.of(
            "malformed JSON", "{\"model\": \"echo\", \"messages\": [", bearer, 400, "invalid_json"),
        Arguments.of("not an object", "[1, 2, 3]", bearer, 400, "invalid_request"),
        Arguments.of("missing messages", "{\"model\":\"echo\"}", bearer, 400, "missing_messages"),
        Arguments.of(
            "empty messages",
            "{\"model\":\"echo\",\"messages\":[]}",
            bearer,
            400,
            "missing_messages"),
        Arguments.of(
            "body over the limit",
            chatBody("echo", "x".repeat(70 * 1024), false),
            bearer,
            413,
            "request_too_large"),
        Arguments.of("missing key", GOOD, null, 401, "missing_api_key"),
        Arguments.of("wrong key", GOOD, "Bearer sk-not-a-proxy-key", 401, "invalid_api_key"),
        Arguments.of(
            "upstream answers 500",
            chatBody("fail-500", GOOD_TEXT, false),
            bearer,
            502,
            "upstream_error"),
        Arguments.of(
            "upstream answers 500 to a stream",
            chatBody("fail-500", GOOD_TEXT, true),
            bearer,
            502,
            "upstream_error"),
        Arguments.of(
            "upstream times out",
            chatBody("hang", GOOD_TEXT, false),
            bearer,
            504,
            "upstream_timeout"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badRequests")
  void badInputGetsAnOpenAiErrorAnAuditRecordAndTheNextRequestSucceeds(
      String name, String body, String authorization, int status, String code) throws IOException {
    HttpResponse<String> response = proxy.chat(body, authorization);

    assertError(response, status, code);
    assertGoodRequestSucceeds();
  }

  @Test
  void unreachableUpstreamIs502AndServiceResumesWhenItReturns() throws IOException {
    standIn.close();
    try {
      assertError(proxy.chat(GOOD), 502, "upstream_unreachable");
    } finally {
      standIn = startStandIn();
    }
    assertGoodRequestSucceeds();
  }

  @Test
  void upstreamRateLimitPassesThroughWithItsOwnStatusAndBody() throws IOException {
    HttpResponse<String> response = proxy.chat(chatBody("fail-429", GOOD_TEXT, false));

    assertThat(response.statusCode()).isEqualTo(429);
    assertThat(response.headers().firstValue("x-request-id")).isPresent();
    assertThat(JSON.readTree(response.body()).path("error").path("message").asText()).isNotBlank();
    assertThat(response.body()).doesNotContain(ProxyHarness.UPSTREAM_KEY);
    assertGoodRequestSucceeds();
  }

  @Test
  void unknownPathIs404InOpenAiShape() throws IOException {
    HttpResponse<String> response =
        proxy.send(
            java.net.http.HttpRequest.newBuilder(java.net.URI.create(proxy.baseUrl() + "/models/x"))
                .header("authorization", "Bearer " + ProxyHarness.KEY)
                .build());
    assertError(response, 404, "unknown_url");
  }

  private static void assertError(HttpResponse<String> response, int status, String code)
      throws IOException {
    assertThat(response.statusCode()).as("status").isEqualTo(status);
    assertThat(response.headers().firstValue("x-request-id"))
        .as("x-request-id among %s, body %s", response.headers().map(), response.body())
        .isPresent();
    String requestId = response.headers().firstValue("x-request-id").orElseThrow();
    JsonNode error = JSON.readTree(response.body()).path("error");
    assertThat(error.path("code").asText()).isEqualTo(code);
    assertThat(error.path("type").asText()).isNotBlank();
    assertThat(error.path("message").asText()).isNotBlank();
    assertThat(error.has("param")).isTrue();
    assertThat(response.body()).doesNotContain("123-45-6789").doesNotContain("ann@example.com");

    List<JsonNode> summaries =
        AuditSpool.await(
            dataDir,
            AuditSpool.ofRequest(requestId)
                .and(r -> "request_summary".equals(r.path("kind").asText())),
            1);
    assertThat(summaries).as("audit summary of %s", requestId).hasSize(1);
    JsonNode summary = summaries.get(0);
    assertThat(summary.path("status").asInt()).isEqualTo(status);
    assertThat(summary.path("outcome").asText()).isEqualTo(code);
  }

  private static void assertGoodRequestSucceeds() throws IOException {
    HttpResponse<String> next = proxy.chat(GOOD);
    assertThat(next.statusCode()).as("next request").isEqualTo(200);
    assertThat(JSON.readTree(next.body()).at("/choices/0/message/content").asText())
        .isEqualTo(GOOD_TEXT);
  }

  private static OpenAiStandIn startStandIn() {
    return OpenAiStandIn.start(
        StandInOptions.defaults().withPort(upstreamPort).withApiKey(ProxyHarness.UPSTREAM_KEY));
  }

  static String chatBody(String model, String text, boolean stream) {
    try {
      return JSON.writeValueAsString(
          Map.of(
              "model", model,
              "stream", stream,
              "messages", List.of(Map.of("role", "user", "content", text))));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
