package org.complianceproxy.standin;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SayTest {

  @Test
  void aSayModelAddsItsTextToTheEcho() throws Exception {
    String model = OpenAiStandIn.sayModel("echo-", "Mail ann.lee@example.com, 😀");
    ChatRequest request =
        ChatRequest.parse(
            "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi \"}]}");

    assertThat(model).startsWith("echo-say:").doesNotContain("ann.lee");
    assertThat(request.echoText()).isEqualTo("hi Mail ann.lee@example.com, 😀");
  }

  @Test
  void otherModelsAndBrokenTextsEchoOnly() {
    assertThat(Say.answer("echo", "hi")).isEqualTo("hi");
    assertThat(Say.answer("echo-say:***", "hi")).isEqualTo("hi");
    assertThat(Say.answer(BedrockStandIn.sayModel("anthropic.x-", "!"), "hi")).isEqualTo("hi!");
  }
}
