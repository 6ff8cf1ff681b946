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
 * Error bodies in each front door's shape: OpenAI's {@code
 * {"error":{"message","type","param","code"}}}, and Bedrock's {@code {"message"}} with the error
 * type in the {@code x-amzn-ErrorType} header, which AWS SDKs turn into their exception classes.
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

  /** The AWS error type the SDKs know for each failure of the native Bedrock front door. */
  static String bedrockErrorType(ProxyError error) {
    return switch (error) {
      case SIGNATURE_INVALID,
          REGION_NOT_ALLOWED,
          BLOCKED_BY_POLICY,
          MISSING_API_KEY,
          INVALID_API_KEY,
          UPSTREAM_ACCESS_DENIED ->
          "AccessDeniedException";
      case NOT_FOUND -> "ResourceNotFoundException";
      case UPSTREAM_THROTTLED -> "ThrottlingException";
      case MODEL_NOT_READY -> "ModelNotReadyException";
      case VAULT_UNAVAILABLE, AUDIT_UNAVAILABLE, UPSTREAM_UNREACHABLE ->
          "ServiceUnavailableException";
      case UPSTREAM_TIMEOUT -> "ModelTimeoutException";
      case SANITIZER_FAILED, UPSTREAM_ERROR, UPSTREAM_BAD_RESPONSE, INTERNAL ->
          "InternalServerException";
      default -> "ValidationException";
    };
  }

  /** A complete error response of the native Bedrock front door. */
  public static FullHttpResponse bedrock(ProxyError error, String message, String requestId) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(64 + message.length());
    try (JsonGenerator gen = JSON.createGenerator(out)) {
      gen.writeStartObject();
      gen.writeStringField("message", message);
      gen.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ByteBuf body = Unpooled.wrappedBuffer(out.toByteArray());
    FullHttpResponse response =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(error.status()), body);
    response
        .headers()
        .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
        .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes())
        .set("x-amzn-ErrorType", bedrockErrorType(error))
        .set("x-amzn-RequestId", requestId)
        .set(RequestIds.HEADER, requestId);
    return response;
  }
}
