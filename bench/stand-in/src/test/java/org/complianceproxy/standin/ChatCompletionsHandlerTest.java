package org.complianceproxy.standin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The handler alone, without sockets: what it writes for each kind of request, and that it leaks
 * nothing.
 */
@ExtendWith(LeakCheck.class)
class ChatCompletionsHandlerTest {
  private final RequestRecorder recorder = RequestRecorder.open(100, null);
  private EmbeddedChannel channel;

  @AfterEach
  void finishWithoutLeftovers() {
    assertThat(channel.finishAndReleaseAll()).isFalse();
  }

  @Test
  void nonStreamingEchoIsOneFullResponse() {
    channel = channel(StandInOptions.defaults());
    channel.writeInbound(
        post(
            "/v1/chat/completions",
            "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"));

    FullHttpResponse response = channel.readOutbound();
    try {
      assertThat(response.status().code()).isEqualTo(200);
      assertThat(response.headers().get(HttpHeaderNames.CONTENT_TYPE))
          .isEqualTo("application/json");
      assertThat(response.headers().getInt(HttpHeaderNames.CONTENT_LENGTH))
          .isEqualTo(response.content().readableBytes());
      JsonNode body = Sse.json(response.content().toString(StandardCharsets.UTF_8));
      assertThat(body.at("/choices/0/message/content").asText()).isEqualTo("hi");
    } finally {
      response.release();
    }
    assertThat(recorder.snapshot()).hasSize(1);
  }

  @Test
  void streamingEchoIsHeadThenOneContentPerEventThenLast() {
    channel = channel(StandInOptions.defaults());
    channel.writeInbound(
        post(
            "/v1/chat/completions",
            "{\"model\":\"m\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}]}"));

    HttpResponse head = channel.readOutbound();
    assertThat(head.headers().get(HttpHeaderNames.CONTENT_TYPE)).startsWith("text/event-stream");
    StringBuilder stream = new StringBuilder();
    Object message;
    while (!((message = channel.readOutbound()) instanceof LastHttpContent)) {
      HttpContent content = (HttpContent) message;
      String event = content.content().toString(StandardCharsets.UTF_8);
      content.release();
      assertThat(event).startsWith("data: ").endsWith("\n\n");
      stream.append(event);
    }
    assertThat(Sse.contentOf(Sse.chunksOf(stream.toString()))).isEqualTo("hello there");
    assertThat(stream).endsWith("data: [DONE]\n\n");
  }

  @Test
  void streamPausesWhileTheChannelIsNotWritable() {
    channel = channel(StandInOptions.defaults());
    channel.unsafe().outboundBuffer().setUserDefinedWritability(1, false);
    channel.writeInbound(
        post(
            "/v1/chat/completions",
            "{\"model\":\"m\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}]}"));

    assertThat((Object) channel.readOutbound()).isInstanceOf(HttpResponse.class);
    assertThat((Object) channel.readOutbound()).isNull();
    channel.unsafe().outboundBuffer().setUserDefinedWritability(1, true);
    channel.runPendingTasks();

    StringBuilder stream = new StringBuilder();
    Object message;
    while ((message = channel.readOutbound()) != null) {
      HttpContent content = (HttpContent) message;
      stream.append(content.content().toString(StandardCharsets.UTF_8));
      content.release();
    }
    assertThat(stream).endsWith("data: [DONE]\n\n");
    assertThat(Sse.contentOf(Sse.chunksOf(stream.toString()))).isEqualTo("hello there");
  }

  @Test
  void slowModelAnswersOnlyAfterItsDelay() {
    channel = channel(StandInOptions.defaults());
    channel.freezeTime();
    channel.writeInbound(post("/v1/chat/completions", "{\"model\":\"slow-500\",\"messages\":[]}"));

    assertThat((Object) channel.readOutbound()).isNull();
    channel.advanceTimeBy(499, TimeUnit.MILLISECONDS);
    channel.runScheduledPendingTasks();
    assertThat((Object) channel.readOutbound()).isNull();
    channel.advanceTimeBy(1, TimeUnit.MILLISECONDS);
    channel.runScheduledPendingTasks();
    FullHttpResponse response = channel.readOutbound();
    assertThat(response.status().code()).isEqualTo(200);
    response.release();
  }

  @Test
  void unknownPathIsOpenAiNotFound() {
    channel = channel(StandInOptions.defaults());
    channel.writeInbound(post("/v1/completions", "{}"));

    FullHttpResponse response = channel.readOutbound();
    try {
      assertThat(response.status().code()).isEqualTo(404);
      assertThat(response.content().toString(StandardCharsets.UTF_8))
          .contains("Invalid URL (POST /v1/completions)");
    } finally {
      response.release();
    }
  }

  @Test
  void fragmentedBodyIsManyContentsOfAtMostTheConfiguredSize() {
    channel = channel(StandInOptions.defaults().withFragmentBytes(4));
    channel.writeInbound(
        post(
            "/v1/chat/completions",
            "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"));

    HttpResponse head = channel.readOutbound();
    int expectedLength = head.headers().getInt(HttpHeaderNames.CONTENT_LENGTH);
    byte[] body = new byte[0];
    Object message;
    while (!((message = channel.readOutbound()) instanceof LastHttpContent)) {
      HttpContent content = (HttpContent) message;
      assertThat(content.content().readableBytes()).isBetween(1, 4);
      byte[] piece = ByteBufUtil.getBytes(content.content());
      content.release();
      byte[] joined = java.util.Arrays.copyOf(body, body.length + piece.length);
      System.arraycopy(piece, 0, joined, body.length, piece.length);
      body = joined;
    }
    assertThat(body).hasSize(expectedLength);
    assertThat(
            Sse.json(new String(body, StandardCharsets.UTF_8))
                .at("/choices/0/message/content")
                .asText())
        .isEqualTo("hi");
  }

  private EmbeddedChannel channel(StandInOptions options) {
    return new EmbeddedChannel(
        new HttpServerKeepAliveHandler(), new ChatCompletionsHandler(options, recorder));
  }

  private static FullHttpRequest post(String uri, String body) {
    FullHttpRequest request =
        new DefaultFullHttpRequest(
            HttpVersion.HTTP_1_1,
            HttpMethod.POST,
            uri,
            Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
    request.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
    request.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, request.content().readableBytes());
    return request;
  }
}
