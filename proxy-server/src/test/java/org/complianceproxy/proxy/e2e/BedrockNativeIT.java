package org.complianceproxy.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.complianceproxy.auditschema.AuditSchemas;
import org.complianceproxy.proxy.testing.AuditSpool;
import org.complianceproxy.proxy.testing.LeakGuard;
import org.complianceproxy.proxy.testing.PiiCorpus;
import org.complianceproxy.proxy.testing.ProxyHarness;
import org.complianceproxy.standin.BedrockStandIn;
import org.complianceproxy.standin.ReceivedRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.retry.RetryPolicy;
import software.amazon.awssdk.http.Protocol;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.model.AccessDeniedException;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ConversationRole;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseResponse;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamResponseHandler;
import software.amazon.awssdk.services.bedrockruntime.model.InvokeModelResponse;
import software.amazon.awssdk.services.bedrockruntime.model.InvokeModelWithResponseStreamResponseHandler;
import software.amazon.awssdk.services.bedrockruntime.model.Message;

/**
 * The AWS SDK's own {@link BedrockRuntimeAsyncClient}, signing with a proxy-issued key pair,
 * against the native Bedrock front door, in front of a stand-in that echoes in pieces of 1 to 7
 * characters and cuts its event stream into writes of 1 to 5 bytes: the PII round trip is
 * byte-exact, streamed and not, the stand-in sees tokens only, and a request signed wrongly or
 * tampered with is refused with 403 before it reaches the upstream.
 */
@ExtendWith(LeakGuard.class)
class BedrockNativeIT {

  static final String ACCESS_KEY = "AKIAPROXYACMETEST01";
  static final String SECRET = "proxy-issued-secret-for-acme-0123456789";
  static final String MODEL = "anthropic.claude-3-haiku-20240307-v1:0";
  private static final int CORPUS_SIZE = 60;

  @TempDir static Path dataDir;

  private static final ObjectMapper JSON = new ObjectMapper();

  private static BedrockStandIn standIn;
  private static ProxyHarness proxy;
  private static BedrockRuntimeAsyncClient client;

  @BeforeAll
  static void start() {
    // The proxy's own upstream credentials, found by the default provider chain.
    System.setProperty("aws.accessKeyId", "AKIAUPSTREAMPROXY0001");
    System.setProperty("aws.secretAccessKey", "upstream-secret-of-the-proxy");
    standIn = BedrockStandIn.start(0, 11L, 5);
    proxy =
        ProxyHarness.start(
            "http://127.0.0.1:1/v1",
            "",
            Map.of(
                "AWS_REGION",
                "eu-central-1",
                "BEDROCK_ENDPOINT",
                standIn.endpoint().toString(),
                "PROXY_AWS_KEYS",
                ProxyHarness.TENANT + ":" + ACCESS_KEY + ":" + SECRET),
            dataDir);
    client = client(ACCESS_KEY, SECRET);
  }

  private static BedrockRuntimeAsyncClient client(String accessKey, String secret) {
    return sdkClient(proxy, accessKey, secret);
  }

  /** The AWS SDK's client pointed at the proxy over HTTP/1.1, signing with a proxy-issued pair. */
  static BedrockRuntimeAsyncClient sdkClient(ProxyHarness proxy, String accessKey, String secret) {
    return BedrockRuntimeAsyncClient.builder()
        .region(Region.EU_CENTRAL_1)
        .endpointOverride(
            URI.create("http://127.0.0.1:" + proxy.server().clientAddress().getPort()))
        .credentialsProvider(
            StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secret)))
        .httpClientBuilder(NettyNioAsyncHttpClient.builder().protocol(Protocol.HTTP1_1))
        .overrideConfiguration(
            ClientOverrideConfiguration.builder().retryPolicy(RetryPolicy.none()).build())
        .build();
  }

  @AfterAll
  static void stop() {
    if (client != null) {
      client.close();
    }
    if (proxy != null) {
      proxy.close();
    }
    if (standIn != null) {
      standIn.close();
    }
    System.clearProperty("aws.accessKeyId");
    System.clearProperty("aws.secretAccessKey");
  }

  @Test
  void converseRoundTripsPiiAndUpstreamSeesTokensOnly() {
    standIn.clear();
    PiiCorpus.Message message = new PiiCorpus(5L).message();
    ConverseResponse response =
        client
            .converse(
                r ->
                    r.modelId(MODEL)
                        .messages(
                            Message.builder()
                                .role(ConversationRole.USER)
                                .content(ContentBlock.fromText(message.text()))
                                .build()))
            .join();

    assertThat(response.output().message().content().get(0).text()).isEqualTo(message.text());
    List<ReceivedRequest> received = standIn.received();
    assertThat(received).hasSize(1);
    assertThat(received.get(0).uri())
        .isEqualTo("/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse");
    assertThat(received.get(0).header("authorization").orElseThrow())
        .contains("Credential=AKIAUPSTREAMPROXY0001/")
        .doesNotContain(ACCESS_KEY);
    for (String value : message.piiValues()) {
      assertThat(received.get(0).body()).doesNotContain(value);
    }
    assertThat(received.get(0).body()).contains("<<");
  }

  @Test
  void converseStreamRoundTripsCorpusByteForByte() {
    standIn.clear();
    List<PiiCorpus.Message> corpus = new PiiCorpus(20261126L).messages(CORPUS_SIZE);
    List<String> mismatches = new ArrayList<>();
    for (PiiCorpus.Message message : corpus) {
      String answer = streamed(message.text());
      if (!answer.equals(message.text())) {
        mismatches.add("sent: " + message.text() + "\n got: " + answer);
      }
    }
    assertThat(mismatches).as("messages whose streamed answer differs").isEmpty();

    StringBuilder upstream = new StringBuilder();
    standIn.received().forEach(r -> upstream.append(r.body()).append('\n'));
    assertThat(standIn.received()).hasSize(CORPUS_SIZE);
    List<String> leaked = new ArrayList<>();
    for (PiiCorpus.Message message : corpus) {
      for (String value : message.piiValues()) {
        if (upstream.toString().contains(value)) {
          leaked.add(value);
        }
      }
    }
    assertThat(leaked).as("PII values that reached the upstream").isEmpty();
    assertThat(upstream.toString()).contains("<<");
  }

  @Test
  void streamSummaryRecordsRouteUpstreamAndRegion() {
    String text = "Card 4111 1111 1111 1111 and mail ann.lee@example.com";
    assertThat(streamed(text)).isEqualTo(text);
    List<JsonNode> summaries =
        AuditSpool.await(
            proxy.dataDir(),
            r ->
                "request_summary".equals(r.path("kind").asText())
                    && "bedrock.converse_stream".equals(r.path("route").asText()),
            1);
    JsonNode summary = summaries.get(summaries.size() - 1);
    assertThat(summary.path("upstream").asText()).isEqualTo("bedrock");
    assertThat(summary.path("region").asText()).isEqualTo("eu-central-1");
    assertThat(summary.path("model").asText()).isEqualTo(MODEL);
    assertThat(summary.path("status").asInt()).isEqualTo(200);
    assertThat(summary.toString()).doesNotContain("4111 1111").doesNotContain("ann.lee");
    List<JsonNode> all = AuditSpool.read(proxy.dataDir());
    assertThat(all).anySatisfy(r -> assertThat(r.path("kind").asText()).isEqualTo("restore"));
    for (JsonNode record : all) {
      assertThat(AuditSchemas.v1().problems(record)).as(record.toString()).isEmpty();
      assertThat(record.toString()).doesNotContain("4111 1111 1111 1111");
    }
  }

  @Test
  void invokeModelWithAnthropicBodyRoundTripsPii() throws Exception {
    standIn.clear();
    PiiCorpus.Message message = new PiiCorpus(8L).message();
    InvokeModelResponse response =
        client
            .invokeModel(
                r ->
                    r.modelId(MODEL)
                        .contentType("application/json")
                        .accept("application/json")
                        .body(SdkBytes.fromUtf8String(anthropicBody(message.text()))))
            .join();

    JsonNode answer = JSON.readTree(response.body().asUtf8String());
    assertThat(answer.path("content").get(0).path("text").asText()).isEqualTo(message.text());
    String upstream = standIn.received().get(0).body();
    assertThat(standIn.received().get(0).uri()).endsWith("/invoke");
    for (String value : message.piiValues()) {
      assertThat(upstream).doesNotContain(value);
    }
    assertThat(upstream).contains("<<").contains("\"anthropic_version\":\"bedrock-2023-05-31\"");
  }

  @Test
  void invokeModelWithResponseStreamRestoresTokensSplitAcrossChunks() throws Exception {
    standIn.clear();
    List<PiiCorpus.Message> corpus = new PiiCorpus(31L).messages(20);
    List<String> mismatches = new ArrayList<>();
    for (PiiCorpus.Message message : corpus) {
      StringBuilder text = new StringBuilder();
      InvokeModelWithResponseStreamResponseHandler handler =
          InvokeModelWithResponseStreamResponseHandler.builder()
              .subscriber(
                  InvokeModelWithResponseStreamResponseHandler.Visitor.builder()
                      .onChunk(
                          chunk -> {
                            try {
                              JsonNode event = JSON.readTree(chunk.bytes().asUtf8String());
                              if ("content_block_delta".equals(event.path("type").asText())) {
                                text.append(event.path("delta").path("text").asText());
                              }
                            } catch (java.io.IOException e) {
                              throw new java.io.UncheckedIOException(e);
                            }
                          })
                      .build())
              .build();
      client
          .invokeModelWithResponseStream(
              r ->
                  r.modelId(MODEL)
                      .contentType("application/json")
                      .body(SdkBytes.fromUtf8String(anthropicBody(message.text()))),
              handler)
          .get(30, TimeUnit.SECONDS);
      if (!text.toString().equals(message.text())) {
        mismatches.add("sent: " + message.text() + "\n got: " + text);
      }
    }
    assertThat(mismatches).isEmpty();
    StringBuilder upstream = new StringBuilder();
    standIn.received().forEach(r -> upstream.append(r.body()));
    for (PiiCorpus.Message message : corpus) {
      for (String value : message.piiValues()) {
        assertThat(upstream.toString()).doesNotContain(value);
      }
    }
  }

  private static String anthropicBody(String text) {
    var body = JSON.createObjectNode();
    body.put("anthropic_version", "bedrock-2023-05-31").put("max_tokens", 300);
    body.putArray("messages").addObject().put("role", "user").put("content", text);
    return body.toString();
  }

  @Test
  void wronglySignedRequestIs403AndReachesNoUpstream() {
    standIn.clear();
    try (BedrockRuntimeAsyncClient wrong = client(ACCESS_KEY, SECRET + "x")) {
      assertThatThrownBy(() -> converse(wrong, "hello 4111 1111 1111 1111"))
          .isInstanceOf(CompletionException.class)
          .cause()
          .isInstanceOf(AccessDeniedException.class)
          .satisfies(e -> assertThat(((AccessDeniedException) e).statusCode()).isEqualTo(403));
    }
    try (BedrockRuntimeAsyncClient unknown = client("AKIAUNKNOWNKEY000001", SECRET)) {
      assertThatThrownBy(() -> converse(unknown, "hello"))
          .cause()
          .isInstanceOf(AccessDeniedException.class);
    }
    assertThat(standIn.received()).isEmpty();
  }

  @Test
  void tamperedBodyIs403AndReachesNoUpstream() throws Exception {
    standIn.clear();
    int port = proxy.server().clientAddress().getPort();
    String path = "/model/" + MODEL.replace(":", "%3A") + "/converse";
    byte[] signedBody =
        "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"pay 10 EUR\"}]}]}"
            .getBytes(StandardCharsets.UTF_8);
    SdkHttpRequest signed =
        AwsV4HttpSigner.create()
            .sign(
                r ->
                    r.identity(AwsBasicCredentials.create(ACCESS_KEY, SECRET))
                        .request(
                            SdkHttpRequest.builder()
                                .method(SdkHttpMethod.POST)
                                .uri(URI.create("http://127.0.0.1:" + port + path))
                                .putHeader("Content-Type", "application/json")
                                .build())
                        .payload(() -> new ByteArrayInputStream(signedBody))
                        .putProperty(AwsV4FamilyHttpSigner.SERVICE_SIGNING_NAME, "bedrock")
                        .putProperty(AwsV4HttpSigner.REGION_NAME, "eu-central-1"))
            .request();
    // Sent as signed, the request passes; one changed byte in the body must not.
    assertThat(post(signed, port, path, signedBody).statusCode()).isEqualTo(200);
    standIn.clear();
    byte[] tampered =
        new String(signedBody, StandardCharsets.UTF_8)
            .replace("10 EUR", "99 EUR")
            .getBytes(StandardCharsets.UTF_8);
    HttpResponse<String> response = post(signed, port, path, tampered);

    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(response.headers().firstValue("x-amzn-ErrorType")).contains("AccessDeniedException");
    assertThat(response.headers().firstValue("x-request-id")).isPresent();
    assertThat(standIn.received()).isEmpty();
  }

  private static HttpResponse<String> post(
      SdkHttpRequest signed, int port, String path, byte[] body) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(30))
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    signed
        .headers()
        .forEach(
            (name, values) -> {
              if (!name.equalsIgnoreCase("host")) {
                values.forEach(v -> request.header(name, v));
              }
            });
    return proxy.send(request.build());
  }

  private static ConverseResponse converse(BedrockRuntimeAsyncClient c, String text) {
    return c.converse(
            r ->
                r.modelId(MODEL)
                    .messages(
                        Message.builder()
                            .role(ConversationRole.USER)
                            .content(ContentBlock.fromText(text))
                            .build()))
        .join();
  }

  private static String streamed(String text) {
    StringBuilder answer = new StringBuilder();
    ConverseStreamResponseHandler handler =
        ConverseStreamResponseHandler.builder()
            .subscriber(
                ConverseStreamResponseHandler.Visitor.builder()
                    .onContentBlockDelta(e -> answer.append(e.delta().text()))
                    .build())
            .build();
    CompletableFuture<Void> done =
        client.converseStream(
            ConverseStreamRequest.builder()
                .modelId(MODEL)
                .messages(
                    Message.builder()
                        .role(ConversationRole.USER)
                        .content(ContentBlock.fromText(text))
                        .build())
                .build(),
            handler);
    try {
      done.get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("stream failed", e);
    }
    return answer.toString();
  }
}
