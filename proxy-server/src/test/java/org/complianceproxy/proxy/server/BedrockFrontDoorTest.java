package org.complianceproxy.proxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.complianceproxy.proxy.audit.AuditRecord;
import org.complianceproxy.proxy.audit.RequestSummary;
import org.complianceproxy.proxy.config.ConfigLoader;
import org.complianceproxy.proxy.config.ProxyConfig;
import org.complianceproxy.proxy.testing.LeakGuard;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The native Bedrock front door in an {@link EmbeddedChannel}: routing of {@code
 * /model/{modelId}/...}, errors in Bedrock's shape, and refusals (signature, residency) that never
 * reach the upstream, each with its audit summary.
 */
@ExtendWith(LeakGuard.class)
class BedrockFrontDoorTest {

  @TempDir Path dataDir;

  private final EmbeddedFrontDoor.RecordingSink sink = new EmbeddedFrontDoor.RecordingSink();
  private final List<AuditRecord> audit = sink.records;
  private EmbeddedFrontDoor door;
  private EmbeddedChannel channel;

  @BeforeEach
  void setUp() throws IOException {
    ProxyConfig config =
        ConfigLoader.load(
            Optional.empty(),
            Map.of(
                "PROXY_DATA_DIR", dataDir.toString(),
                "AWS_REGION", "eu-central-1",
                "BEDROCK_ENDPOINT", "http://127.0.0.1:1",
                "PROXY_AWS_KEYS", "acme:AKIAACME:secret"));
    door = EmbeddedFrontDoor.withBedrock(config, sink, "eu-central-1");
    channel = door.channel();
  }

  @AfterEach
  void tearDown() {
    door.close();
  }

  @Test
  void unsignedConverseIs403InBedrockShapeWithDecodedModelInTheSummary() {
    String response = post("/model/anthropic.claude-v2%3A1/converse", "{\"messages\":[]}", "");

    assertThat(response).startsWith("HTTP/1.1 403 ");
    assertThat(header(response, "x-amzn-ErrorType")).isEqualTo("AccessDeniedException");
    assertThat(response)
        .contains("{\"message\":\"Missing AWS Signature Version 4 authorization.\"}");
    RequestSummary summary = summary();
    assertThat(summary.requestId()).isEqualTo(header(response, "x-request-id"));
    assertThat(summary.route()).isEqualTo("bedrock.converse");
    assertThat(summary.model()).isEqualTo("anthropic.claude-v2:1");
    assertThat(summary.outcome()).isEqualTo("invalid_signature");
    assertThat(summary.upstream()).isNull();
  }

  @Test
  void forgedSignatureIs403() {
    String response =
        post(
            "/model/m/converse-stream",
            "{}",
            "Authorization: AWS4-HMAC-SHA256 Credential=AKIAACME/20260101/eu-central-1/bedrock/aws4_request,"
                + " SignedHeaders=host;x-amz-date, Signature=00\r\nX-Amz-Date: 20260101T000000Z\r\n");

    assertThat(response).startsWith("HTTP/1.1 403 ");
    assertThat(summary().route()).isEqualTo("bedrock.converse_stream");
  }

  @Test
  void unknownOperationAndWrongMethodAnswerInBedrockShape() {
    String unknown = post("/model/m/train", "{}", "");
    assertThat(unknown).startsWith("HTTP/1.1 404 ");
    assertThat(header(unknown, "x-amzn-ErrorType")).isEqualTo("ResourceNotFoundException");

    audit.clear();
    String get = exchange("GET /model/m/invoke HTTP/1.1\r\nHost: x\r\n\r\n");
    assertThat(get).startsWith("HTTP/1.1 405 ");
    assertThat(header(get, "x-amzn-ErrorType")).isEqualTo("ValidationException");
    assertThat(summary().route()).isEqualTo("bedrock.invoke");
  }

  @Test
  void openAiPathsKeepTheirShape() {
    String response = exchange("GET /v1/models HTTP/1.1\r\nHost: x\r\n\r\n");
    assertThat(response).startsWith("HTTP/1.1 404 ").contains("\"code\":\"unknown_url\"");
  }

  private String post(String path, String body, String headers) {
    return exchange(
        "POST "
            + path
            + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + headers
            + "Content-Length: "
            + body.length()
            + "\r\n\r\n"
            + body);
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

  private RequestSummary summary() {
    return audit.stream()
        .filter(RequestSummary.class::isInstance)
        .map(RequestSummary.class::cast)
        .reduce((a, b) -> b)
        .orElseThrow();
  }
}
