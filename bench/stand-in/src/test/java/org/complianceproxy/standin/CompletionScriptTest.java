package org.complianceproxy.standin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CompletionScriptTest {
  private static final String ECHO = "Card 4111 1111 1111 1111, né à Zürich 😀😀😀, ok";

  @Test
  void streamReassemblesToTheEchoInDeltasOfOneToSevenChars() {
    List<JsonNode> chunks = chunks(script(request(ECHO, false), false, 3).events());

    assertThat(Sse.contentOf(chunks)).isEqualTo(ECHO);
    assertThat(chunks.get(0).at("/choices/0/delta/role").asText()).isEqualTo("assistant");
    assertThat(chunks.get(0).at("/choices/0/delta/content").asText()).isEmpty();
    List<JsonNode> deltas = chunks.subList(1, chunks.size() - 1);
    assertThat(deltas)
        .allSatisfy(
            c -> {
              String delta = c.at("/choices/0/delta/content").asText();
              assertThat(delta.codePointCount(0, delta.length())).isBetween(1, 7);
              assertThat(Character.isLowSurrogate(delta.charAt(0))).isFalse();
            });
    JsonNode last = chunks.get(chunks.size() - 1);
    assertThat(last.at("/choices/0/delta").size()).isZero();
    assertThat(last.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
  }

  @Test
  void everyChunkCarriesTheSameHeaderFields() {
    List<JsonNode> chunks = chunks(script(request(ECHO, false), false, 3).events());

    assertThat(chunks)
        .allSatisfy(
            c -> {
              assertThat(c.get("id").asText()).isEqualTo(chunks.get(0).get("id").asText());
              assertThat(c.get("id").asText()).startsWith("chatcmpl-");
              assertThat(c.get("object").asText()).isEqualTo("chat.completion.chunk");
              assertThat(c.get("created").asLong()).isEqualTo(1_700_000_000L);
              assertThat(c.get("model").asText()).isEqualTo("echo");
              assertThat(c.get("system_fingerprint").asText()).startsWith("fp_");
              assertThat(c.at("/choices/0/index").asInt()).isZero();
              assertThat(c.at("/choices/0/logprobs").isNull()).isTrue();
              assertThat(c.has("usage")).isFalse();
            });
  }

  @Test
  void includeUsageAddsAChunkWithoutChoicesAndNullUsageElsewhere() {
    List<JsonNode> chunks = chunks(script(request("12345678", true), false, 3).events());

    JsonNode usageChunk = chunks.get(chunks.size() - 1);
    assertThat(usageChunk.get("choices").size()).isZero();
    assertThat(usageChunk.at("/usage/completion_tokens").asInt()).isEqualTo(2);
    assertThat(usageChunk.at("/usage/total_tokens").asInt()).isEqualTo(4);
    assertThat(chunks.subList(0, chunks.size() - 1))
        .allSatisfy(c -> assertThat(c.get("usage").isNull()).isTrue());
  }

  @Test
  void sameSeedGivesSameCuts() {
    ChatRequest request = request(ECHO, false);

    assertThat(deltas(script(request, false, 42).events()))
        .isEqualTo(deltas(script(request, false, 42).events()))
        .isNotEqualTo(deltas(script(request, false, 43).events()));
  }

  @Test
  void toolCallStreamsArgumentsAfterIdAndName() {
    List<JsonNode> chunks = chunks(script(request("say \"hi\"", false), true, 3).events());

    JsonNode first = chunks.get(0).at("/choices/0/delta/tool_calls/0");
    assertThat(first.get("index").asInt()).isZero();
    assertThat(first.get("id").asText()).startsWith("call_");
    assertThat(first.get("type").asText()).isEqualTo("function");
    assertThat(first.at("/function/name").asText()).isEqualTo("save");
    assertThat(first.at("/function/arguments").asText()).isEmpty();
    assertThat(Sse.json(Sse.toolArgumentsOf(chunks)).get("text").asText()).isEqualTo("say \"hi\"");
    assertThat(chunks.get(chunks.size() - 1).at("/choices/0/finish_reason").asText())
        .isEqualTo("tool_calls");
  }

  @Test
  void nonStreamingToolCallIsInTheMessage() {
    JsonNode completion =
        Sse.json(
            new String(
                script(request("x", false), true, 3).completionBody(), StandardCharsets.UTF_8));

    JsonNode message = completion.at("/choices/0/message");
    assertThat(message.get("content").isNull()).isTrue();
    assertThat(message.at("/tool_calls/0/function/name").asText()).isEqualTo("save");
    assertThat(message.at("/tool_calls/0/function/arguments").asText())
        .isEqualTo("{\"text\":\"x\"}");
    assertThat(completion.at("/choices/0/finish_reason").asText()).isEqualTo("tool_calls");
  }

  @Test
  void cutStreamEndsAfterTheGivenDeltasWithoutFinishOrDone() {
    Iterator<byte[]> events = script(request(ECHO, true), false, 3).eventsCutAfter(2);

    String stream = concat(events);
    assertThat(Sse.dataOf(stream)).hasSize(3).doesNotContain("[DONE]");
    assertThat(stream).doesNotContain("finish_reason\":\"stop").doesNotContain("\"usage\":{");
  }

  @Test
  void emptyEchoStillStreamsRoleFinishAndDone() {
    List<String> data = Sse.dataOf(concat(script(request("", false), false, 3).events()));

    assertThat(data).hasSize(3).endsWith("[DONE]");
  }

  @Test
  void supplementaryCharactersAreRawUtf8() {
    byte[] body = script(request("😀", false), false, 3).completionBody();

    assertThat(new String(body, StandardCharsets.UTF_8)).contains("\"content\":\"😀\"");
  }

  private static ChatRequest request(String echo, boolean includeUsage) {
    return new ChatRequest("echo", true, includeUsage, echo, "save", 8);
  }

  private static CompletionScript script(ChatRequest request, boolean asToolCall, long seed) {
    return new CompletionScript(request, 1_700_000_000L, asToolCall, new Random(seed));
  }

  private static List<JsonNode> chunks(Iterator<byte[]> events) {
    String stream = concat(events);
    assertThat(stream).endsWith("data: [DONE]\n\n");
    return Sse.chunksOf(stream);
  }

  private static List<String> deltas(Iterator<byte[]> events) {
    return Sse.chunksOf(concat(events)).stream()
        .map(c -> c.at("/choices/0/delta/content").asText())
        .toList();
  }

  private static String concat(Iterator<byte[]> events) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    events.forEachRemaining(out::writeBytes);
    return out.toString(StandardCharsets.UTF_8);
  }
}
