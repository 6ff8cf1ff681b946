package org.complianceproxy.standin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ChatRequestTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "one user string | [{\"role\":\"user\",\"content\":\"hi\"}] | hi",
        "users joined by newline | [{\"role\":\"user\",\"content\":\"a\"},{\"role\":\"user\",\"content\":\"b\"}] | a\\nb",
        "other roles ignored | [{\"role\":\"system\",\"content\":\"s\"},{\"role\":\"user\",\"content\":\"u\"},{\"role\":\"assistant\",\"content\":\"x\"}] | u",
        "text parts, others skipped | [{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"p1\"},{\"type\":\"image_url\",\"image_url\":{\"url\":\"u\"}},{\"type\":\"text\",\"text\":\"p2\"}]}] | p1\\np2",
        "no user message | [{\"role\":\"system\",\"content\":\"s\"}] | ''",
        "null content | [{\"role\":\"user\",\"content\":null}] | ''",
      })
  void echoTextIsEveryUserTextJoinedByNewline(String name, String messages, String echo)
      throws Exception {
    ChatRequest request = ChatRequest.parse("{\"model\":\"m\",\"messages\":" + messages + "}");

    assertThat(request.echoText()).isEqualTo(echo.replace("\\n", "\n"));
  }

  @Test
  void readsStreamOptionsToolsAndPromptSize() throws Exception {
    ChatRequest request =
        ChatRequest.parse(
            "{\"model\":\"echo-tool\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
                + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"save\"}}],"
                + "\"messages\":[{\"role\":\"system\",\"content\":\"1234\"},"
                + "{\"role\":\"user\",\"content\":\"5678\"}]}");

    assertThat(request).isEqualTo(new ChatRequest("echo-tool", true, true, "5678", "save", 8));
  }

  @Test
  void defaultsAreNonStreamingWithoutUsageOrTools() throws Exception {
    ChatRequest request = ChatRequest.parse("{\"model\":\"m\",\"messages\":[]}");

    assertThat(request).isEqualTo(new ChatRequest("m", false, false, "", null, 0));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "not json | {oops | ",
        "not an object | [1] | ",
        "empty | '' | ",
        "no model | {\"messages\":[]} | model",
        "model not a string | {\"model\":1,\"messages\":[]} | model",
        "no messages | {\"model\":\"m\"} | messages",
      })
  void invalidBodiesAreRefusedLikeOpenAi(String name, String body, String param) {
    assertThatThrownBy(() -> ChatRequest.parse(body))
        .isInstanceOfSatisfying(
            BadRequestException.class,
            e -> {
              assertThat(e.error().status()).isEqualTo(400);
              assertThat(e.error().type()).isEqualTo("invalid_request_error");
              assertThat(e.error().param()).isEqualTo(param);
            });
  }
}
