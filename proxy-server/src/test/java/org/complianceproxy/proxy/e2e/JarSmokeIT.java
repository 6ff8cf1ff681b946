package org.complianceproxy.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.complianceproxy.proxy.testing.ProxyHarness;
import org.complianceproxy.standin.OpenAiStandIn;
import org.complianceproxy.standin.StandInOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged jar, started the way the README starts it ({@code java -jar
 * proxy-server/target/compliance-proxy.jar serve}) with the environment variables of the runtime
 * contract: it becomes ready, and a request carrying a card number, an SSN and an email comes back
 * byte for byte, streaming and not, while the stand-in upstream logs only tokens.
 */
class JarSmokeIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TEXT =
      "Card 4111 1111 1111 1111, SSN 123-45-6789, mail ann.lee@example.com — thanks!";

  @TempDir static Path dir;

  private static OpenAiStandIn standIn;
  private static Process proxy;
  private static int port;
  private static int adminPort;
  private static final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeAll
  static void start() throws Exception {
    standIn =
        OpenAiStandIn.start(
            StandInOptions.defaults()
                .withApiKey(ProxyHarness.UPSTREAM_KEY)
                .withLogFile(dir.resolve("standin.log")));
    port = freePort();
    adminPort = freePort();
    ProcessBuilder builder =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                System.getProperty("proxy.jar", "target/compliance-proxy.jar"),
                "serve")
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("proxy.out").toFile());
    builder.environment().put("PROXY_LISTEN", "127.0.0.1:" + port);
    builder.environment().put("PROXY_ADMIN_LISTEN", "127.0.0.1:" + adminPort);
    builder.environment().put("PROXY_DATA_DIR", dir.resolve("data").toString());
    builder.environment().put("PROXY_API_KEYS", "demo:sk-demo");
    builder.environment().put("OPENAI_BASE_URL", standIn.baseUrl());
    builder.environment().put("OPENAI_API_KEY", ProxyHarness.UPSTREAM_KEY);
    builder.environment().remove("KAFKA_BOOTSTRAP_SERVERS");
    proxy = builder.start();
    awaitReady();
  }

  @AfterAll
  static void stop() throws Exception {
    if (proxy != null) {
      proxy.destroy();
      assertThat(proxy.waitFor(20, TimeUnit.SECONDS)).as("proxy stops on SIGTERM").isTrue();
    }
    if (standIn != null) {
      standIn.close();
    }
  }

  @Test
  void nonStreamingRoundTripIsByteExactAndUpstreamSeesTokensOnly() throws Exception {
    HttpResponse<String> response = post(body(false));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(response.body()).at("/choices/0/message/content").asText())
        .isEqualTo(TEXT);
    assertUpstreamSawTokensOnly();
  }

  @Test
  void streamingRoundTripIsByteExactAndUpstreamSeesTokensOnly() throws Exception {
    HttpResponse<String> response = post(body(true));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type"))
        .hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
    StringBuilder text = new StringBuilder();
    for (String line : response.body().split("\n")) {
      if (line.startsWith("data: {")) {
        for (JsonNode choice : JSON.readTree(line.substring(6)).path("choices")) {
          text.append(choice.path("delta").path("content").asText(""));
        }
      }
    }
    assertThat(text.toString()).isEqualTo(TEXT);
    assertThat(response.body()).contains("data: [DONE]");
    assertUpstreamSawTokensOnly();
  }

  @Test
  void adminListenerAnswersHealthReadinessAndMetrics() throws Exception {
    assertThat(get("/healthz").statusCode()).isEqualTo(200);
    assertThat(get("/readyz").statusCode()).isEqualTo(200);
    post(body(false));
    HttpResponse<String> metrics = get("/metrics");
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.body())
        .contains("# TYPE proxy_requests_total counter")
        .contains("proxy_requests_total{route=\"openai.chat.completions\",status=\"200\"}")
        .contains("proxy_findings_total{entity_type=\"CARD\",action=\"TOKENIZE\"}")
        .doesNotContain("4111");
  }

  private static void assertUpstreamSawTokensOnly() throws IOException {
    String log = Files.readString(dir.resolve("standin.log"), StandardCharsets.UTF_8);
    assertThat(log)
        .contains("<<CARD_")
        .contains("<<SSN_")
        .contains("<<EMAIL_")
        .doesNotContain("4111 1111 1111 1111")
        .doesNotContain("123-45-6789")
        .doesNotContain("ann.lee@example.com")
        .doesNotContain("sk-demo");
  }

  private static String body(boolean stream) throws IOException {
    return JSON.writeValueAsString(
        JSON.createObjectNode()
            .put("model", "echo")
            .put("stream", stream)
            .set(
                "messages",
                JSON.createArrayNode()
                    .add(JSON.createObjectNode().put("role", "user").put("content", TEXT))));
  }

  private static HttpResponse<String> post(String body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
            .header("authorization", "Bearer sk-demo")
            .header("content-type", "application/json")
            .timeout(Duration.ofSeconds(20))
            .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
            .build(),
        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  private static HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path))
            .timeout(Duration.ofSeconds(5))
            .build(),
        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  private static void awaitReady() throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (!proxy.isAlive()) {
        throw new AssertionError(
            "proxy exited: " + Files.readString(dir.resolve("proxy.out"), StandardCharsets.UTF_8));
      }
      try {
        if (get("/readyz").statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(100);
    }
    throw new AssertionError(
        "proxy not ready: " + Files.readString(dir.resolve("proxy.out"), StandardCharsets.UTF_8));
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
