package org.complianceproxy.proxy.bedrock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import org.complianceproxy.proxy.config.ProxyConfig.AwsKey;
import org.complianceproxy.proxy.error.ProxyError;
import org.complianceproxy.proxy.error.ProxyException;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;

/** Requests signed by the AWS SDK's own SigV4 signer, verified, then altered one part at a time. */
class SigV4VerifierTest {

  private static final Instant NOW = Instant.parse("2026-11-26T00:30:00Z");
  private static final String AKID = "AKIAACMETEST00000001";
  private static final String SECRET = "acme-secret-key-0123456789abcdefghijklmn";
  private static final byte[] BODY =
      "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"hi\"}]}]}"
          .getBytes(StandardCharsets.UTF_8);

  private final SigV4Verifier verifier =
      new SigV4Verifier(
          List.of(new AwsKey("acme", AKID, SECRET), new AwsKey("globex", "AKIAGLOBEX", "other")),
          Clock.fixed(NOW, ZoneOffset.UTC));

  @Test
  void sdkSignedRequestWithEncodedColonIsAcceptedForItsTenant() {
    assertThat(verifier.verify(signed(AKID, SECRET, NOW, "anthropic.claude-v2:1", BODY)))
        .isEqualTo("acme");
  }

  @Test
  void sdkSignedRequestWithQueryIsAccepted() {
    SigV4Verifier.SignedRequest request =
        sign(AKID, SECRET, NOW, "/model/m/converse?b=2&a=1%2F", BODY);
    assertThat(verifier.verify(request)).isEqualTo("acme");
  }

  @Test
  void everyAlterationIsRefused() {
    SigV4Verifier.SignedRequest good = signed(AKID, SECRET, NOW, "m:1", BODY);
    Map<String, UnaryOperator<SigV4Verifier.SignedRequest>> alterations =
        Map.of(
            "body",
            r ->
                with(
                    r,
                    r.rawPath(),
                    r.headers(),
                    "{\"messages\":[]}".getBytes(StandardCharsets.UTF_8)),
            "path",
            r -> with(r, r.rawPath().replace("m%3A1", "m%3A2"), r.headers(), r.body()),
            "signed header",
            r ->
                with(
                    r,
                    r.rawPath(),
                    header(r.headers(), "x-amz-date", d -> d.replace("T0030", "T0031")),
                    r.body()),
            "signature",
            r ->
                with(
                    r,
                    r.rawPath(),
                    header(
                        r.headers(),
                        "authorization",
                        a -> a.substring(0, a.length() - 1) + (a.endsWith("0") ? "1" : "0")),
                    r.body()),
            "missing authorization",
            r -> with(r, r.rawPath(), header(r.headers(), "authorization", a -> null), r.body()),
            "credential scope service",
            r ->
                with(
                    r,
                    r.rawPath(),
                    header(r.headers(), "authorization", a -> a.replace("/bedrock/", "/s3/")),
                    r.body()));
    for (var alteration : alterations.entrySet()) {
      assertThatThrownBy(() -> verifier.verify(alteration.getValue().apply(good)))
          .as(alteration.getKey())
          .isInstanceOf(ProxyException.class)
          .satisfies(
              e ->
                  assertThat(((ProxyException) e).error()).isEqualTo(ProxyError.SIGNATURE_INVALID));
    }
  }

  @Test
  void wrongSecretAndUnknownKeyAreRefusedAlike() {
    ProxyException wrongSecret = catchRefusal(signed(AKID, SECRET + "x", NOW, "m", BODY));
    ProxyException unknownKey = catchRefusal(signed("AKIAUNKNOWN", SECRET, NOW, "m", BODY));
    assertThat(wrongSecret.getMessage()).isEqualTo(unknownKey.getMessage());
  }

  @Test
  void anotherTenantsKeyNamesThatTenant() {
    assertThat(verifier.verify(signed("AKIAGLOBEX", "other", NOW, "m", BODY))).isEqualTo("globex");
  }

  @Test
  void clockSkewBeyondFiveMinutesIsRefused() {
    assertThat(verifier.verify(signed(AKID, SECRET, NOW.minus(Duration.ofMinutes(4)), "m", BODY)))
        .isEqualTo("acme");
    assertThat(
            catchRefusal(signed(AKID, SECRET, NOW.minus(Duration.ofMinutes(6)), "m", BODY))
                .getMessage())
        .contains("expired");
    assertThat(
            catchRefusal(signed(AKID, SECRET, NOW.plus(Duration.ofMinutes(6)), "m", BODY))
                .getMessage())
        .contains("expired");
  }

  @Test
  void contentShaHeaderMustMatchTheBody() {
    SigV4Verifier.SignedRequest good = signed(AKID, SECRET, NOW, "m", BODY);
    SigV4Verifier.SignedRequest lying =
        with(
            good,
            good.rawPath(),
            header(good.headers(), "x-amz-content-sha256", v -> "0".repeat(64)),
            BODY);
    assertThat(catchRefusal(lying).getMessage()).contains("x-amz-content-sha256");
  }

  @Test
  void canonicalPathEncodesTheSentPathOnceMore() {
    assertThat(SigV4Verifier.canonicalPath("/model/a%3Ab/converse"))
        .isEqualTo("/model/a%253Ab/converse");
    assertThat(SigV4Verifier.canonicalPath("")).isEqualTo("/");
  }

  private ProxyException catchRefusal(SigV4Verifier.SignedRequest request) {
    try {
      verifier.verify(request);
    } catch (ProxyException e) {
      assertThat(e.error()).isEqualTo(ProxyError.SIGNATURE_INVALID);
      return e;
    }
    throw new AssertionError("request was accepted");
  }

  private static SigV4Verifier.SignedRequest signed(
      String akid, String secret, Instant at, String modelId, byte[] body) {
    return sign(akid, secret, at, "/model/" + modelId.replace(":", "%3A") + "/converse", body);
  }

  /** Signs with the SDK, then presents the request as the front door receives it. */
  private static SigV4Verifier.SignedRequest sign(
      String akid, String secret, Instant at, String pathAndQuery, byte[] body) {
    SdkHttpRequest request =
        SdkHttpRequest.builder()
            .method(SdkHttpMethod.POST)
            .uri(URI.create("http://127.0.0.1:8080" + pathAndQuery))
            .putHeader("Content-Type", "application/json")
            .putHeader("X-Amz-Content-Sha256", "required")
            .build();
    SdkHttpRequest signed =
        AwsV4HttpSigner.create()
            .sign(
                r ->
                    r.identity(AwsBasicCredentials.create(akid, secret))
                        .request(request)
                        .payload(() -> new ByteArrayInputStream(body))
                        .putProperty(AwsV4FamilyHttpSigner.SERVICE_SIGNING_NAME, "bedrock")
                        .putProperty(AwsV4HttpSigner.REGION_NAME, "eu-central-1")
                        .putProperty(HttpSigner.SIGNING_CLOCK, Clock.fixed(at, ZoneOffset.UTC)))
            .request();
    Map<String, List<String>> headers = new TreeMap<>();
    signed.headers().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), new ArrayList<>(v)));
    headers.putIfAbsent("host", List.of("127.0.0.1:8080"));
    String raw = signed.encodedPath();
    String query =
        pathAndQuery.contains("?") ? pathAndQuery.substring(pathAndQuery.indexOf('?') + 1) : "";
    return new SigV4Verifier.SignedRequest("POST", raw, query, headers, body);
  }

  private static SigV4Verifier.SignedRequest with(
      SigV4Verifier.SignedRequest r, String path, Map<String, List<String>> headers, byte[] body) {
    return new SigV4Verifier.SignedRequest(r.method(), path, r.rawQuery(), headers, body);
  }

  private static Map<String, List<String>> header(
      Map<String, List<String>> headers, String name, UnaryOperator<String> change) {
    Map<String, List<String>> copy = new TreeMap<>(headers);
    String changed = change.apply(headers.get(name).get(0));
    if (changed == null) {
      copy.remove(name);
    } else {
      copy.put(name, List.of(changed));
    }
    return copy;
  }
}
