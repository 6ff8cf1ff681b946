package org.complianceproxy.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import org.complianceproxy.standin.BedrockStandIn;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Bedrock scenario's parts against the Bedrock stand-in, in-process: the signed ConverseStream
 * workload, and {@link EventStreamFollower} over the stand-in's own event-stream bytes, which an
 * encoder independent of the follower wrote.
 */
class BedrockLoadTest {
  private static final String TEXT = "card 4111 1111 1111 1111 and mail ann.lee@example.com please";
  private static BedrockStandIn bedrock;
  private static byte[] answer;

  @BeforeAll
  static void start() throws Exception {
    bedrock = BedrockStandIn.start(0, 7L, 64);
    try (Workload workload = BedrockRequests.converseStream("t", bedrock.port(), TEXT)) {
      HttpRequest.Builder request =
          HttpRequest.newBuilder(URI.create(bedrock.endpoint() + workload.path()))
              .POST(HttpRequest.BodyPublishers.ofByteArray(bytes(workload)));
      workload
          .headers()
          .forEach(
              h -> {
                if (!isRestricted(h.getKey())) {
                  request.header(h.getKey(), h.getValue());
                }
              });
      HttpResponse<byte[]> response =
          HttpClient.newBuilder()
              .version(HttpClient.Version.HTTP_1_1)
              .build()
              .send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
      assertThat(response.statusCode()).isEqualTo(200);
      answer = response.body();
    }
  }

  @AfterAll
  static void stop() {
    bedrock.close();
  }

  @Test
  void signedConverseStreamsCompleteAgainstTheStandIn() throws Exception {
    try (Workload workload = BedrockRequests.converseStream("t", bedrock.port(), TEXT);
        LoadGenerator generator =
            new LoadGenerator(new InetSocketAddress("127.0.0.1", bedrock.port()), 1)) {
      RunResult result =
          generator.openLoop(workload, 100, Duration.ofMillis(100), 4, Duration.ofSeconds(30));

      assertThat(result.completed()).isEqualTo(10);
      assertThat(result.errors()).isZero();
      assertThat(result.firstByte().getTotalCount()).isEqualTo(10);
    }
  }

  @Test
  void theWorkloadIsSignedForTheBedrockService() {
    try (Workload workload = BedrockRequests.converseStream("t", 8080, TEXT)) {
      assertThat(workload.path())
          .isEqualTo("/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse-stream");
      assertThat(workload.headers().get("authorization"))
          .startsWith("AWS4-HMAC-SHA256 Credential=" + BedrockRequests.ACCESS_KEY_ID + "/")
          .contains("/" + BedrockRequests.REGION + "/bedrock/aws4_request");
      assertThat(workload.headers().get("host")).isEqualTo("127.0.0.1:8080");
      assertThat(workload.headers().get("x-amz-date")).matches("\\d{8}T\\d{6}Z");
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 7, 100, 1 << 20})
  void aWholeAnswerCompletesHoweverItIsCut(int readBytes) {
    assertThat(answer.length).isGreaterThan(1000);
    assertThat(follow(answer, readBytes)).isTrue();
  }

  @Test
  void anAnswerCutShortDoesNotComplete() {
    assertThat(follow(Arrays.copyOf(answer, answer.length - 1), 7)).isFalse();
    assertThat(follow(Arrays.copyOf(answer, 5), 7)).isFalse();
    assertThat(follow(new byte[0], 7)).isFalse();
  }

  @Test
  void anAnswerWithoutItsMetadataFrameDoesNotComplete() {
    int lastFrame = 0;
    for (int at = 0; at < answer.length; at += ByteBuffer.wrap(answer, at, 4).getInt()) {
      lastFrame = at;
    }
    assertThat(lastFrame).isPositive();
    assertThat(follow(Arrays.copyOf(answer, lastFrame), 7)).isFalse();
  }

  @Test
  void aGarbledPreludeDoesNotComplete() {
    byte[] garbled = answer.clone();
    garbled[3] = 3;
    assertThat(follow(garbled, 7)).isFalse();
  }

  @Test
  void theFollowerStartsOverOnReset() {
    EventStreamFollower follower = new EventStreamFollower();
    follower.feed(Unpooled.wrappedBuffer(answer, 0, 10));
    follower.reset();
    follower.feed(Unpooled.wrappedBuffer(answer));
    assertThat(follower.completed()).isTrue();
  }

  private static boolean follow(byte[] bytes, int readBytes) {
    EventStreamFollower follower = new EventStreamFollower();
    for (int at = 0; at < bytes.length; at += readBytes) {
      follower.feed(Unpooled.wrappedBuffer(bytes, at, Math.min(readBytes, bytes.length - at)));
    }
    return follower.completed();
  }

  private static byte[] bytes(Workload workload) {
    byte[] body = new byte[workload.bodyBytes()];
    workload.body().getBytes(workload.body().readerIndex(), body);
    return body;
  }

  private static boolean isRestricted(String name) {
    return name.equalsIgnoreCase("host")
        || name.equalsIgnoreCase("content-length")
        || name.equalsIgnoreCase("connection");
  }
}
