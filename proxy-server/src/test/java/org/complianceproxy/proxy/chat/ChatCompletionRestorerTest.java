package org.complianceproxy.proxy.chat;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.complianceproxy.dlp.EntityType;
import org.complianceproxy.dlp.Policy;
import org.complianceproxy.dlp.Scanner;
import org.complianceproxy.proxy.audit.RequestSummary;
import org.complianceproxy.proxy.restore.OutputCheck;
import org.complianceproxy.proxy.restore.RestoreListener;
import org.complianceproxy.proxy.token.TokenLookup;
import org.complianceproxy.proxy.token.TokenLookup.Restoration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ChatCompletionRestorerTest {

  private static final TokenLookup LOOKUP =
      token ->
          Map.of(
                  "<<CARD_7K3QZ9XW2M>>",
                  new Restoration("4111 1111 1111 1111", EntityType.CARD, "request"),
                  "<<EMAIL_ABCDEFGHJK>>",
                  new Restoration("jane@example.com", EntityType.EMAIL, "vault"))
              .get(token.toString());

  private static final String COMPLETION =
      "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1732000000,"
          + "\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Card"
          + " <<CARD_7K3QZ9XW2M>>, not <<CARD_ZZZZZZZZZZ>>\",\"refusal\":null,"
          + "\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"mail\","
          + "\"arguments\":\"{\\\"to\\\":\\\"<<EMAIL_ABCDEFGHJK>>\\\"}\"}}]},\"logprobs\":null,"
          + "\"finish_reason\":\"tool_calls\"},{\"index\":1,\"message\":{\"role\":\"assistant\","
          + "\"content\":null,\"refusal\":\"<<EMAIL_ABCDEFGHJK>>\",\"function_call\":{\"name\":\"f\","
          + "\"arguments\":\"<<CARD_7K3QZ9XW2M>>\"}},\"finish_reason\":\"stop\"}],"
          + "\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":20,\"total_tokens\":30},"
          + "\"service_tier\":\"default\",\"score\":0.10}";

  private static final OutputCheck MASKING =
      new OutputCheck(
          text -> Scanner.defaults().scanOutput(text, Policy.DEFAULT), (f, value, field) -> {});

  @Test
  void modelsOwnValuesAreMaskedAndRestoredValuesAreNot() throws Exception {
    byte[] body =
        ("{\"id\":\"chatcmpl-1\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
                + "\"content\":\"yours <<CARD_7K3QZ9XW2M>>, mine 5500 0000 0000 0004\"}}]}")
            .getBytes(UTF_8);
    JsonNode out =
        ChatCompletionRestorer.JSON.readTree(
            new ChatCompletionRestorer(LOOKUP, RestoreListener.NONE, MASKING).restore(body));
    assertThat(out.path("choices").get(0).path("message").path("content").asText())
        .isEqualTo("yours 4111 1111 1111 1111, mine ****0004");
  }

  @Test
  void onlyTheRestoredStringsChangeByteForByte() {
    String body =
        "{ \"id\" : \"chatcmpl-1\", \"created\":1732000000, \"score\":0.10,\"x\":1e-7,"
            + "\"note\":\"caf\\u00e9\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
            + "\"content\":\"Card <<CARD_7K3QZ9XW2M>> \\u00e9 \\/\"}}],"
            + "\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":20,\"total_tokens\":30} }";
    ChatCompletionRestorer restorer = new ChatCompletionRestorer(LOOKUP, RestoreListener.NONE);

    byte[] out = restorer.restore(body.getBytes(UTF_8));

    assertThat(new String(out, UTF_8))
        .isEqualTo(
            body.replace(
                "\"Card <<CARD_7K3QZ9XW2M>> \\u00e9 \\/\"", "\"Card 4111 1111 1111 1111 é /\""));
    assertThat(restorer.restores()).isEqualTo(1);
    assertThat(restorer.usage()).isEqualTo(new RequestSummary.Usage(10, 20, 30));
  }

  @Test
  void anAnswerThatRepeatsAFieldNameKeepsItsTokensAndIsGuardedAsText() {
    // a client might read the first "content", which a tree of the answer never sees
    String body =
        "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
            + "\"content\":\"mine bob.jones@example.org\",\"content\":\"<<CARD_7K3QZ9XW2M>>\"}}]}";
    ChatCompletionRestorer restorer =
        new ChatCompletionRestorer(LOOKUP, RestoreListener.NONE, MASKING);

    String out = new String(restorer.restore(body.getBytes(UTF_8)), UTF_8);

    assertThat(out).contains("<<CARD_7K3QZ9XW2M>>").doesNotContain("bob.jones@example.org");
    assertThat(restorer.restores()).isZero();
  }

  @Test
  void anAnswerThatIsNotJsonIsStillGuardedAsText() {
    byte[] body = "oops: mail bob.jones@example.org <<CARD_7K3QZ9XW2M>>".getBytes(UTF_8);
    byte[] out = new ChatCompletionRestorer(LOOKUP, RestoreListener.NONE, MASKING).restore(body);
    assertThat(new String(out, UTF_8)).isEqualTo("oops: mail b***@example.org <<CARD_7K3QZ9XW2M>>");
  }

  @Test
  void everyTextFieldOfEveryChoiceIsRestored() throws Exception {
    List<String> fields = new ArrayList<>();
    ChatCompletionRestorer restorer =
        new ChatCompletionRestorer(LOOKUP, (token, restoration, field) -> fields.add(field));
    JsonNode out =
        ChatCompletionRestorer.JSON.readTree(restorer.restore(COMPLETION.getBytes(UTF_8)));

    assertThat(out.at("/choices/0/message/content").textValue())
        .isEqualTo("Card 4111 1111 1111 1111, not <<CARD_ZZZZZZZZZZ>>");
    assertThat(out.at("/choices/0/message/tool_calls/0/function/arguments").textValue())
        .isEqualTo("{\"to\":\"jane@example.com\"}");
    assertThat(out.at("/choices/1/message/refusal").textValue()).isEqualTo("jane@example.com");
    assertThat(out.at("/choices/1/message/function_call/arguments").textValue())
        .isEqualTo("4111 1111 1111 1111");
    assertThat(fields)
        .containsExactly(
            "choices/0/message/content",
            "choices/0/message/tool_calls/0/function/arguments",
            "choices/1/message/refusal",
            "choices/1/message/function_call/arguments");
    assertThat(restorer.restores()).isEqualTo(4);
    assertThat(restorer.usage()).isEqualTo(new RequestSummary.Usage(10, 20, 30));
  }

  @Test
  void unknownFieldsAndNumbersAreKept() {
    String out =
        new String(
            new ChatCompletionRestorer(LOOKUP, RestoreListener.NONE)
                .restore(COMPLETION.getBytes(UTF_8)),
            UTF_8);
    assertThat(out)
        .contains("\"service_tier\":\"default\"", "\"score\":0.10", "\"created\":1732000000");
  }

  @Test
  void contentPartsAreRestored() throws Exception {
    String body =
        "{\"choices\":[{\"index\":0,\"message\":{\"content\":[{\"type\":\"text\","
            + "\"text\":\"<<CARD_7K3QZ9XW2M>>\"}]}}]}";
    JsonNode out =
        ChatCompletionRestorer.JSON.readTree(
            new ChatCompletionRestorer(LOOKUP, RestoreListener.NONE).restore(body.getBytes(UTF_8)));
    assertThat(out.at("/choices/0/message/content/0/text").textValue())
        .isEqualTo("4111 1111 1111 1111");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"choices\":[{\"index\":0,\"message\":{\"content\":\"no tokens\"}}]}",
        "{\"choices\":[{\"index\":0,\"message\":{\"content\":\"<<CARD_ZZZZZZZZZZ>>\"}}]}",
        "{\"choices\":[{\"index\":0,\"message\":{\"content\":\"<<CARD_7K3QZ9XW2M>>\"",
        "{\"error\":{\"message\":\"<<CARD_7K3QZ9XW2M>>\"}} trailing",
        "<html>bad gateway</html>",
        "[1,2]",
        ""
      })
  void bodyWithNothingToRestoreIsReturnedAsTheSameArray(String body) {
    byte[] bytes = body.getBytes(UTF_8);
    ChatCompletionRestorer restorer = new ChatCompletionRestorer(LOOKUP, RestoreListener.NONE);
    assertThat(restorer.restore(bytes)).isSameAs(bytes);
    assertThat(restorer.usage()).isNull();
  }
}
