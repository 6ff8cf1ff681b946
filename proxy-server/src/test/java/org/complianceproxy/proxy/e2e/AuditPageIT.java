package org.complianceproxy.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.complianceproxy.proxy.admin.AdminHandler;
import org.complianceproxy.proxy.admin.AuditPage;
import org.complianceproxy.proxy.admin.Metrics;
import org.complianceproxy.proxy.audit.AuditRecords;
import org.complianceproxy.proxy.config.ProxyConfig;
import org.complianceproxy.proxy.testing.AuditSpool;
import org.complianceproxy.proxy.testing.LeakGuard;
import org.complianceproxy.proxy.testing.PiiCorpus;
import org.complianceproxy.proxy.testing.ProxyHarness;
import org.complianceproxy.standin.OpenAiStandIn;
import org.complianceproxy.standin.StandInOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The officers' audit page on an admin listener over a proxy's real audit trail: its JSON API, and
 * the page itself in Debian's chromium (headless, driven by playwright-core), which filters by
 * entity type and opens a request's timeline. Installs chromium and playwright-core through {@code
 * deploy/test-tools/install-chromium.sh} when they are missing.
 */
@ExtendWith(LeakGuard.class)
class AuditPageIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir static Path dataDir;

  private static OpenAiStandIn standIn;
  private static ProxyHarness proxy;
  private static EventLoopGroup loops;
  private static Channel admin;
  private static AuditPage page;
  private static final List<String> requestIds = new ArrayList<>();
  private static final List<String> pii = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    standIn = OpenAiStandIn.start(StandInOptions.defaults().withApiKey(ProxyHarness.UPSTREAM_KEY));
    proxy = ProxyHarness.start(standIn.baseUrl(), dataDir);
    for (PiiCorpus.Message message : new PiiCorpus(77L).messages(12)) {
      pii.addAll(message.piiValues());
      HttpResponse<String> response =
          proxy.chat(BadInputIT.chatBody("echo", message.text(), false));
      assertThat(response.statusCode()).isEqualTo(200);
      requestIds.add(response.headers().firstValue("x-request-id").orElseThrow());
    }
    for (String requestId : requestIds) {
      assertThat(
              AuditSpool.await(
                  dataDir,
                  r ->
                      requestId.equals(r.path("request_id").asText())
                          && "request_summary".equals(r.path("kind").asText()),
                  1))
          .isNotEmpty();
    }
    page =
        AuditPage.of(
            new ProxyConfig.Audit(Optional.empty(), "compliance.audit.v1", false, 1L << 30),
            dataDir);
    loops = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    admin =
        new ServerBootstrap()
            .group(loops)
            .channel(NioServerSocketChannel.class)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    ch.pipeline()
                        .addLast(new HttpServerCodec())
                        .addLast(new HttpObjectAggregator(64 * 1024))
                        .addLast(new AdminHandler(new Metrics(), () -> true, page));
                  }
                })
            .bind("127.0.0.1", 0)
            .sync()
            .channel();
  }

  @AfterAll
  static void stop() {
    if (admin != null) {
      admin.close().syncUninterruptibly();
      loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
    if (page != null) {
      page.close();
    }
    if (proxy != null) {
      proxy.close();
    }
    if (standIn != null) {
      standIn.close();
    }
  }

  @Test
  void apiFiltersByEntityTypeAndEveryRecordIsValidAndFreeOfPii() throws Exception {
    String entityType = someEntityType();

    JsonNode all = getJson("/audit/api/records?limit=10000");
    JsonNode filtered = getJson("/audit/api/records?entity_type=" + entityType);

    assertThat(all.path("total").asInt()).isGreaterThan(filtered.path("total").asInt());
    List<String> raw = new ArrayList<>();
    all.path("records").forEach(r -> raw.add(r.toString()));
    AuditRecords.assertAllValid(raw);
    AuditRecords.assertNoPii(raw, pii);
    assertThat(filtered.path("records")).isNotEmpty();
    filtered
        .path("records")
        .forEach(r -> assertThat(r.path("entity_type").asText()).isEqualTo(entityType));
  }

  @Test
  void apiShowsOneRequestsTimelineInOrderAndTheChainStatus() throws Exception {
    String requestId = requestIds.get(3);

    JsonNode timeline = getJson("/audit/api/timeline?request_id=" + requestId);
    JsonNode chain = getJson("/audit/api/chain");

    List<String> kinds = new ArrayList<>();
    timeline.path("records").forEach(r -> kinds.add(r.path("kind").asText()));
    assertThat(kinds).contains("finding").endsWith("request_summary");
    assertThat(chain.path("ok").asBoolean()).isTrue();
    assertThat(chain.path("instances")).hasSize(1);
  }

  @Test
  void badParametersAndUnknownPathsAreRefused() throws Exception {
    assertThat(get("/audit/api/records?limit=lots").statusCode()).isEqualTo(400);
    assertThat(get("/audit/api/timeline").statusCode()).isEqualTo(400);
    assertThat(get("/audit/api/nothing").statusCode()).isEqualTo(404);
    HttpResponse<String> html = get("/audit");
    assertThat(html.statusCode()).isEqualTo(200);
    assertThat(html.headers().firstValue("content-type")).hasValue("text/html; charset=utf-8");
  }

  @Test
  void theBrowserFiltersByEntityTypeAndOpensARequestsTimeline() throws Exception {
    Path nodeDir = Path.of("target", "browser-tools").toAbsolutePath();
    Path tools = Path.of("..", "deploy", "test-tools").toAbsolutePath().normalize();
    run(List.of("sh", tools.resolve("install-chromium.sh").toString(), nodeDir.toString()), 900);
    Files.copy(
        tools.resolve("browser").resolve("audit-page.mjs"),
        nodeDir.resolve("audit-page.mjs"),
        StandardCopyOption.REPLACE_EXISTING);
    String entityType = someEntityType();

    String output =
        run(
            List.of(
                "node",
                nodeDir.resolve("audit-page.mjs").toString(),
                "http://127.0.0.1:" + port() + "/audit",
                entityType),
            120);
    JsonNode seen = JSON.readTree(output.lines().reduce((a, b) -> b).orElseThrow());

    assertThat(seen.path("chain").asText()).isEqualTo("ok");
    assertThat(seen.path("rows")).isNotEmpty();
    seen.path("rows").forEach(r -> assertThat(r.path("entityType").asText()).isEqualTo(entityType));
    String requestId = seen.path("requestId").asText();
    assertThat(requestIds).contains(requestId);
    assertThat(seen.path("title").asText()).contains(requestId);
    List<String> kinds = new ArrayList<>();
    seen.path("timeline").forEach(li -> kinds.add(li.path("kind").asText()));
    assertThat(kinds).contains("finding").endsWith("request_summary");
    String summary = seen.path("timeline").get(kinds.size() - 1).path("text").asText();
    assertThat(summary).contains("region").contains("200 ok");
    for (String value : pii) {
      assertThat(output).doesNotContain(value);
    }
  }

  private static String someEntityType() {
    return AuditSpool.read(dataDir).stream()
        .filter(r -> "finding".equals(r.path("kind").asText()))
        .map(r -> r.path("entity_type").asText())
        .findFirst()
        .orElseThrow();
  }

  private static int port() {
    return ((InetSocketAddress) admin.localAddress()).getPort();
  }

  private static HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port() + path)).build(),
        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  private static JsonNode getJson(String path) throws IOException, InterruptedException {
    HttpResponse<String> response = get(path);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return JSON.readTree(response.body());
  }

  /**
   * Runs {@code command} with its output going to a file, so the timeout applies even when the
   * process hangs without closing its output; a process over time is killed and the test fails with
   * what it printed.
   */
  private static String run(List<String> command, int timeoutSeconds) throws Exception {
    Path log = Files.createTempFile(Path.of("target"), "audit-page-run", ".log");
    Process process =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    boolean finished = process.waitFor(timeoutSeconds, TimeUnit.SECONDS);
    if (!finished) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly().waitFor();
    }
    String text = Files.readString(log, StandardCharsets.UTF_8);
    Files.deleteIfExists(log);
    assertThat(finished).as("%s finished within %d s: %s", command, timeoutSeconds, text).isTrue();
    assertThat(process.exitValue()).as("%s: %s", command, text).isZero();
    return text;
  }
}
