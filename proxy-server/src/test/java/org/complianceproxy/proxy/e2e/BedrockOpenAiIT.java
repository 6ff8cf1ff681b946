package org.complianceproxy.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.InternalServerException;
import com.openai.errors.PermissionDeniedException;
import com.openai.errors.RateLimitException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
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

/**
 * The official OpenAI Java SDK as the client with Bedrock model names: the proxy routes them to the
 * Bedrock stand-in (which echoes in pieces of 1 to 7 characters and cuts its event stream into
 * writes of 1 to 5 bytes) through Converse, and translates the event stream back into {@code
 * chat.completion.chunk} events. Over a corpus of 240 messages the round trip is byte-exact and the
 * upstream sees tokens only; finish_reason and usage arrive in OpenAI's format.
 */
@ExtendWith(LeakGuard.class)
class BedrockOpenAiIT {

  private static final int CORPUS_SIZE = 240;
  private static final String MODEL = "anthropic.claude-3-haiku-20240307-v1:0";

  @TempDir static Path dataDir;

  private static BedrockStandIn standIn;
  private static ProxyHarness proxy;
  private static OpenAIClient client;

  @BeforeAll
  static void start() {
    System.setProperty("aws.accessKeyId", "AKIAUPSTREAMPROXY0001");
    System.setProperty("aws.secretAccessKey", "upstream-secret-of-the-proxy");
    standIn = BedrockStandIn.start(0, 17L, 5);
    proxy =
        ProxyHarness.start(
            "http://127.0.0.1:1/v1",
            "bedrock:\n  allowed_regions: [eu]\n",
            Map.of("AWS_REGION", "eu-west-1", "BEDROCK_ENDPOINT", standIn.endpoint().toString()),
            dataDir);
    client =
        OpenAIOkHttpClient.builder()
            .baseUrl(proxy.baseUrl())
            .apiKey(ProxyHarness.KEY)
            .maxRetries(0)
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
  void streamedCorpusRoundTripsByteForByteAndUpstreamSeesNoPii() {
    List<PiiCorpus.Message> corpus = new PiiCorpus(20261127L).messages(CORPUS_SIZE);
    standIn.clear();
    List<String> mismatches = new ArrayList<>();
    for (PiiCorpus.Message message : corpus) {
      String answer = streamed(message.text(), MODEL, null, null);
      if (!answer.equals(message.text())) {
        mismatches.add("sent: " + message.text() + "\n got: " + answer);
      }
    }
    assertThat(mismatches).as("messages whose streamed answer differs").isEmpty();

    List<ReceivedRequest> received = standIn.received();
    assertThat(received).hasSize(CORPUS_SIZE);
    assertThat(received).allSatisfy(r -> assertThat(r.uri()).endsWith("/converse-stream"));
    StringBuilder upstream = new StringBuilder();
    received.forEach(r -> upstream.append(r.body()).append('\n'));
    List<String> leaked = new ArrayList<>();
    int values = 0;
    for (PiiCorpus.Message message : corpus) {
      for (String value : message.piiValues()) {
        values++;
        if (upstream.toString().contains(value)) {
          leaked.add(value);
        }
      }
    }
    assertThat(values).isGreaterThanOrEqualTo(CORPUS_SIZE);
    assertThat(leaked).as("PII values that reached the upstream").isEmpty();
    assertThat(upstream.toString()).contains("<<").doesNotContain(ProxyHarness.KEY);
  }

  @Test
  void finishReasonAndUsageArriveInOpenAiFormat() {
    AtomicReference<String> finish = new AtomicReference<>();
    AtomicReference<Long> total = new AtomicReference<>();
    String text = "IBAN DE89 3704 0044 0532 0130 00, mail ann.lee@example.com";

    assertThat(streamed(text, MODEL, finish, total)).isEqualTo(text);
    assertThat(finish.get()).isEqualTo("stop");
    assertThat(total.get()).isNotNull().isPositive();
    List<JsonNode> summaries =
        AuditSpool.await(
            dataDir,
            r ->
                "request_summary".equals(r.path("kind").asText())
                    && "bedrock".equals(r.path("upstream").asText()),
            1);
    JsonNode summary = summaries.get(summaries.size() - 1);
    assertThat(summary.path("region").asText()).isEqualTo("eu-west-1");
    assertThat(summary.path("route").asText()).isEqualTo("openai.chat.completions");
  }

  @Test
  void nonStreamingAnswerIsAChatCompletionRestored() {
    PiiCorpus.Message message = new PiiCorpus(42L).message();
    standIn.clear();
    ChatCompletion completion =
        client
            .chat()
            .completions()
            .create(
                ChatCompletionCreateParams.builder()
                    .model(MODEL)
                    .addSystemMessage("Be brief.")
                    .addUserMessage(message.text())
                    .maxCompletionTokens(200)
                    .temperature(0.5)
                    .build());

    assertThat(completion.choices().get(0).message().content()).contains(message.text());
    assertThat(completion.choices().get(0).finishReason().asString()).isEqualTo("stop");
    assertThat(completion.usage()).isPresent();
    String body = standIn.received().get(0).body();
    assertThat(body)
        .contains("\"system\":[{\"text\":\"Be brief.\"}]")
        .contains("\"maxTokens\":200");
    for (String value : message.piiValues()) {
      assertThat(body).doesNotContain(value);
    }
  }

  @Test
  void bedrockErrorsBecomeOpenAiErrors() {
    assertThatThrownBy(() -> complete("anthropic.throttle-model"))
        .isInstanceOf(RateLimitException.class)
        .hasMessageContaining("ThrottlingException");
    assertThatThrownBy(() -> complete("anthropic.denied-model"))
        .isInstanceOf(PermissionDeniedException.class)
        .hasMessageContaining("AccessDeniedException");
    assertThatThrownBy(() -> complete("anthropic.not-ready-model"))
        .isInstanceOf(InternalServerException.class)
        .satisfies(e -> assertThat(((InternalServerException) e).statusCode()).isEqualTo(503));
  }

  @Test
  void profileOutsideTheResidencyPolicyIsRefused() {
    standIn.clear();
    assertThatThrownBy(() -> complete("us.anthropic.claude-3-haiku-20240307-v1:0"))
        .isInstanceOf(PermissionDeniedException.class)
        .hasMessageContaining("residency policy");
    assertThat(standIn.received()).isEmpty();
  }

  private static ChatCompletion complete(String model) {
    return client
        .chat()
        .completions()
        .create(ChatCompletionCreateParams.builder().model(model).addUserMessage("hi").build());
  }

  private static String streamed(
      String text, String model, AtomicReference<String> finish, AtomicReference<Long> total) {
    ChatCompletionCreateParams.Builder params =
        ChatCompletionCreateParams.builder().model(model).addUserMessage(text);
    if (total != null) {
      params.streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build());
    }
    StringBuilder answer = new StringBuilder();
    try (StreamResponse<ChatCompletionChunk> stream =
        client.chat().completions().createStreaming(params.build())) {
      stream.stream()
          .forEach(
              chunk -> {
                if (total != null) {
                  chunk.usage().ifPresent(u -> total.set(u.totalTokens()));
                }
                chunk
                    .choices()
                    .forEach(
                        c -> {
                          c.delta().content().ifPresent(answer::append);
                          if (finish != null) {
                            c.finishReason().ifPresent(f -> finish.set(f.asString()));
                          }
                        });
              });
    }
    return answer.toString();
  }
}
