package org.complianceproxy.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.complianceproxy.proxy.testing.LeakGuard;
import org.complianceproxy.proxy.testing.ProxyHarness;
import org.complianceproxy.proxy.testing.TlsRelay;
import org.complianceproxy.standin.OpenAiStandIn;
import org.complianceproxy.standin.StandInOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The upstream over https: certificates are verified (trust and host name), and a verified upstream
 * serves the same byte-exact round trip as plain http.
 */
@ExtendWith(LeakGuard.class)
class HttpsUpstreamIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TEXT =
      "IBAN DE89 3704 0044 0532 0130 00 and card 5555-5555-5555-4444";

  @TempDir static Path dir;

  private static OpenAiStandIn standIn;
  private static TlsRelay trustedName;
  private static TlsRelay wrongName;

  @BeforeAll
  static void start() throws Exception {
    standIn = OpenAiStandIn.start(StandInOptions.defaults().withApiKey(ProxyHarness.UPSTREAM_KEY));
    InetSocketAddress target = new InetSocketAddress("127.0.0.1", standIn.port());
    trustedName = TlsRelay.start(dir, "ip:127.0.0.1", target);
    wrongName = TlsRelay.start(dir, "dns:upstream.example.invalid", target);
  }

  @AfterAll
  static void stop() {
    for (AutoCloseable c : new AutoCloseable[] {trustedName, wrongName, standIn}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception ignored) {
        // best effort
      }
    }
  }

  @Test
  void trustedCertificateServesTheRoundTripStreamingAndNot() throws Exception {
    try (ProxyHarness proxy = proxyTo(trustedName, dir.resolve("a"), true)) {
      HttpResponse<String> plain = proxy.chat(BadInputIT.chatBody("echo", TEXT, false));
      assertThat(plain.statusCode()).isEqualTo(200);
      assertThat(JSON.readTree(plain.body()).at("/choices/0/message/content").asText())
          .isEqualTo(TEXT);

      HttpResponse<String> streamed = proxy.chat(BadInputIT.chatBody("echo", TEXT, true));
      assertThat(streamed.statusCode()).isEqualTo(200);
      assertThat(streamed.body()).contains("[DONE]");
      assertThat(standIn.received().get(standIn.received().size() - 1).body())
          .doesNotContain("5555-5555-5555-4444")
          .doesNotContain("DE89 3704");
    }
  }

  @Test
  void untrustedCertificateIsRefusedAndNothingIsSent() {
    int before = standIn.received().size();
    try (ProxyHarness proxy = proxyTo(trustedName, dir.resolve("b"), false)) {
      HttpResponse<String> response = proxy.chat(BadInputIT.chatBody("echo", TEXT, false));
      assertThat(response.statusCode()).isEqualTo(502);
      assertThat(response.body()).contains("upstream_unreachable");
    }
    assertThat(standIn.received()).hasSize(before);
  }

  @Test
  void certificateForAnotherHostIsRefused() {
    int before = standIn.received().size();
    try (ProxyHarness proxy = proxyTo(wrongName, dir.resolve("c"), true)) {
      HttpResponse<String> response = proxy.chat(BadInputIT.chatBody("echo", TEXT, false));
      assertThat(response.statusCode()).isEqualTo(502);
    }
    assertThat(standIn.received()).hasSize(before);
  }

  private static ProxyHarness proxyTo(TlsRelay relay, Path dataDir, boolean trust) {
    String yaml = trust ? "openai:\n  trust_cert_file: " + relay.certificatePem() + "\n" : "";
    return ProxyHarness.start("https://127.0.0.1:" + relay.port() + "/v1", yaml, Map.of(), dataDir);
  }
}
