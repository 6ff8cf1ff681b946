package org.complianceproxy.proxy.chat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;
import java.io.IOException;
import org.complianceproxy.proxy.error.ProxyError;
import org.complianceproxy.proxy.error.ProxyException;

/**
 * Reads a request body into a Jackson tree and writes it back, once each. Numbers are kept as the
 * exact text the client sent ({@code 0.70} stays {@code 0.70}, {@code 1e-7} stays {@code 1e-7}), so
 * that sampling parameters and other numbers reach the upstream unchanged, not re-rendered by a
 * {@code double} or a {@code BigDecimal}.
 *
 * <p>Parser errors are reported by position only: Jackson's own messages quote the input, which may
 * be personal data.
 */
final class ChatJson {

  // the parser's default limits (nesting depth, number and string length) apply; characters outside
  // the BMP are written as 4-byte UTF-8, as clients send them, not as a pair of escaped surrogates
  private static final JsonFactory FACTORY =
      JsonFactory.builder().enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8).build();
  private static final ObjectMapper WRITER = new ObjectMapper(FACTORY);
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private ChatJson() {}

  /**
   * @throws ProxyException {@code INVALID_JSON} when {@code body} is not one JSON value, {@code
   *     INVALID_REQUEST} when an object repeats a field name (the upstream could read either one)
   */
  static JsonNode parse(byte[] body) {
    try (JsonParser parser = FACTORY.createParser(body)) {
      if (parser.nextToken() == null) {
        throw new ProxyException(ProxyError.INVALID_JSON, "request body is empty");
      }
      JsonNode root = read(parser);
      if (parser.nextToken() != null) {
        throw new ProxyException(
            ProxyError.INVALID_JSON,
            "request body has content after the JSON value" + at(parser.currentLocation()));
      }
      return root;
    } catch (JsonProcessingException e) {
      throw new ProxyException(
          ProxyError.INVALID_JSON, "request body is not valid JSON" + at(e.getLocation()));
    } catch (IOException e) {
      throw new ProxyException(ProxyError.INVALID_JSON, "request body is not valid JSON");
    }
  }

  static byte[] write(JsonNode root) {
    try {
      return WRITER.writeValueAsBytes(root);
    } catch (JsonProcessingException e) {
      // none known for a tree that was just parsed (a lone surrogate is written escaped, as sent)
      throw new ProxyException(
          ProxyError.INVALID_REQUEST, "request contains text that cannot be written as JSON");
    }
  }

  private static JsonNode read(JsonParser parser) throws IOException {
    JsonToken token = parser.currentToken();
    switch (token) {
      case START_OBJECT:
        ObjectNode object = NODES.objectNode();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
          String name = parser.currentName();
          JsonLocation location = parser.currentLocation();
          parser.nextToken();
          if (object.replace(name, read(parser)) != null) {
            throw new ProxyException(
                ProxyError.INVALID_REQUEST,
                "request body repeats a field name in one object" + at(location));
          }
        }
        return object;
      case START_ARRAY:
        ArrayNode array = NODES.arrayNode();
        while (parser.nextToken() != JsonToken.END_ARRAY) {
          array.add(read(parser));
        }
        return array;
      case VALUE_STRING:
        return NODES.textNode(parser.getText());
      case VALUE_NUMBER_INT:
      case VALUE_NUMBER_FLOAT:
        return NODES.rawValueNode(new RawValue(parser.getText()));
      case VALUE_TRUE:
        return NODES.booleanNode(true);
      case VALUE_FALSE:
        return NODES.booleanNode(false);
      case VALUE_NULL:
        return NODES.nullNode();
      default:
        throw new ProxyException(
            ProxyError.INVALID_JSON,
            "request body is not valid JSON" + at(parser.currentLocation()));
    }
  }

  private static String at(JsonLocation location) {
    if (location == null || location.getLineNr() < 1) {
      return "";
    }
    return " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
  }
}
