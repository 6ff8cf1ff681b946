package org.complianceproxy.proxy.restore;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class JsonEditsTest {

  private static final String DOC =
      "{ \"a\" : \"h\\u00e9llo \\\"x\\\"\", \"n\": 1.50, \"b\":{\"c\":\"\\ud83d\\ude00 z\"} }";

  /** Every string value of {@code parser}'s document, in order. */
  private static List<JsonEdits.Value> values(JsonParser parser) throws IOException {
    List<JsonEdits.Value> values = new ArrayList<>();
    for (JsonToken t = parser.nextToken(); t != null; t = parser.nextToken()) {
      if (t == JsonToken.VALUE_STRING) {
        values.add(JsonEdits.value(parser));
      }
    }
    return values;
  }

  @Test
  void valuesKnowTheirTextAndWhereTheirQuotesAre() throws IOException {
    List<JsonEdits.Value> values = values(JsonEdits.FACTORY.createParser(DOC));
    assertThat(values).extracting(JsonEdits.Value::text).containsExactly("héllo \"x\"", "😀 z");
    for (JsonEdits.Value value : values) {
      assertThat(DOC.charAt(value.start())).isEqualTo('"');
      assertThat(DOC.charAt(value.end() - 1)).isEqualTo('"');
    }
  }

  @Test
  void replacingKeepsEveryOtherByteInStringsAndInUtf8() throws IOException {
    byte[] utf8 = DOC.getBytes(UTF_8);
    List<JsonEdits.Value> chars = values(JsonEdits.FACTORY.createParser(DOC));
    List<JsonEdits.Value> bytes = values(JsonEdits.FACTORY.createParser(utf8));
    JsonEdits inChars = new JsonEdits();
    JsonEdits inBytes = new JsonEdits();
    inChars.replace(chars.get(0), "né\n\"<>\"\u0001");
    inBytes.replace(bytes.get(0), "né\n\"<>\"\u0001");
    inChars.replace(chars.get(1), "😀");
    inBytes.replace(bytes.get(1), "😀");
    String expected = "{ \"a\" : \"né\\n\\\"<>\\\"\\u0001\", \"n\": 1.50, \"b\":{\"c\":\"😀\"} }";

    assertThat(inChars.applyTo(DOC)).isEqualTo(expected);
    assertThat(new String(inBytes.applyTo(utf8), UTF_8)).isEqualTo(expected);
    assertThat(new ObjectMapper().readTree(expected).at("/a").textValue())
        .isEqualTo("né\n\"<>\"\u0001");
  }

  @Test
  void aLoneSurrogateIsWrittenAsAnEscapeInUtf8() throws IOException {
    byte[] utf8 = "{\"a\":\"x\"}".getBytes(UTF_8);
    JsonEdits edits = new JsonEdits();
    edits.replace(values(JsonEdits.FACTORY.createParser(utf8)).get(0), "a\ud83d b");
    String out = new String(edits.applyTo(utf8), UTF_8);
    assertThat(out).isEqualTo("{\"a\":\"a\\ud83d b\"}");
    assertThat(new ObjectMapper().readTree(out).at("/a").textValue()).isEqualTo("a\ud83d b");
  }

  @Test
  void editsApplyInDocumentOrderWhateverOrderTheyCameIn() throws IOException {
    List<JsonEdits.Value> values = values(JsonEdits.FACTORY.createParser(DOC));
    JsonEdits edits = new JsonEdits();
    edits.replace(values.get(1), "second");
    edits.replace(values.get(0), "first");
    assertThat(edits.applyTo(DOC))
        .isEqualTo("{ \"a\" : \"first\", \"n\": 1.50, \"b\":{\"c\":\"second\"} }");
    edits.replace(values.get(0), "again");
    assertThatThrownBy(() -> edits.applyTo(DOC)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void aRepeatedNameIsRefused() {
    assertThatThrownBy(() -> values(JsonEdits.FACTORY.createParser("{\"a\":\"1\",\"a\":\"2\"}")))
        .isInstanceOf(IOException.class);
  }
}
