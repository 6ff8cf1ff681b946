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
import java.util.concurrent.atomic.AtomicLong;

/**
 * One request, sent again and again: a {@code POST} with a fixed JSON body and fixed headers. The
 * body is encoded once into a direct buffer that every send shares (writes cannot release it);
 * {@link #close()} releases it once no send is in flight any more.
 *
 * <p>A body holding {@link Prompts#FRESH_SLOT} is sent as a copy with the slot's digits replaced by
 * a counter this process never repeats, so that every request carries one value the proxy has never
 * seen: it mints and stores a new token for it (a vault write), as for the new turn of a real
 * conversation, while the rest of the body repeats what earlier turns sent.
 *
 * @param name what the report calls it
 * @param path the request target, already percent-encoded
 * @param answer what a complete answer looks like
 * @param freshAt where the digits of the body's fresh slot start, or -1 if it has none
 */
record Workload(
    String name, String path, ByteBuf body, HttpHeaders headers, Answer answer, int freshAt)
    implements AutoCloseable {
  static final String CHAT_PATH = "/v1/chat/completions";

  /** Numbers the fresh values of every workload of this process: no two requests share one. */
  private static final AtomicLong FRESH = new AtomicLong();

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
    int slot = json.indexOf(Prompts.FRESH_SLOT);
    // the slot's text is ASCII, and so is everything before it in the bench's prompts
    int freshAt =
        slot < 0
            ? -1
            : json.substring(0, slot).getBytes(StandardCharsets.UTF_8).length
                + Prompts.FRESH_SLOT.length()
                - Prompts.FRESH_DIGITS;
    return new Workload(name, path, body, headers, requireNonNull(answer, "answer"), freshAt);
  }

  FullHttpRequest newRequest() {
    return new DefaultFullHttpRequest(
        HttpVersion.HTTP_1_1,
        HttpMethod.POST,
        path,
        freshAt < 0 ? body.duplicate() : freshBody(),
        headers,
        EmptyHttpHeaders.INSTANCE);
  }

  /** A copy of the body whose fresh slot holds the next number, zero-padded. */
  private ByteBuf freshBody() {
    ByteBuf copy = Unpooled.buffer(body.readableBytes()).writeBytes(body, 0, body.readableBytes());
    long n = FRESH.incrementAndGet();
    for (int i = Prompts.FRESH_DIGITS - 1; i >= 0; i--) {
      copy.setByte(freshAt + i, '0' + (int) (n % 10));
      n /= 10;
    }
    return copy;
  }

  int bodyBytes() {
    return body.readableBytes();
  }

  @Override
  public void close() {
    body.unwrap().release();
  }
}
