package org.complianceproxy.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.complianceproxy.proxy.testing.LeakGuard;
import org.complianceproxy.proxy.testing.ProxyHarness;
import org.complianceproxy.standin.OpenAiStandIn;
import org.complianceproxy.standin.StandInOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Re-identification over the admin listener, as an officer would call it: only with an admin key
 * (never a client key), only with a reason, only for the named tenant's own tokens, and never
 * cached by intermediaries.
 */
@ExtendWith(LeakGuard.class)
class VaultAdminApiIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String OFFICER_KEY = "sk-admin-officer-key";
  private static final String EMAIL = "hedda.gabler@example.org";

  @TempDir static Path dataDir;

  private static OpenAiStandIn standIn;
  private static ProxyHarness proxy;
  private static String token;

  @BeforeAll
  static void start() throws Exception {
    standIn = OpenAiStandIn.start(StandInOptions.defaults().withApiKey(ProxyHarness.UPSTREAM_KEY));
    proxy =
        ProxyHarness.start(standIn.baseUrl(), "", Map.of("PROXY_ADMIN_KEYS", OFFICER_KEY), dataDir);
    assertThat(proxy.chat(BadInputIT.chatBody("echo", "mail " + EMAIL, false)).statusCode())
        .isEqualTo(200);
    Matcher m = Pattern.compile("<<EMAIL_[0-9A-Z]{10}>>").matcher(standIn.received().get(0).body());
    assertThat(m.find()).isTrue();
    token = m.group();
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
  void anOfficerRevealsATokenOfTheNamedTenantWithAReason() throws Exception {
    HttpResponse<String> response =
        reveal("Bearer " + OFFICER_KEY, ProxyHarness.TENANT, "INC-2041", List.of(token));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("cache-control")).hasValue("no-store");
    JsonNode body = JSON.readTree(response.body());
    assertThat(body.path("revealed").path(token).asText()).isEqualTo(EMAIL);
  }

  @Test
  void aClientKeyCannotReveal() throws Exception {
    HttpResponse<String> response =
        reveal("Bearer " + ProxyHarness.KEY, ProxyHarness.TENANT, "INC-2041", List.of(token));

    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.body()).doesNotContain(EMAIL);
  }

  @Test
  void anotherTenantsTokenStaysUnknown() throws Exception {
    HttpResponse<String> response =
        reveal("Bearer " + OFFICER_KEY, ProxyHarness.OTHER_TENANT, "INC-2041", List.of(token));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).doesNotContain(EMAIL);
    assertThat(JSON.readTree(response.body()).path("unknown").toString()).contains(token);
  }

  @Test
  void aRevealWithoutAReasonIsRefused() throws Exception {
    HttpResponse<String> response =
        reveal("Bearer " + OFFICER_KEY, ProxyHarness.TENANT, null, List.of(token));

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).doesNotContain(EMAIL);
  }

  private static HttpResponse<String> reveal(
      String authorization, String tenant, String reason, List<String> tokens) throws Exception {
    var request = JSON.createObjectNode().put("tenant", tenant);
    if (reason != null) {
      request.put("reason", reason);
    }
    var array = request.putArray("tokens");
    tokens.forEach(array::add);
    return proxy.send(
        HttpRequest.newBuilder(URI.create(proxy.adminUrl() + "/admin/vault/reveal"))
            .header("authorization", authorization)
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(request)))
            .build());
  }
}
