package org.complianceproxy.proxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.complianceproxy.proxy.audit.AuditRecord;
import org.complianceproxy.proxy.audit.RequestSummary;
import org.complianceproxy.proxy.config.ProxyConfig;
import org.complianceproxy.proxy.testing.LeakGuard;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client pipeline as {@link ClientChannelInitializer} builds it, driven with raw HTTP bytes in
 * an {@link EmbeddedChannel}: answers that need no upstream, their order, their audit records, and
 * no buffer left behind.
 */
@ExtendWith(LeakGuard.class)
class ClientPipelineTest {

  @TempDir Path dataDir;

  private final EmbeddedFrontDoor.RecordingSink sink = new EmbeddedFrontDoor.RecordingSink();
  private final List<AuditRecord> audit = sink.records;
  private EmbeddedFrontDoor door;
  private EmbeddedChannel channel;

  @BeforeEach
  void setUp() throws IOException {
    ProxyConfig config = EmbeddedFrontDoor.openAiConfig(dataDir);
    ProxyConfig small =
        new ProxyConfig(
            config.listen(),
            config.adminListen(),
            config.dataDir(),
            config.apiKeys(),
            new ProxyConfig.Limits(1024, 1024, 8192, config.limits().clientIdleTimeout()),
            config.openAi(),
            config.audit(),
            config.vault(),
            config.bedrock(),
            config.adminKeySha256s(),
            config.dlp());
    door = EmbeddedFrontDoor.openAi(small, sink);
    channel = door.channel();
  }

  @AfterEach
  void tearDown() {
    door.close();
  }

  @Test
  void unknownPathIs404InOpenAiShapeWithAnAuditedRequestId() {
    String response = exchange("GET /v1/models HTTP/1.1\r\nHost: x\r\n\r\n");

    assertThat(response).startsWith("HTTP/1.1 404 ");
    assertThat(response)
        .contains("\"code\":\"unknown_url\"")
        .contains("\"type\":\"invalid_request_error\"");
    String requestId = header(response, "x-request-id");
    assertThat(summaries())
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.requestId()).isEqualTo(requestId);
              assertThat(s.status()).isEqualTo(404);
              assertThat(s.outcome()).isEqualTo("unknown_url");
            });
  }

  @Test
  void getOnChatCompletionsIs405() {
    String response = exchange("GET /v1/chat/completions HTTP/1.1\r\nHost: x\r\n\r\n");

    assertThat(response).startsWith("HTTP/1.1 405 ").contains("\"code\":\"method_not_allowed\"");
  }

  @Test
  void declaredOversizedBodyIs413BeforeItIsRead() {
    String response =
        exchange(
            "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n"
                + "Content-Type: application/json\r\n\r\n");

    assertThat(response).startsWith("HTTP/1.1 413 ").contains("\"code\":\"request_too_large\"");
    assertThat(summaries()).singleElement().extracting(RequestSummary::status).isEqualTo(413);
  }

  @Test
  void missingKeyIs401AndNothingIsScanned() {
    String body =
        "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"4111 1111 1111 1111\"}]}";
    String response =
        exchange(
            "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "Content-Length: "
                + body.length()
                + "\r\n\r\n"
                + body);

    assertThat(response).startsWith("HTTP/1.1 401 ").contains("\"code\":\"missing_api_key\"");
    assertThat(audit).singleElement().isInstanceOf(RequestSummary.class);
  }

  @Test
  void pipelinedRequestsAreAnsweredInOrder() {
    String response =
        exchange(
            "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
                + "GET /v1/chat/completions HTTP/1.1\r\nHost: x\r\n\r\n"
                + "GET /b HTTP/1.1\r\nHost: x\r\n\r\n");

    int first = response.indexOf("HTTP/1.1 404");
    int second = response.indexOf("HTTP/1.1 405");
    int third = response.indexOf("HTTP/1.1 404", first + 1);
    assertThat(first).isGreaterThanOrEqualTo(0);
    assertThat(second).isGreaterThan(first);
    assertThat(third).isGreaterThan(second);
  }

  @Test
  void malformedRequestLineIs400AndTheConnectionCloses() {
    String response = exchange("BREW /pot\r\n\r\n");

    assertThat(response).startsWith("HTTP/1.1 400 ");
    assertThat(channel.isOpen()).isFalse();
  }

  private String exchange(String raw) {
    channel.writeInbound(Unpooled.copiedBuffer(raw, StandardCharsets.ISO_8859_1));
    channel.runPendingTasks();
    StringBuilder out = new StringBuilder();
    ByteBuf buf;
    while ((buf = channel.readOutbound()) != null) {
      out.append(buf.toString(StandardCharsets.UTF_8));
      buf.release();
    }
    return out.toString();
  }

  private static String header(String response, String name) {
    for (String line : response.split("\r\n")) {
      int colon = line.indexOf(':');
      if (colon > 0 && line.substring(0, colon).equalsIgnoreCase(name)) {
        return line.substring(colon + 1).trim();
      }
    }
    throw new AssertionError("no " + name + " in " + response);
  }

  private List<RequestSummary> summaries() {
    return audit.stream()
        .filter(RequestSummary.class::isInstance)
        .map(RequestSummary.class::cast)
        .toList();
  }
}
