package org.complianceproxy.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.complianceproxy.proxy.testing.LeakGuard;
import org.complianceproxy.proxy.testing.PiiCorpus;
import org.complianceproxy.proxy.testing.ProxyHarness;
import org.complianceproxy.standin.OpenAiStandIn;
import org.complianceproxy.standin.ReceivedRequest;
import org.complianceproxy.standin.StandInOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The official OpenAI Java SDK as the client, streaming, through the proxy to a stand-in that
 * echoes in deltas of 1 to 7 characters and cuts its byte stream into small TCP writes: over a
 * corpus of messages full of PII, the client reads back exactly what it sent, and the upstream saw
 * none of it.
 */
@ExtendWith(LeakGuard.class)
class OpenAiSdkStreamingIT {

  private static final int CORPUS_SIZE = 240;

  @TempDir static Path dataDir;

  private static OpenAiStandIn standIn;
  private static ProxyHarness proxy;
  private static OpenAIClient client;

  @BeforeAll
  static void start() {
    standIn =
        OpenAiStandIn.start(
            StandInOptions.defaults()
                .withApiKey(ProxyHarness.UPSTREAM_KEY)
                .withSeed(7L)
                .withFragmentBytes(5));
    proxy = ProxyHarness.start(standIn.baseUrl(), dataDir);
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
  }

  @Test
  void streamedCorpusRoundTripsByteForByteAndUpstreamSeesNoPii() {
    List<PiiCorpus.Message> corpus = new PiiCorpus(20261125L).messages(CORPUS_SIZE);
    List<String> mismatches = new ArrayList<>();
    standIn.clear();
    for (PiiCorpus.Message message : corpus) {
      String answer = streamedAnswer(message.text());
      if (!answer.equals(message.text())) {
        mismatches.add("sent: " + message.text() + "\n got: " + answer);
      }
    }
    assertThat(mismatches).as("messages whose streamed answer differs").isEmpty();

    List<ReceivedRequest> received = standIn.received();
    assertThat(received).hasSize(CORPUS_SIZE);
    StringBuilder upstreamLog = new StringBuilder();
    for (ReceivedRequest request : received) {
      upstreamLog.append(request.body()).append('\n');
      assertThat(request.header("authorization")).contains("Bearer " + ProxyHarness.UPSTREAM_KEY);
    }
    String log = upstreamLog.toString();
    List<String> leaked = new ArrayList<>();
    int values = 0;
    for (PiiCorpus.Message message : corpus) {
      for (String value : message.piiValues()) {
        values++;
        if (log.contains(value)) {
          leaked.add(value);
        }
      }
    }
    assertThat(values).isGreaterThanOrEqualTo(CORPUS_SIZE);
    assertThat(leaked).as("PII values that reached the upstream").isEmpty();
    assertThat(log).doesNotContain(ProxyHarness.KEY).contains("<<");
  }

  @Test
  void nonStreamingAnswerIsRestoredToo() {
    PiiCorpus.Message message = new PiiCorpus(99L).message();
    ChatCompletion completion =
        client
            .chat()
            .completions()
            .create(
                ChatCompletionCreateParams.builder()
                    .model("echo")
                    .addUserMessage(message.text())
                    .build());
    assertThat(completion.choices().get(0).message().content()).contains(message.text());
  }

  @Test
  void usageChunkReachesTheSdk() {
    AtomicReference<Long> totalTokens = new AtomicReference<>();
    ChatCompletionCreateParams params =
        ChatCompletionCreateParams.builder()
            .model("echo")
            .addUserMessage("card 4111 1111 1111 1111 please")
            .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build())
            .build();
    StringBuilder text = new StringBuilder();
    try (StreamResponse<ChatCompletionChunk> stream =
        client.chat().completions().createStreaming(params)) {
      stream.stream()
          .forEach(
              chunk -> {
                chunk.usage().ifPresent(u -> totalTokens.set(u.totalTokens()));
                chunk.choices().forEach(c -> c.delta().content().ifPresent(text::append));
              });
    }
    assertThat(text.toString()).isEqualTo("card 4111 1111 1111 1111 please");
    assertThat(totalTokens.get()).isNotNull().isPositive();
  }

  private static String streamedAnswer(String text) {
    ChatCompletionCreateParams params =
        ChatCompletionCreateParams.builder().model("echo").addUserMessage(text).build();
    StringBuilder answer = new StringBuilder();
    try (StreamResponse<ChatCompletionChunk> stream =
        client.chat().completions().createStreaming(params)) {
      stream.stream()
          .forEach(
              chunk -> chunk.choices().forEach(c -> c.delta().content().ifPresent(answer::append)));
    }
    return answer.toString();
  }
}
