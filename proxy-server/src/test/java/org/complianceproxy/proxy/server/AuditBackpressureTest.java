package org.complianceproxy.proxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.complianceproxy.proxy.audit.AuditJson;
import org.complianceproxy.proxy.audit.RestoreRecord;
import org.complianceproxy.proxy.audit.SpoolAuditSink;
import org.complianceproxy.proxy.config.ProxyConfig;
import org.complianceproxy.proxy.error.ProxyException;
import org.complianceproxy.proxy.testing.LeakGuard;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Not strict, and the audit spool can write nothing (its disk limit is reached and nothing ships
 * it): records wait in memory only up to the spool's cap, and from close to it on the front door
 * refuses requests with its own audit-unavailable error, instead of letting memory grow. The
 * connection stays usable, the summaries that no longer fit are not queued, and nothing is
 * forwarded.
 */
@ExtendWith(LeakGuard.class)
class AuditBackpressureTest {

  private static final int CAP = 100;
  private static final String CHAT =
      "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}";

  @TempDir Path dataDir;

  private EmbeddedFrontDoor door;
  private SpoolAuditSink spool;
  private EmbeddedChannel channel;

  @BeforeEach
  void setUp() throws IOException {
    ProxyConfig config = EmbeddedFrontDoor.openAiConfig(dataDir);
    assertThat(config.audit().strict()).isFalse();
    // Room for a few lines on disk only.
    spool = new SpoolAuditSink(dataDir.resolve("spool"), new AuditJson("proxy-bp"), 4096, CAP);
    door = EmbeddedFrontDoor.openAi(config, spool);
    channel = door.channel();
  }

  @AfterEach
  void tearDown() {
    try {
      door.close();
    } finally {
      spool.close();
    }
  }

  @Test
  void atTheMemoryCapRequestsAreRefusedWithAuditUnavailableAndMemoryStaysBounded()
      throws Exception {
    // Other requests' records fill the disk, then memory up to where new requests are refused.
    int emitted = 0;
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (spool.accepting()) {
      assertThat(System.nanoTime()).as("waited 10 s").isLessThan(deadline);
      spool.emit(
          new RestoreRecord(
              "req-" + emitted, "acme", Instant.now(), "EMAIL", "<<EMAIL_X>>", "request", "c"));
      emitted++;
      if (!spool.full()) {
        Thread.sleep(1);
      }
    }
    assertThat(spool.full()).isTrue();

    for (int i = 0; i < 3 * CAP; i++) {
      String response = post(CHAT);

      assertThat(response).startsWith("HTTP/1.1 503 ");
      assertThat(body(response))
          .contains("\"code\":\"audit_unavailable\"")
          .contains("\"type\":\"server_error\"")
          .contains("audit trail");
      assertThat(spool.backlog()).as("records in memory").isLessThanOrEqualTo(CAP);
    }
    assertThat(channel.isActive()).as("the connection stays usable").isTrue();

    // Up to the cap itself (each refused request's summary took a place): then records are
    // refused, not queued, and a refused request whose summary cannot be taken still gets its
    // answer on a connection that stays usable.
    boolean refused = false;
    for (int i = 0; i <= CAP && !refused; i++) {
      try {
        spool.emit(
            new RestoreRecord(
                "req-x" + i, "acme", Instant.now(), "EMAIL", "<<EMAIL_X>>", "request", "c"));
      } catch (ProxyException e) {
        assertThat(e.error().code()).isEqualTo("audit_unavailable");
        refused = true;
      }
    }
    assertThat(refused).isTrue();
    assertThat(spool.backlog()).isEqualTo(CAP);
    for (int i = 0; i < 3; i++) {
      String response = post(CHAT);

      assertThat(response).startsWith("HTTP/1.1 503 ");
      assertThat(body(response)).contains("\"code\":\"audit_unavailable\"");
      assertThat(channel.isActive()).isTrue();
    }
    assertThat(spool.backlog()).isEqualTo(CAP);
  }

  private String post(String json) {
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    String head =
        "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer sk-acme\r\n"
            + "Content-Type: application/json\r\nContent-Length: "
            + body.length
            + "\r\n\r\n";
    channel.writeInbound(Unpooled.wrappedBuffer(head.getBytes(StandardCharsets.ISO_8859_1), body));
    channel.runPendingTasks();
    StringBuilder out = new StringBuilder();
    ByteBuf buf;
    while ((buf = channel.readOutbound()) != null) {
      out.append(buf.toString(StandardCharsets.UTF_8));
      buf.release();
    }
    return out.toString();
  }

  private static String body(String response) {
    return response.substring(response.indexOf("\r\n\r\n") + 4);
  }
}
