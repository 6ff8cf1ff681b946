package org.complianceproxy.proxy.bedrock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.complianceproxy.proxy.error.ProxyException;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.eventstream.HeaderValue;
import software.amazon.awssdk.eventstream.Message;

class ChatToConverseTest {

  private static JsonNode translate(String chat) {
    return BedrockJson.parseAnswer(
        ChatToConverse.translate(chat.replace('\'', '"').getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void messagesRolesToolsAndParametersTranslate() {
    JsonNode converse =
        translate(
            "{'model':'anthropic.x','max_tokens':50,'temperature':0.25,'top_p':0.9,'stop':'END',"
                + "'messages':["
                + "{'role':'system','content':'Be brief.'},"
                + "{'role':'user','content':[{'type':'text','text':'Weather?'}]},"
                + "{'role':'assistant','content':null,'tool_calls':[{'id':'call_1','type':'function',"
                + "'function':{'name':'weather','arguments':'{\\'city\\':\\'Paris\\'}'}}]},"
                + "{'role':'tool','tool_call_id':'call_1','content':'sunny'},"
                + "{'role':'user','content':'Thanks'}],"
                + "'tools':[{'type':'function','function':{'name':'weather','parameters':{'type':'object'}}}],"
                + "'tool_choice':'required'}");

    assertThat(converse.path("system").get(0).path("text").asText()).isEqualTo("Be brief.");
    JsonNode messages = converse.path("messages");
    assertThat(messages.size()).isEqualTo(3);
    assertThat(messages.get(0).path("content").get(0).path("text").asText()).isEqualTo("Weather?");
    JsonNode toolUse = messages.get(1).path("content").get(0).path("toolUse");
    assertThat(toolUse.path("toolUseId").asText()).isEqualTo("call_1");
    assertThat(toolUse.path("input").path("city").asText()).isEqualTo("Paris");
    // the tool result and the next user text share one user turn, as Converse wants
    assertThat(messages.get(2).path("role").asText()).isEqualTo("user");
    assertThat(
            messages
                .get(2)
                .path("content")
                .get(0)
                .path("toolResult")
                .path("content")
                .get(0)
                .path("text")
                .asText())
        .isEqualTo("sunny");
    assertThat(messages.get(2).path("content").get(1).path("text").asText()).isEqualTo("Thanks");
    JsonNode inference = converse.path("inferenceConfig");
    assertThat(inference.path("maxTokens").asInt()).isEqualTo(50);
    assertThat(inference.path("temperature").decimalValue()).isEqualByComparingTo("0.25");
    assertThat(inference.path("topP").decimalValue()).isEqualByComparingTo("0.9");
    assertThat(inference.path("stopSequences").get(0).asText()).isEqualTo("END");
    assertThat(
            converse.path("toolConfig").path("tools").get(0).path("toolSpec").path("name").asText())
        .isEqualTo("weather");
    assertThat(converse.path("toolConfig").path("toolChoice").has("any")).isTrue();
  }

  @Test
  void imagePartsAreRefusedNotDropped() {
    assertThatThrownBy(
            () ->
                translate(
                    "{'model':'m','messages':[{'role':'user','content':[{'type':'image_url','image_url':{'url':'http://x'}}]}]}"))
        .isInstanceOf(ProxyException.class)
        .hasMessageContaining("/messages/0/content/0");
  }

  @Test
  void streamEventsBecomeChunksWithRoleDeltasToolCallsFinishAndUsage() {
    ConverseToChat chat = new ConverseToChat("chatcmpl-1", "anthropic.x", 1700000000L, true);
    StringBuilder sse = new StringBuilder();
    for (Message m :
        new Message[] {
          event("messageStart", "{'role':'assistant'}"),
          event("contentBlockDelta", "{'contentBlockIndex':0,'delta':{'text':'Hi'}}"),
          event(
              "contentBlockStart",
              "{'contentBlockIndex':1,'start':{'toolUse':{'toolUseId':'t1','name':'f'}}}"),
          event(
              "contentBlockDelta",
              "{'contentBlockIndex':1,'delta':{'toolUse':{'input':'{\\'a\\':1}'}}}"),
          event("messageStop", "{'stopReason':'tool_use'}"),
          event("metadata", "{'usage':{'inputTokens':3,'outputTokens':4,'totalTokens':7}}")
        }) {
      sse.append(new String(chat.event(m), StandardCharsets.UTF_8));
    }
    String[] events = sse.toString().split("\n\n");
    assertThat(events).hasSize(6);
    JsonNode first = data(events[0]);
    assertThat(first.path("object").asText()).isEqualTo("chat.completion.chunk");
    assertThat(first.path("choices").get(0).path("delta").path("role").asText())
        .isEqualTo("assistant");
    assertThat(data(events[1]).path("choices").get(0).path("delta").path("content").asText())
        .isEqualTo("Hi");
    JsonNode call = data(events[2]).path("choices").get(0).path("delta").path("tool_calls").get(0);
    assertThat(call.path("id").asText()).isEqualTo("t1");
    assertThat(call.path("index").asInt()).isZero();
    assertThat(
            data(events[3])
                .path("choices")
                .get(0)
                .path("delta")
                .path("tool_calls")
                .get(0)
                .path("function")
                .path("arguments")
                .asText())
        .isEqualTo("{\"a\":1}");
    assertThat(data(events[4]).path("choices").get(0).path("finish_reason").asText())
        .isEqualTo("tool_calls");
    assertThat(data(events[5]).path("usage").path("total_tokens").asInt()).isEqualTo(7);
    assertThat(chat.usage().totalTokens()).isEqualTo(7);
  }

  @Test
  void stopReasonsMapToFinishReasons() {
    Map<String, String> table =
        Map.of(
            "end_turn", "stop",
            "stop_sequence", "stop",
            "max_tokens", "length",
            "tool_use", "tool_calls",
            "guardrail_intervened", "content_filter",
            "content_filtered", "content_filter");
    table.forEach(
        (stop, finish) -> assertThat(ConverseToChat.finishReason(stop)).as(stop).isEqualTo(finish));
  }

  @Test
  void modelRoutesMatchGlobs() {
    ModelRoutes routes =
        new ModelRoutes(java.util.List.of("anthropic.*", "eu.*", "arn:aws:bedrock:*"));
    assertThat(routes.toBedrock("anthropic.claude-3-haiku-20240307-v1:0")).isTrue();
    assertThat(routes.toBedrock("eu.amazon.nova-lite-v1:0")).isTrue();
    assertThat(routes.toBedrock("arn:aws:bedrock:eu-central-1:1:inference-profile/x")).isTrue();
    assertThat(routes.toBedrock("gpt-4o")).isFalse();
    assertThat(routes.toBedrock("anthropicXclaude")).isFalse();
  }

  private static Message event(String type, String json) {
    Map<String, HeaderValue> headers = new LinkedHashMap<>();
    headers.put(":event-type", HeaderValue.fromString(type));
    headers.put(":content-type", HeaderValue.fromString("application/json"));
    headers.put(":message-type", HeaderValue.fromString("event"));
    return new Message(headers, json.replace('\'', '"').getBytes(StandardCharsets.UTF_8));
  }

  private static JsonNode data(String event) {
    assertThat(event).startsWith("data: ");
    return BedrockJson.parseAnswer(event.substring(6).getBytes(StandardCharsets.UTF_8));
  }
}
