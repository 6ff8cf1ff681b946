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

/**
 * One request, sent again and again: {@code POST /v1/chat/completions} with a fixed JSON body. The
 * body is encoded once into a direct buffer that every send shares (writes cannot release it);
 * {@link #close()} releases it once no send is in flight any more.
 *
 * @param name what the report calls it
 * @param streaming whether the answer is a server-sent event stream that must end with {@code data:
 *     [DONE]}
 */
record Workload(String name, ByteBuf body, HttpHeaders headers, boolean streaming)
    implements AutoCloseable {
  static final String PATH = "/v1/chat/completions";

  static Workload of(String name, String json, String apiKey, boolean streaming) {
    requireNonNull(json, "json");
    ByteBuf body =
        Unpooled.unreleasableBuffer(
            Unpooled.directBuffer(json.length()).writeBytes(json.getBytes(StandardCharsets.UTF_8)));
    HttpHeaders headers =
        new DefaultHttpHeaders()
            .set(HttpHeaderNames.HOST, "127.0.0.1")
            .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
            .set(HttpHeaderNames.AUTHORIZATION, "Bearer " + apiKey)
            .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
    return new Workload(name, body, headers, streaming);
  }

  FullHttpRequest newRequest() {
    return new DefaultFullHttpRequest(
        HttpVersion.HTTP_1_1,
        HttpMethod.POST,
        PATH,
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
