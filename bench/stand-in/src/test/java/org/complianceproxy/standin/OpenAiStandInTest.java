package org.complianceproxy.standin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The stand-in over real sockets, driven by the JDK's HTTP client or by hand. */
@ExtendWith(LeakCheck.class)
class OpenAiStandInTest {
  private static final String ECHO_REQUEST =
      "{\"model\":\"%s\",\"stream\":%s,\"messages\":["
          + "{\"role\":\"system\",\"content\":\"You are terse.\"},"
          + "{\"role\":\"user\",\"content\":\"My card is 4111 1111 1111 1111, née Zoë 😀\"},"
          + "{\"role\":\"assistant\",\"content\":\"Noted.\"},"
          + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"And again?\"}]}]}";
  private static final String ECHO = "My card is 4111 1111 1111 1111, née Zoë 😀\nAnd again?";

  private final HttpClient client =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @Test
  void nonStreamingAnswerIsAChatCompletionEchoingUserText() throws Exception {
    try (OpenAiStandIn openAi = OpenAiStandIn.start(StandInOptions.defaults())) {
      HttpResponse<String> response = post(openAi, echoRequest("gpt-4o-mini", false));

      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
      JsonNode body = Sse.json(response.body());
      assertThat(body.get("id").asText()).startsWith("chatcmpl-");
      assertThat(body.get("object").asText()).isEqualTo("chat.completion");
      assertThat(body.get("created").asLong()).isPositive();
      assertThat(body.get("model").asText()).isEqualTo("gpt-4o-mini");
      assertThat(body.at("/choices/0/index").asInt()).isZero();
      assertThat(body.at("/choices/0/message/role").asText()).isEqualTo("assistant");
      assertThat(body.at("/choices/0/message/content").asText()).isEqualTo(ECHO);
      assertThat(body.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
      int prompt = body.at("/usage/prompt_tokens").asInt();
      int completion = body.at("/usage/completion_tokens").asInt();
      assertThat(prompt).isGreaterThan(completion);
      assertThat(completion).isEqualTo((ECHO.length() + 3) / 4);
      assertThat(body.at("/usage/total_tokens").asInt()).isEqualTo(prompt + completion);
    }
  }

  @Test
  void streamingAnswerReassemblesToTheEchoAndEndsWithDone() throws Exception {
    try (OpenAiStandIn openAi = OpenAiStandIn.start(StandInOptions.defaults())) {
      HttpResponse<String> response = post(openAi, echoRequest("echo", true));

      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.headers().firstValue("content-type"))
          .hasValue("text/event-stream; charset=utf-8");
      assertThat(response.headers().firstValue("transfer-encoding")).hasValue("chunked");
      assertThat(Sse.dataOf(response.body())).last().isEqualTo("[DONE]");
      List<JsonNode> chunks = Sse.chunksOf(response.body());
      assertThat(Sse.contentOf(chunks)).isEqualTo(ECHO);
      assertThat(chunks).allSatisfy(c -> assertThat(c.has("usage")).isFalse());
      assertThat(chunks.get(chunks.size() - 1).at("/choices/0/finish_reason").asText())
          .isEqualTo("stop");
    }
  }

  @Test
  void pacedModelStreamsFixedDeltasAtTheTokenRate() throws Exception {
    try (OpenAiStandIn openAi = OpenAiStandIn.start(StandInOptions.defaults())) {
      long started = System.nanoTime();
      HttpResponse<String> response = post(openAi, echoRequest("paced-30-200-2", true));
      Duration took = Duration.ofNanos(System.nanoTime() - started);

      List<JsonNode> chunks = Sse.chunksOf(response.body());
      String content = Sse.contentOf(chunks);
      assertThat(content).startsWith(ECHO).hasSize(Math.max(ECHO.length(), 120));
      // role chunk, deltas of 8 chars, finish chunk; each event after the first one interval
      // (10 ms) after the one before.
      int deltas = (content.length() + 7) / 8;
      assertThat(chunks).hasSize(deltas + 2);
      assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(10L * (deltas + 1)));
    }
  }

  @Test
  void includeUsageEndsWithAUsageChunkBeforeDone() throws Exception {
    try (OpenAiStandIn openAi = OpenAiStandIn.start(StandInOptions.defaults())) {
      String request =
          "{\"model\":\"echo\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
              + "\"messages\":[{\"role\":\"user\",\"content\":\"count me\"}]}";
      List<JsonNode> chunks = Sse.chunksOf(post(openAi, request).body());

      JsonNode usage = chunks.get(chunks.size() - 1);
      assertThat(usage.get("choices")).isEmpty();
      assertThat(usage.at("/usage/completion_tokens").asInt()).isEqualTo(2);
      assertThat(usage.at("/usage/total_tokens").asInt()).isEqualTo(4);
      assertThat(chunks.get(chunks.size() - 2).at("/choices/0/finish_reason").asText())
          .isEqualTo("stop");
      assertThat(Sse.contentOf(chunks)).isEqualTo("count me");
    }
  }

  @ParameterizedTest(name = "stream={0}")
  @ValueSource(booleans = {true, false})
  void echoToolAnswersWithOneCallOfTheFirstTool(boolean stream) throws Exception {
    try (OpenAiStandIn openAi = OpenAiStandIn.start(StandInOptions.defaults())) {
      String request =
          "{\"model\":\"echo-tool\",\"stream\":"
              + stream
              + ",\"tools\":["
              + "{\"type\":\"function\",\"function\":{\"name\":\"lookup_customer\",\"parameters\":{}}},"
              + "{\"type\":\"function\",\"function\":{\"name\":\"other\"}}],"
              + "\"messages\":[{\"role\":\"user\",\"content\":\"Find \\\"Jane\\\" at jane@example.com\"}]}";
      HttpResponse<String> response = post(openAi, request);

      String arguments;
      String finishReason;
      if (stream) {
        List<JsonNode> chunks = Sse.chunksOf(response.body());
        JsonNode start = chunks.get(0).at("/choices/0/delta/tool_calls/0");
        assertThat(start.get("id").asText()).startsWith("call_");
        assertThat(start.at("/function/name").asText()).isEqualTo("lookup_customer");
        arguments = Sse.toolArgumentsOf(chunks);
        finishReason = chunks.get(chunks.size() - 1).at("/choices/0/finish_reason").asText();
      } else {
        JsonNode body = Sse.json(response.body());
        assertThat(body.at("/choices/0/message/tool_calls/0/function/name").asText())
            .isEqualTo("lookup_customer");
        arguments = body.at("/choices/0/message/tool_calls/0/function/arguments").asText();
        finishReason = body.at("/choices/0/finish_reason").asText();
      }
      assertThat(Sse.json(arguments).get("text").asText())
          .isEqualTo("Find \"Jane\" at jane@example.com");
      assertThat(finishReason).isEqualTo("tool_calls");
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"fail-500", "fail-429"})
  void failingModelsAnswerWithOpenAiErrors(String model) throws Exception {
    try (OpenAiStandIn openAi = OpenAiStandIn.start(StandInOptions.defaults())) {
      HttpResponse<String> response = post(openAi, echoRequest(model, true));

      assertThat(response.statusCode()).isEqualTo(Integer.parseInt(model.substring(5)));
      JsonNode error = Sse.json(response.body()).get("error");
      assertThat(error.get("message").asText()).isNotBlank();
      assertThat(error.get("type").asText()).isIn("server_error", "requests");
      assertThat(error.has("param")).isTrue();
      assertThat(error.has("code")).isTrue();
    }
  }

  @Test
  void wrongOrMissingKeyIsRefusedWith401() throws Exception {
    try (OpenAiStandIn openAi =
        OpenAiStandIn.start(StandInOptions.defaults().withApiKey("sk-right"))) {
      HttpResponse<String> wrong = post(openAi, echoRequest("echo", false), "Bearer sk-wrong");
      HttpResponse<String> missing = post(openAi, echoRequest("echo", false), null);
      HttpResponse<String> right = post(openAi, echoRequest("echo", false), "Bearer sk-right");

      assertThat(wrong.statusCode()).isEqualTo(401);
      assertThat(Sse.json(wrong.body()).at("/error/code").asText()).isEqualTo("invalid_api_key");
      assertThat(Sse.json(wrong.body()).at("/error/type").asText())
          .isEqualTo("invalid_request_error");
      assertThat(Sse.json(wrong.body()).at("/error/param").isNull()).isTrue();
      assertThat(missing.statusCode()).isEqualTo(401);
      assertThat(right.statusCode()).isEqualTo(200);
      assertThat(openAi.received()).hasSize(3);
    }
  }

  @ParameterizedTest(name = "stream={0}")
  @ValueSource(booleans = {true, false})
  void fragmentedResponseParsesToTheSameText(boolean stream) throws Exception {
    StandInOptions plain = StandInOptions.defaults().withSeed(5L);
    String unfragmented;
    try (OpenAiStandIn openAi = OpenAiStandIn.start(plain)) {
      unfragmented = post(openAi, echoRequest("echo", stream)).body();
    }
    try (OpenAiStandIn openAi = OpenAiStandIn.start(plain.withFragmentBytes(3))) {
      String fragmented = post(openAi, echoRequest("echo", stream)).body();

      String text =
          stream
              ? Sse.contentOf(Sse.chunksOf(fragmented))
              : Sse.json(fragmented).at("/choices/0/message/content").asText();
      assertThat(text).isEqualTo(ECHO);
      assertThat(withoutIds(fragmented)).isEqualTo(withoutIds(unfragmented));
    }
  }

  @Test
  void receivedRecordsHeadersAndRawBodiesUntilCleared() throws Exception {
    try (OpenAiStandIn openAi = OpenAiStandIn.start(StandInOptions.defaults())) {
      String body = echoRequest("echo", false);
      post(openAi, body, "Bearer whatever");
      post(openAi, "{not json", null);

      List<ReceivedRequest> received = openAi.received();
      assertThat(received).hasSize(2);
      assertThat(received.get(0).method()).isEqualTo("POST");
      assertThat(received.get(0).uri()).isEqualTo("/v1/chat/completions");
      assertThat(received.get(0).body()).isEqualTo(body);
      assertThat(received.get(0).header("AUTHORIZATION")).hasValue("Bearer whatever");
      assertThat(received.get(0).headers()).containsKey("content-type");
      assertThat(received.get(1).body()).isEqualTo("{not json");
      openAi.clear();
      assertThat(openAi.received()).isEmpty();
    }
  }

  @Test
  void logFileGetsOneJsonLinePerRequest(@TempDir Path dir) throws Exception {
    Path log = dir.resolve("logs/requests.jsonl");
    try (OpenAiStandIn openAi = OpenAiStandIn.start(StandInOptions.defaults().withLogFile(log))) {
      post(openAi, echoRequest("echo", false));
      post(openAi, echoRequest("fail-500", false));
    }
    List<String> lines = Files.readAllLines(log);
    assertThat(lines).hasSize(2);
    JsonNode first = Sse.json(lines.get(0));
    assertThat(first.get("method").asText()).isEqualTo("POST");
    assertThat(first.get("body").asText()).isEqualTo(echoRequest("echo", false));
    assertThat(first.at("/headers/Content-Type/0").asText()).isEqualTo("application/json");
  }

  @Test
  void keepAliveServesTwoRequestsOnOneConnection() throws Exception {
    try (OpenAiStandIn openAi = OpenAiStandIn.start(StandInOptions.defaults());
        Socket socket = new Socket("127.0.0.1", openAi.port())) {
      OutputStream out = socket.getOutputStream();
      InputStream in = socket.getInputStream();

      out.write(rawPost(echoRequest("echo", false)));
      RawResponse first = RawResponse.read(in);
      out.write(rawPost(echoRequest("echo", true)));
      RawResponse second = RawResponse.read(in);

      assertThat(first.status()).isEqualTo(200);
      assertThat(Sse.json(first.body()).at("/choices/0/message/content").asText()).isEqualTo(ECHO);
      assertThat(second.status()).isEqualTo(200);
      assertThat(Sse.contentOf(Sse.chunksOf(second.body()))).isEqualTo(ECHO);
    }
  }

  @Test
  void pipelinedRequestsAreAnsweredInOrder() throws Exception {
    try (OpenAiStandIn openAi = OpenAiStandIn.start(StandInOptions.defaults());
        Socket socket = new Socket("127.0.0.1", openAi.port())) {
      ByteArrayOutputStream both = new ByteArrayOutputStream();
      both.writeBytes(
          rawPost(
              "{\"model\":\"slow-100\",\"messages\":[{\"role\":\"user\",\"content\":\"first\"}]}"));
      both.writeBytes(
          rawPost(
              "{\"model\":\"echo\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"second\"}]}"));
      socket.getOutputStream().write(both.toByteArray());

      RawResponse first = RawResponse.read(socket.getInputStream());
      RawResponse second = RawResponse.read(socket.getInputStream());

      assertThat(Sse.json(first.body()).at("/choices/0/message/content").asText())
          .isEqualTo("first");
      assertThat(Sse.contentOf(Sse.chunksOf(second.body()))).isEqualTo("second");
    }
  }

  @Test
  void longStreamToAReaderThatStallsArrivesWhole() throws Exception {
    String text = "0123456789abcdefghij 😀 ".repeat(400);
    String request =
        "{\"model\":\"echo\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\""
            + text
            + "\"}]}";
    try (OpenAiStandIn openAi = OpenAiStandIn.start(StandInOptions.defaults());
        Socket socket = new Socket("127.0.0.1", openAi.port())) {
      socket.getOutputStream().write(rawPost(request));
      Thread.sleep(300);

      RawResponse response =
          RawResponse.read(new java.io.BufferedInputStream(socket.getInputStream()));

      assertThat(Sse.contentOf(Sse.chunksOf(response.body()))).isEqualTo(text);
    }
  }

  @Test
  void malformedHttpIsRefusedAndTheConnectionClosed() throws Exception {
    try (OpenAiStandIn openAi = OpenAiStandIn.start(StandInOptions.defaults());
        Socket socket = new Socket("127.0.0.1", openAi.port())) {
      socket.getOutputStream().write("GARBAGE\r\n\r\n".getBytes(StandardCharsets.US_ASCII));

      RawResponse response = RawResponse.read(socket.getInputStream());

      assertThat(response.status()).isEqualTo(400);
      assertThat(Sse.json(response.body()).at("/error/type").asText())
          .isEqualTo("invalid_request_error");
      assertThat(socket.getInputStream().read()).isEqualTo(-1);
    }
  }

  @Test
  void resetMidStreamBreaksOffAfterSomeChunksWithoutDone() throws Exception {
    try (OpenAiStandIn openAi = OpenAiStandIn.start(StandInOptions.defaults())) {
      HttpResponse<InputStream> response =
          client.send(
              request(openAi, echoRequest("reset-mid-stream", true), null),
              HttpResponse.BodyHandlers.ofInputStream());
      ByteArrayOutputStream received = new ByteArrayOutputStream();

      assertThat(response.statusCode()).isEqualTo(200);
      try (InputStream in = response.body()) {
        assertThatThrownBy(() -> in.transferTo(received)).isInstanceOf(IOException.class);
      }
      String partial = received.toString(StandardCharsets.UTF_8);
      assertThat(partial)
          .startsWith("data: {")
          .doesNotContain("[DONE]")
          .doesNotContain("finish_reason\":\"stop");
    }
  }

  @Test
  void slowModelWaitsBeforeAnswering() throws Exception {
    try (OpenAiStandIn openAi = OpenAiStandIn.start(StandInOptions.defaults())) {
      long start = System.nanoTime();
      HttpResponse<String> response = post(openAi, echoRequest("slow-300", false));

      assertThat(Duration.ofNanos(System.nanoTime() - start))
          .isGreaterThanOrEqualTo(Duration.ofMillis(300));
      assertThat(Sse.json(response.body()).at("/choices/0/message/content").asText())
          .isEqualTo(ECHO);
    }
  }

  @Test
  void hangingModelNeverAnswers() throws Exception {
    try (OpenAiStandIn openAi = OpenAiStandIn.start(StandInOptions.defaults())) {
      HttpRequest request =
          HttpRequest.newBuilder(request(openAi, echoRequest("hang", false), null), (n, v) -> true)
              .timeout(Duration.ofMillis(300))
              .build();

      assertThatThrownBy(() -> client.send(request, HttpResponse.BodyHandlers.ofString()))
          .isInstanceOf(HttpTimeoutException.class);
      assertThat(openAi.received()).hasSize(1);
    }
  }

  @Test
  void listensOnLoopbackAtTheAdvertisedBaseUrl() {
    try (OpenAiStandIn openAi = OpenAiStandIn.start(StandInOptions.defaults())) {
      assertThat(openAi.port()).isPositive();
      assertThat(openAi.baseUrl()).isEqualTo("http://127.0.0.1:" + openAi.port() + "/v1");
    }
  }

  @Test
  void aBusyPortIsReportedWithThePort() {
    try (OpenAiStandIn first = OpenAiStandIn.start(StandInOptions.defaults())) {
      assertThatThrownBy(
              () -> OpenAiStandIn.start(StandInOptions.defaults().withPort(first.port())))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageStartingWith("port: " + first.port());
    }
  }

  @Test
  void invalidOptionsNameTheSettingAndTheExpectation() {
    assertThatThrownBy(() -> StandInOptions.defaults().withFragmentBytes(-1))
        .hasMessage("fragmentBytes: -1 (expected: >= 0)");
    assertThatThrownBy(() -> StandInOptions.defaults().withPort(70_000))
        .hasMessage("port: 70000 (expected: 0..65535)");
  }

  private static String echoRequest(String model, boolean stream) {
    return String.format(ECHO_REQUEST, model, stream);
  }

  private static String withoutIds(String body) {
    return body.replaceAll("chatcmpl-[A-Za-z0-9]+", "ID").replaceAll("\"created\":\\d+", "T");
  }

  private HttpResponse<String> post(OpenAiStandIn openAi, String body) throws Exception {
    return post(openAi, body, null);
  }

  private HttpResponse<String> post(OpenAiStandIn openAi, String body, String authorization)
      throws Exception {
    return client.send(request(openAi, body, authorization), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpRequest request(OpenAiStandIn openAi, String body, String authorization) {
    HttpRequest.Builder builder =
        HttpRequest.newBuilder(URI.create(openAi.baseUrl() + "/chat/completions"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (authorization != null) {
      builder.header("Authorization", authorization);
    }
    return builder.build();
  }

  private static byte[] rawPost(String body) {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    String head =
        "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            + "Content-Type: application/json\r\nContent-Length: "
            + bytes.length
            + "\r\n\r\n";
    ByteArrayOutputStream request = new ByteArrayOutputStream();
    request.writeBytes(head.getBytes(StandardCharsets.US_ASCII));
    request.writeBytes(bytes);
    return request.toByteArray();
  }

  /** A minimal HTTP/1.1 response reader: Content-Length or chunked bodies, nothing else. */
  private record RawResponse(int status, String body) {
    static RawResponse read(InputStream in) throws IOException {
      String statusLine = line(in);
      int status = Integer.parseInt(statusLine.split(" ")[1]);
      int contentLength = -1;
      boolean chunked = false;
      String header;
      while (!(header = line(in)).isEmpty()) {
        String name = header.substring(0, header.indexOf(':')).trim();
        String value = header.substring(header.indexOf(':') + 1).trim();
        if (name.equalsIgnoreCase("content-length")) {
          contentLength = Integer.parseInt(value);
        } else if (name.equalsIgnoreCase("transfer-encoding")) {
          chunked = value.equalsIgnoreCase("chunked");
        }
      }
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      if (chunked) {
        int size;
        while ((size = Integer.parseInt(line(in), 16)) > 0) {
          body.writeBytes(in.readNBytes(size));
          line(in);
        }
        line(in);
      } else {
        body.writeBytes(in.readNBytes(contentLength));
      }
      return new RawResponse(status, body.toString(StandardCharsets.UTF_8));
    }

    private static String line(InputStream in) throws IOException {
      StringBuilder line = new StringBuilder();
      int b;
      while ((b = in.read()) != '\n') {
        if (b < 0) {
          throw new IOException("connection closed");
        }
        if (b != '\r') {
          line.append((char) b);
        }
      }
      return line.toString();
    }
  }
}
