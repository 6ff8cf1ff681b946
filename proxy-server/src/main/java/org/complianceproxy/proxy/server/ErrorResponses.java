package org.complianceproxy.proxy.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderValues;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.complianceproxy.proxy.bedrock.EventStreamFrames;
import org.complianceproxy.proxy.error.ProxyError;

/**
 * Error bodies in each front door's shape: OpenAI's {@code
 * {"error":{"message","type","param","code"}}}, and Bedrock's {@code {"message"}} with the error
 * type in the {@code x-amzn-ErrorType} header, which AWS SDKs turn into their exception classes.
 */
public final class ErrorResponses {

  private static final JsonFactory JSON = new JsonFactory();

  private ErrorResponses() {}

  /** The error shapes of each front door. */
  enum Format {
    OPENAI {
      @Override
      FullHttpResponse response(ProxyError error, String message, String requestId) {
        return openAi(error, message, requestId);
      }

      /** An {@code error} object in a data line, which OpenAI's SDKs raise. */
      @Override
      byte[] streamChunk(ProxyError error, String message) {
        return openAiEvent(error, message);
      }
    },
    BEDROCK {
      @Override
      FullHttpResponse response(ProxyError error, String message, String requestId) {
        return bedrock(error, message, requestId);
      }

      /** An event-stream exception frame, which the AWS SDKs raise as the named exception. */
      @Override
      byte[] streamChunk(ProxyError error, String message) {
        return EventStreamFrames.exception(bedrockErrorType(error), message);
      }
    };

    /** A complete error response carrying the request id. */
    abstract FullHttpResponse response(ProxyError error, String message, String requestId);

    /** The error as one chunk of an answer whose head is already sent. */
    abstract byte[] streamChunk(ProxyError error, String message);
  }

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

  /**
   * The error as one server-sent event, for a stream whose status line is already gone: OpenAI's
   * SDKs read an {@code error} object in a data line.
   */
  static byte[] openAiEvent(ProxyError error, String message) {
    String event =
        "data: " + new String(openAiJson(error, message), StandardCharsets.UTF_8) + "\n\n";
    return event.getBytes(StandardCharsets.UTF_8);
  }

  /** A complete error response carrying the request id. */
  public static FullHttpResponse openAi(ProxyError error, String message, String requestId) {
    FullHttpResponse response =
        ExchangeLifecycle.fullResponse(
            error.status(), HttpHeaderValues.APPLICATION_JSON, openAiJson(error, message));
    response.headers().set(RequestIds.HEADER, requestId);
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
    FullHttpResponse response =
        ExchangeLifecycle.fullResponse(
            error.status(), HttpHeaderValues.APPLICATION_JSON, out.toByteArray());
    response
        .headers()
        .set("x-amzn-ErrorType", bedrockErrorType(error))
        .set("x-amzn-RequestId", requestId)
        .set(RequestIds.HEADER, requestId);
    return response;
  }
}
