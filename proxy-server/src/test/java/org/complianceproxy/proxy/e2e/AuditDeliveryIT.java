package org.complianceproxy.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.complianceproxy.localkafka.LocalKafka;
import org.complianceproxy.proxy.audit.AuditTopic;
import org.complianceproxy.proxy.testing.AuditSpool;
import org.complianceproxy.proxy.testing.LeakGuard;
import org.complianceproxy.proxy.testing.PiiCorpus;
import org.complianceproxy.proxy.testing.ProxyHarness;
import org.complianceproxy.standin.OpenAiStandIn;
import org.complianceproxy.standin.StandInOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit trail through Kafka outages: the broker killed under load and brought back, and the
 * proxy itself killed with SIGKILL while the broker is away. Afterwards the topic holds every
 * record of every request, none twice, each request's in order, every chain intact.
 */
@ExtendWith(LeakGuard.class)
class AuditDeliveryIT {

  private static final int CLIENTS = 4;
  private static final int PER_PHASE = 120;
  private static final Duration DELIVERY_TIMEOUT = Duration.ofSeconds(90);

  // Kept when a test fails: it holds the spool, the broker's log and the proxy's output.
  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  Path dir;

  private OpenAiStandIn standIn;
  private LocalKafka kafka;
  private final String topic = "audit-delivery-" + UUID.randomUUID();
  private final List<String> requestIds = Collections.synchronizedList(new ArrayList<>());
  private final List<String> pii = Collections.synchronizedList(new ArrayList<>());

  @BeforeEach
  void start() {
    standIn = OpenAiStandIn.start(StandInOptions.defaults().withApiKey(ProxyHarness.UPSTREAM_KEY));
    kafka = LocalKafka.start(dir.resolve("kafka"));
  }

  @AfterEach
  void stop() {
    if (kafka != null) {
      kafka.close();
    }
    if (standIn != null) {
      standIn.close();
    }
  }

  @Test
  void brokerKilledUnderLoadAndRestartedLosesNothingAndDoublesNothing() throws Exception {
    Path dataDir = dir.resolve("proxy");
    ProxyHarness proxy =
        ProxyHarness.start(
            standIn.baseUrl(),
            "",
            Map.of("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(), "AUDIT_TOPIC", topic),
            dataDir);
    try {
      try (Load load = new Load(body -> proxy.chat(body), 1L)) {
        load.awaitResponses(PER_PHASE);
        kafka.kill();
        load.awaitResponses(2 * PER_PHASE);
        kafka.restart();
        load.awaitResponses(3 * PER_PHASE);
      }
      AuditTopic.awaitSummaries(kafka.bootstrapServers(), topic, requestIds, DELIVERY_TIMEOUT);
    } finally {
      proxy.close();
    }

    assertThat(requestIds).hasSizeGreaterThanOrEqualTo(3 * PER_PHASE);
    AuditTopic.assertCompleteOnceInOrder(
        AuditTopic.readAll(kafka.bootstrapServers(), topic), requestIds, pii);
  }

  @Test
  void proxyKilledWithSigkillDuringAnOutageShipsItsSpoolAfterRestart() throws Exception {
    Path dataDir = dir.resolve("proxy");
    int port = freePort();
    Process first = startJar(dataDir, port, "first");
    try (Load load = new Load(body -> post(port, body), 2L)) {
      load.awaitResponses(PER_PHASE);
      kafka.kill();
      load.awaitResponses(2 * PER_PHASE);
    }
    // Everything the clients got an answer for is in the spool (fsync'd within ~50 ms)...
    List<String> answered = List.copyOf(requestIds);
    for (String requestId : answered.subList(PER_PHASE, answered.size())) {
      assertThat(
              AuditSpool.await(
                  dataDir,
                  r ->
                      requestId.equals(r.path("request_id").asText())
                          && "request_summary".equals(r.path("kind").asText()),
                  1))
          .as("spooled summary of %s", requestId)
          .isNotEmpty();
    }
    // ...when the proxy dies without a chance to flush anything.
    first.destroyForcibly();
    assertThat(first.waitFor(20, TimeUnit.SECONDS)).isTrue();

    Process second = startJar(dataDir, port, "second");
    try {
      try (Load load = new Load(body -> post(port, body), 3L)) {
        load.awaitResponses(PER_PHASE);
      }
      kafka.restart();
      List<AuditTopic.Entry> entries =
          AuditTopic.awaitSummaries(kafka.bootstrapServers(), topic, requestIds, DELIVERY_TIMEOUT);
      AuditTopic.assertCompleteOnceInOrder(entries, requestIds, pii);
      assertThat(entries.stream().map(e -> e.json().path("instance").asText()).distinct())
          .as("one chain per proxy process")
          .hasSize(2);
    } finally {
      second.destroy();
      assertThat(second.waitFor(30, TimeUnit.SECONDS)).as("proxy stops on SIGTERM").isTrue();
    }
    AuditTopic.assertCompleteOnceInOrder(
        AuditTopic.readAll(kafka.bootstrapServers(), topic), requestIds, pii);
  }

  private Process startJar(Path dataDir, int port, String name) throws Exception {
    int adminPort = freePort();
    ProcessBuilder builder =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                System.getProperty("proxy.jar", "target/compliance-proxy.jar"),
                "serve")
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("proxy-" + name + ".out").toFile());
    builder.environment().put("PROXY_LISTEN", "127.0.0.1:" + port);
    builder.environment().put("PROXY_ADMIN_LISTEN", "127.0.0.1:" + adminPort);
    builder.environment().put("PROXY_DATA_DIR", dataDir.toString());
    builder.environment().put("PROXY_API_KEYS", ProxyHarness.TENANT + ":" + ProxyHarness.KEY);
    builder.environment().put("OPENAI_BASE_URL", standIn.baseUrl());
    builder.environment().put("OPENAI_API_KEY", ProxyHarness.UPSTREAM_KEY);
    builder.environment().put("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
    builder.environment().put("AUDIT_TOPIC", topic);
    Process process = builder.start();
    HttpClient http = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (true) {
      assertThat(process.isAlive()).as("proxy %s running", name).isTrue();
      try {
        HttpResponse<String> ready =
            http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/healthz"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (ready.statusCode() == 200) {
          return process;
        }
      } catch (IOException notYet) {
        // Still starting.
      }
      assertThat(System.nanoTime() - deadline).as("proxy %s started", name).isNegative();
      Thread.sleep(100);
    }
  }

  private static HttpResponse<String> post(int port, String body) {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
            .timeout(Duration.ofSeconds(30))
            .header("content-type", "application/json")
            .header("authorization", "Bearer " + ProxyHarness.KEY)
            .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
            .build();
    try {
      return CLIENT.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static final HttpClient CLIENT =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  /** Clients sending chats with PII until closed, recording each answered request's id. */
  private final class Load implements AutoCloseable {
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicInteger answered = new AtomicInteger();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final List<Thread> threads = new ArrayList<>();
    private final int base = requestIds.size();

    Load(Function<String, HttpResponse<String>> send, long seed) {
      for (int c = 0; c < CLIENTS; c++) {
        PiiCorpus corpus = new PiiCorpus(seed * 100 + c);
        Thread thread =
            new Thread(
                () -> {
                  int i = 0;
                  while (running.get()) {
                    PiiCorpus.Message message = corpus.message();
                    pii.addAll(message.piiValues());
                    try {
                      HttpResponse<String> response =
                          send.apply(BadInputIT.chatBody("echo", message.text(), i++ % 2 == 0));
                      assertThat(response.statusCode()).isEqualTo(200);
                      requestIds.add(response.headers().firstValue("x-request-id").orElseThrow());
                      answered.incrementAndGet();
                    } catch (Throwable t) {
                      failure.compareAndSet(null, t);
                      return;
                    }
                  }
                },
                "load-" + c);
        thread.start();
        threads.add(thread);
      }
    }

    void awaitResponses(int count) throws InterruptedException {
      long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
      while (answered.get() < count) {
        if (failure.get() != null) {
          throw new AssertionError("a client failed", failure.get());
        }
        assertThat(System.nanoTime() - deadline).as("%d answers", count).isNegative();
        Thread.sleep(10);
      }
    }

    @Override
    public void close() throws InterruptedException {
      running.set(false);
      for (Thread thread : threads) {
        thread.join();
      }
      if (failure.get() != null) {
        throw new AssertionError("a client failed", failure.get());
      }
      assertThat(requestIds.size() - base).isEqualTo(answered.get());
    }
  }
}
