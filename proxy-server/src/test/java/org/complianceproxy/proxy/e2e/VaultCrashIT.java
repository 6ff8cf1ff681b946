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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.complianceproxy.proxy.testing.ProxyHarness;
import org.complianceproxy.standin.OpenAiStandIn;
import org.complianceproxy.standin.ReceivedRequest;
import org.complianceproxy.standin.StandInOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged proxy on the embedded store is killed with SIGKILL while clients keep sending; after
 * a restart on the same data directory, every token of a request whose answer a client had already
 * received is restored when pasted back, because the proxy only forwards a request once the vault
 * has forced its entries to disk.
 */
class VaultCrashIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern EMAIL_TOKEN = Pattern.compile("<<EMAIL_[0-9A-Z]{10}>>");
  private static final String KEY = "sk-crash-test";

  @TempDir Path dir;
  private OpenAiStandIn upstream;
  private Process proxy;
  private int port;
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(2))
          .build();

  @AfterEach
  void stop() throws Exception {
    if (proxy != null) {
      proxy.destroyForcibly().waitFor(20, TimeUnit.SECONDS);
    }
    if (upstream != null) {
      upstream.close();
    }
  }

  @Test
  void everyTokenAClientReceivedBeforeKillNineStillRestoresAfterRestart() throws Exception {
    upstream = OpenAiStandIn.start(StandInOptions.defaults().withApiKey(ProxyHarness.UPSTREAM_KEY));
    startProxy("first");

    Map<Integer, String> answered = new ConcurrentHashMap<>();
    AtomicBoolean killed = new AtomicBoolean();
    AtomicInteger next = new AtomicInteger();
    CountDownLatch enough = new CountDownLatch(300);
    ExecutorService clients = Executors.newFixedThreadPool(8);
    for (int t = 0; t < 8; t++) {
      clients.submit(
          () -> {
            while (!killed.get()) {
              int i = next.getAndIncrement();
              String email = "u" + i + ".crash@example.com";
              try {
                HttpResponse<String> response = post(chat("ref-" + i + " : mail " + email));
                if (response.statusCode() == 200
                    && content(response).equals("ref-" + i + " : mail " + email)) {
                  answered.put(i, email);
                  enough.countDown();
                }
              } catch (Exception refusedOrCut) {
                // in flight at the kill: the client never received an answer
              }
            }
            return null;
          });
    }
    assertThat(enough.await(90, TimeUnit.SECONDS)).as("300 answers before the kill").isTrue();
    proxy.destroyForcibly();
    assertThat(proxy.waitFor(20, TimeUnit.SECONDS)).isTrue();
    killed.set(true);
    clients.shutdown();
    assertThat(clients.awaitTermination(30, TimeUnit.SECONDS)).isTrue();

    startProxy("second");

    List<Integer> ids = new ArrayList<>(answered.keySet());
    for (int from = 0; from < ids.size(); from += 50) {
      StringBuilder pasted = new StringBuilder("check");
      StringBuilder expected = new StringBuilder("check");
      for (int i : ids.subList(from, Math.min(ids.size(), from + 50))) {
        pasted.append(' ').append(tokenSentUpstream(i));
        expected.append(' ').append(answered.get(i));
      }
      HttpResponse<String> response = post(chat(pasted.toString()));
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(content(response)).isEqualTo(expected.toString());
    }
    assertThat(ids).hasSizeGreaterThanOrEqualTo(300);
  }

  private String tokenSentUpstream(int i) throws Exception {
    String marker = "ref-" + i + " : mail ";
    for (ReceivedRequest request : upstream.received()) {
      String content = JSON.readTree(request.body()).at("/messages/0/content").asText("");
      if (content.startsWith(marker)) {
        Matcher m = EMAIL_TOKEN.matcher(content);
        assertThat(m.find()).isTrue();
        return m.group();
      }
    }
    throw new AssertionError("upstream never saw request " + i);
  }

  private void startProxy(String name) throws Exception {
    port = freePort();
    int adminPort = freePort();
    ProcessBuilder builder =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                System.getProperty("proxy.jar", "target/compliance-proxy.jar"),
                "serve")
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve(name + ".out").toFile());
    Map<String, String> env = builder.environment();
    env.put("PROXY_LISTEN", "127.0.0.1:" + port);
    env.put("PROXY_ADMIN_LISTEN", "127.0.0.1:" + adminPort);
    env.put("PROXY_DATA_DIR", dir.resolve("data").toString());
    env.put("PROXY_API_KEYS", "acme:" + KEY);
    env.put("OPENAI_BASE_URL", upstream.baseUrl());
    env.put("OPENAI_API_KEY", ProxyHarness.UPSTREAM_KEY);
    env.remove("KAFKA_BOOTSTRAP_SERVERS");
    env.remove("KMS_KEY_ID");
    env.remove("VAULT_JDBC_URL");
    proxy = builder.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (!proxy.isAlive()) {
        throw new AssertionError(
            "proxy exited: "
                + Files.readString(dir.resolve(name + ".out"), StandardCharsets.UTF_8));
      }
      try {
        HttpResponse<String> ready =
            http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/readyz"))
                    .timeout(Duration.ofSeconds(2))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (ready.statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(100);
    }
    throw new AssertionError("proxy not ready");
  }

  private HttpResponse<String> post(String body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
            .header("authorization", "Bearer " + KEY)
            .header("content-type", "application/json")
            .timeout(Duration.ofSeconds(20))
            .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
            .build(),
        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  private static String chat(String text) throws Exception {
    return VaultSharedStoreIT.chat(text);
  }

  private static String content(HttpResponse<String> response) throws Exception {
    JsonNode json = JSON.readTree(response.body());
    return json.at("/choices/0/message/content").asText();
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
