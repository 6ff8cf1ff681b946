package org.complianceproxy.bench;

import static java.util.Objects.requireNonNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * One request, sent again and again: a {@code POST} with a fixed JSON body and fixed headers. The
 * body is encoded once into a direct buffer that every send shares (writes cannot release it);
 * {@link #close()} releases it once no send is in flight any more.
 *
 * @param name what the report calls it
 * @param path the request target, already percent-encoded
 * @param answer what a complete answer looks like
 */
record Workload(String name, String path, ByteBuf body, HttpHeaders headers, Answer answer)
    implements AutoCloseable {
  static final String CHAT_PATH = "/v1/chat/completions";

  /** How the load generator tells a complete answer from a broken one (besides status 200). */
  enum Answer {
    /** A whole body. */
    WHOLE,
    /** Server-sent events that end with {@code data: [DONE]}. */
    SSE,
    /** AWS event-stream frames that end on a frame boundary with a {@code metadata} event. */
    EVENT_STREAM
  }

  /** {@code POST /v1/chat/completions} with {@code Authorization: Bearer apiKey}. */
  static Workload of(String name, String json, String apiKey, boolean streaming) {
    return of(
        name,
        CHAT_PATH,
        json,
        Map.of(HttpHeaderNames.AUTHORIZATION.toString(), "Bearer " + apiKey),
        streaming ? Answer.SSE : Answer.WHOLE);
  }

  /**
   * @param extraHeaders sent as they are, after {@code host} (unless they carry their own), {@code
   *     content-type} and {@code content-length}
   */
  static Workload of(
      String name, String path, String json, Map<String, String> extraHeaders, Answer answer) {
    requireNonNull(json, "json");
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    ByteBuf body =
        Unpooled.unreleasableBuffer(Unpooled.directBuffer(bytes.length).writeBytes(bytes));
    HttpHeaders headers =
        new DefaultHttpHeaders()
            .set(HttpHeaderNames.HOST, "127.0.0.1")
            .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
            .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
    extraHeaders.forEach(headers::set);
    return new Workload(name, path, body, headers, requireNonNull(answer, "answer"));
  }

  FullHttpRequest newRequest() {
    return new DefaultFullHttpRequest(
        HttpVersion.HTTP_1_1,
        HttpMethod.POST,
        path,
        body.duplicate(),
        headers,
        EmptyHttpHeaders.INSTANCE);
  }

  int bodyBytes() {
    return body.readableBytes();
  }

  @Override
  public void close() {
    body.unwrap().release();
  }
}
