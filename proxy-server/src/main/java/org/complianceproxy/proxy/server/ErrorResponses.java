package org.complianceproxy.proxy.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.complianceproxy.proxy.error.ProxyError;

/**
 * Error bodies in the OpenAI front door's shape: {@code
 * {"error":{"message","type","param","code"}}}.
 */
public final class ErrorResponses {

  private static final JsonFactory JSON = new JsonFactory();

  private ErrorResponses() {}

  /** The error as a JSON body. */
  public static byte[] openAiJson(ProxyError error, String message) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(128 + message.length());
    try (JsonGenerator gen = JSON.createGenerator(out)) {
      gen.writeStartObject();
      gen.writeObjectFieldStart("error");
      gen.writeStringField("message", message);
      gen.writeStringField("type", error.type());
      gen.writeNullField("param");
      gen.writeStringField("code", error.code());
      gen.writeEndObject();
      gen.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** A complete error response carrying the request id. */
  public static FullHttpResponse openAi(ProxyError error, String message, String requestId) {
    ByteBuf body = Unpooled.wrappedBuffer(openAiJson(error, message));
    FullHttpResponse response =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(error.status()), body);
    response
        .headers()
        .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
        .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes())
        .set(RequestIds.HEADER, requestId);
    return response;
  }
}
