package org.complianceproxy.proxy.bedrock;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.complianceproxy.proxy.error.ProxyError;
import org.complianceproxy.proxy.error.ProxyException;

/**
 * Reads and writes Bedrock JSON bodies. Decimal numbers keep their exact digits ({@code 0.70} stays
 * {@code 0.70}); a repeated field name is refused, since the upstream might read the other one.
 * Errors name a position only: Jackson's messages quote the input, which may be personal data.
 */
final class BedrockJson {

  static final ObjectMapper MAPPER =
      new ObjectMapper(
              JsonFactory.builder()
                  .enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8)
                  .build())
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .setNodeFactory(JsonNodeFactory.withExactBigDecimals(true));

  private BedrockJson() {}

  /**
   * The body as a JSON object, or {@link ProxyException} {@code INVALID_JSON}/{@code
   * INVALID_REQUEST}.
   */
  static ObjectNode parseObject(byte[] body) {
    JsonNode root;
    try {
      root = MAPPER.readTree(body);
    } catch (JsonProcessingException e) {
      String where =
          e.getLocation() == null
              ? ""
              : " at line "
                  + e.getLocation().getLineNr()
                  + ", column "
                  + e.getLocation().getColumnNr();
      throw new ProxyException(ProxyError.INVALID_JSON, "request body is not valid JSON" + where);
    } catch (IOException e) {
      throw new ProxyException(ProxyError.INVALID_JSON, "request body is not valid JSON");
    }
    if (!(root instanceof ObjectNode object)) {
      throw new ProxyException(ProxyError.INVALID_REQUEST, "request body: expected a JSON object");
    }
    return object;
  }

  /** A JSON answer of the upstream, or null when it is not a JSON object. */
  static ObjectNode parseAnswer(byte[] body) {
    try {
      return MAPPER.readTree(body) instanceof ObjectNode object ? object : null;
    } catch (IOException e) {
      return null;
    }
  }

  static byte[] write(JsonNode node) {
    try {
      return MAPPER.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
