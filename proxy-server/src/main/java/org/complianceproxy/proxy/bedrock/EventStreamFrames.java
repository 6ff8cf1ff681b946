package org.complianceproxy.proxy.bedrock;

import java.io.ByteArrayOutputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import software.amazon.awssdk.eventstream.HeaderValue;
import software.amazon.awssdk.eventstream.Message;

/** Event-stream frames the proxy writes itself. */
public final class EventStreamFrames {

  private EventStreamFrames() {}

  /**
   * An {@code exception} frame, as Bedrock ends a stream that failed after it started; AWS SDKs
   * raise the exception class named by {@code exceptionType}.
   */
  public static byte[] exception(String exceptionType, String message) {
    Map<String, HeaderValue> headers = new LinkedHashMap<>();
    headers.put(":exception-type", HeaderValue.fromString(exceptionType));
    headers.put(":content-type", HeaderValue.fromString("application/json"));
    headers.put(":message-type", HeaderValue.fromString("exception"));
    byte[] payload =
        BedrockJson.write(BedrockJson.MAPPER.createObjectNode().put("message", message));
    ByteArrayOutputStream out = new ByteArrayOutputStream(payload.length + 128);
    new Message(headers, payload).encode(out);
    return out.toByteArray();
  }
}
