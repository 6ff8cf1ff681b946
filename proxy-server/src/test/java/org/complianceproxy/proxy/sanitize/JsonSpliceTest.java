package org.complianceproxy.proxy.sanitize;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.complianceproxy.proxy.error.ProxyError;
import org.complianceproxy.proxy.error.ProxyException;
import org.complianceproxy.proxy.testing.RandomJson;
import org.complianceproxy.proxy.testing.SeededRandom;
import org.junit.jupiter.api.Test;

class JsonSpliceTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void aDocumentNothingWasReplacedInLeavesAsTheSameArray() {
    byte[] body = "{ \"a\" : \"caf\\u00e9\", \"n\": 0.70 }".getBytes(UTF_8);
    JsonSplice json = JsonSplice.parse(body, "body");

    assertThat(json.changed()).isFalse();
    assertThat(json.toBytes()).isSameAs(body);
  }

  @Test
  void onlyTheReplacedStringChangesByteForByte() {
    String body = "{ \"a\" : \"caf\\u00e9\",\"b\":[1e-7, \"x\\/y\"] , \"c\":\"old\" }";
    JsonSplice json = JsonSplice.parse(body.getBytes(UTF_8), "body");

    json.replace(json.root().get("c"), "new \"q\" \n é 😀");

    assertThat(new String(json.toBytes(), UTF_8))
        .isEqualTo(
            "{ \"a\" : \"caf\\u00e9\",\"b\":[1e-7, \"x\\/y\"] , \"c\":\"new \\\"q\\\" \\n é 😀\" }");
  }

  @Test
  void stringsReplacedOutOfDocumentOrderLandInTheirPlaces() {
    JsonSplice json = JsonSplice.parse("[\"a\",\"b\",\"c\"]".getBytes(UTF_8), "body");

    json.replace(json.root().get(2), "C");
    json.replace(json.root().get(0), "A");

    assertThat(new String(json.toBytes(), UTF_8)).isEqualTo("[\"A\",\"b\",\"C\"]");
  }

  @Test
  void anyTextRoundTripsThroughTheSplice() {
    // every kind of char: controls, quotes, backslash, DEL, BMP, pairs and lone surrogates
    // and "?", which the JDK's UTF-8 encoder also writes for a lone surrogate
    String alphabet =
        "\u0000\u0001\u001f \"\\/?aZ\u007f\u0080é\u07ff\u0800\u2028\uffff\ud83d\ude00\ud800\udc00";
    SeededRandom.forEachCase(
        500,
        random -> {
          String text = SeededRandom.strings(alphabet, 0, 40).next(random);
          RandomJson writer = new RandomJson(random);
          String body =
              "{\"keep\":" + writer.string("keep é") + ",\"t\":" + writer.string("x") + "}";
          JsonSplice json = JsonSplice.parse(body.getBytes(UTF_8), "body");

          json.replace(json.root().get("t"), text);
          byte[] out = json.toBytes();

          JsonNode parsed = JSON.readTree(out);
          assertThat(parsed.get("t").textValue()).isEqualTo(text);
          assertThat(parsed.get("keep").textValue()).isEqualTo("keep é");
          String written = new String(out, UTF_8);
          assertThat(written).startsWith(body.substring(0, body.indexOf(",\"t\":") + 5));
          assertThat(written).endsWith("}");
        });
  }

  @Test
  void aLoneSurrogateNextToAQuestionMarkStaysEscaped() throws Exception {
    JsonSplice json = JsonSplice.parse("{\"t\":\"x\"}".getBytes(UTF_8), "body");

    json.replace(json.root().get("t"), "why? \ud800 and \n?");

    String written = new String(json.toBytes(), UTF_8);
    assertThat(written).isEqualTo("{\"t\":\"why? \\ud800 and \\n?\"}");
    assertThat(JSON.readTree(written).get("t").textValue()).isEqualTo("why? \ud800 and \n?");
  }

  @Test
  void everyStringOfARandomDocumentIsLocated() {
    SeededRandom.forEachCase(
        300,
        random -> {
          RandomJson writer = new RandomJson(random);
          String body = writer.array(List.of(writer.value(4), writer.value(3)));
          JsonSplice json = JsonSplice.parse(body.getBytes(UTF_8), "body");
          JsonNode expected = JSON.readTree(body);
          List<JsonNode> strings = new ArrayList<>();
          collectStrings(json.root(), strings);
          replaceStrings(expected);

          Random replacements = new Random(0);
          for (JsonNode string : strings) {
            json.replace(string, "r" + replacements.nextInt(1000) + "\u00e9\"");
          }

          assertThat(JSON.readTree(json.toBytes())).isEqualTo(expected);
        });
  }

  private static void collectStrings(JsonNode node, List<JsonNode> out) {
    if (node.isTextual()) {
      out.add(node);
    }
    node.forEach(child -> collectStrings(child, out));
  }

  /** The expected tree: the same replacements, in the same document order, done in the tree. */
  private static void replaceStrings(JsonNode root) {
    Random replacements = new Random(0);
    replaceIn(root, replacements);
  }

  private static void replaceIn(JsonNode node, Random replacements) {
    if (node instanceof ObjectNode object) {
      List<String> names = new ArrayList<>();
      object.fieldNames().forEachRemaining(names::add);
      for (String name : names) {
        if (object.get(name).isTextual()) {
          object.put(name, "r" + replacements.nextInt(1000) + "\u00e9\"");
        } else {
          replaceIn(object.get(name), replacements);
        }
      }
    } else if (node instanceof ArrayNode array) {
      for (int i = 0; i < array.size(); i++) {
        if (array.get(i).isTextual()) {
          array.set(i, "r" + replacements.nextInt(1000) + "\u00e9\"");
        } else {
          replaceIn(array.get(i), replacements);
        }
      }
    }
  }

  @Test
  void offsetsCountTheByteOrderMarkOfAUtf8Body() {
    byte[] json = "{\"a\":\"xy\"}".getBytes(UTF_8);
    byte[] body = new byte[json.length + 3];
    body[0] = (byte) 0xef;
    body[1] = (byte) 0xbb;
    body[2] = (byte) 0xbf;
    System.arraycopy(json, 0, body, 3, json.length);
    JsonSplice splice = JsonSplice.parse(body, "body");

    splice.replace(splice.root().get("a"), "z");

    byte[] out = splice.toBytes();
    assertThat(Arrays.copyOfRange(out, 0, 3)).isEqualTo(Arrays.copyOfRange(body, 0, 3));
    assertThat(new String(out, 3, out.length - 3, UTF_8)).isEqualTo("{\"a\":\"z\"}");
  }

  @Test
  void aStringReplacedTwiceIsRefusedRatherThanWrittenTwice() {
    JsonSplice json = JsonSplice.parse("{\"a\":\"x\"}".getBytes(UTF_8), "body");
    json.replace(json.root().get("a"), "one");
    json.replace(json.root().get("a"), "two");

    assertThatThrownBy(json::toBytes).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void aStringOfAnotherDocumentIsRefused() {
    JsonSplice one = JsonSplice.parse("{\"a\":\"x\"}".getBytes(UTF_8), "body");
    JsonSplice other = JsonSplice.parse("{\"a\":\"x\"}".getBytes(UTF_8), "body");

    assertThatThrownBy(() -> one.replace(other.root().get("a"), "y"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> one.replace(JSON.getNodeFactory().textNode("x"), "y"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aBodyInAnotherEncodingThanUtf8IsRefused() {
    byte[] utf16 = "{\"a\":\"x\"}".getBytes(StandardCharsets.UTF_16BE);

    assertThatThrownBy(() -> JsonSplice.parse(utf16, "request body"))
        .isInstanceOfSatisfying(
            ProxyException.class,
            e -> {
              assertThat(e.error()).isEqualTo(ProxyError.INVALID_JSON);
              assertThat(e.getMessage()).isEqualTo("request body is not UTF-8 encoded JSON");
            });
  }

  @Test
  void aRepeatedFieldNameIsRefused() {
    assertThatThrownBy(
            () -> JsonSplice.parse("{\"a\":\"x\",\"b\":{\"a\":1,\"a\":2}}".getBytes(UTF_8), "body"))
        .isInstanceOfSatisfying(
            ProxyException.class, e -> assertThat(e.error()).isEqualTo(ProxyError.INVALID_REQUEST));
  }

  @Test
  void integersAreNumbersInTheTree() {
    JsonSplice json =
        JsonSplice.parse("{\"i\":7,\"l\":12345678901,\"f\":0.70}".getBytes(UTF_8), "body");

    assertThat(json.root().get("i").asLong(-1)).isEqualTo(7);
    assertThat(json.root().get("l").asLong(-1)).isEqualTo(12345678901L);
  }
}
