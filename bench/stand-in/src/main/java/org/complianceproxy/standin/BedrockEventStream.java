package org.complianceproxy.standin;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * Encodes AWS event-stream messages, the framing of Bedrock's streamed answers: a 12-byte prelude
 * (total length, headers length, CRC32 of those 8 bytes), the headers, the payload and a CRC32 of
 * everything before it. Written here rather than taken from the AWS SDK so that the stand-in keeps
 * no AWS dependency and the proxy's decoder is checked against an independent encoder.
 */
final class BedrockEventStream {

  private static final byte STRING_HEADER = 7;

  private BedrockEventStream() {}

  /** An {@code event} message of the given type with a JSON payload. */
  static byte[] event(String eventType, byte[] jsonPayload) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put(":event-type", eventType);
    headers.put(":content-type", "application/json");
    headers.put(":message-type", "event");
    return encode(headers, jsonPayload);
  }

  /** An {@code exception} message, as Bedrock sends for errors in mid-stream. */
  static byte[] exception(String exceptionType, byte[] jsonPayload) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put(":exception-type", exceptionType);
    headers.put(":content-type", "application/json");
    headers.put(":message-type", "exception");
    return encode(headers, jsonPayload);
  }

  /** One message with string headers only, which is all Bedrock's answers use. */
  static byte[] encode(Map<String, String> headers, byte[] payload) {
    ByteArrayOutputStream encodedHeaders = new ByteArrayOutputStream();
    for (Map.Entry<String, String> header : headers.entrySet()) {
      byte[] name = header.getKey().getBytes(StandardCharsets.UTF_8);
      byte[] value = header.getValue().getBytes(StandardCharsets.UTF_8);
      encodedHeaders.write(name.length);
      encodedHeaders.writeBytes(name);
      encodedHeaders.write(STRING_HEADER);
      encodedHeaders.write((value.length >>> 8) & 0xff);
      encodedHeaders.write(value.length & 0xff);
      encodedHeaders.writeBytes(value);
    }
    byte[] headerBytes = encodedHeaders.toByteArray();
    int total = 12 + headerBytes.length + payload.length + 4;
    ByteBuffer frame = ByteBuffer.allocate(total);
    frame.putInt(total).putInt(headerBytes.length);
    frame.putInt((int) crc(frame.array(), 0, 8));
    frame.put(headerBytes).put(payload);
    frame.putInt((int) crc(frame.array(), 0, total - 4));
    return frame.array();
  }

  private static long crc(byte[] bytes, int offset, int length) {
    CRC32 crc = new CRC32();
    crc.update(bytes, offset, length);
    return crc.getValue();
  }
}
