package org.complianceproxy.standin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;

/**
 * The parts of a chat completions request body that decide the stand-in's answer.
 *
 * @param model the model name, echoed in the answer and used to pick a {@link Behaviour}
 * @param stream whether to answer with server-sent events
 * @param includeUsage {@code stream_options.include_usage}
 * @param echoText every text of every {@code user} message, in order, joined by {@code "\n"}: a
 *     string content counts as one text, and so does each {@code type: "text"} part of an array;
 *     then what a {@code say:} model name says ({@link Say})
 * @param firstToolName the function name of the first entry of {@code tools}, or null
 * @param promptChars characters of text over all messages, whatever their role (for usage counts)
 */
record ChatRequest(
    String model,
    boolean stream,
    boolean includeUsage,
    String echoText,
    String firstToolName,
    int promptChars) {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  static ChatRequest parse(String body) throws BadRequestException {
    JsonNode root;
    try {
      root = MAPPER.readTree(body);
    } catch (JsonProcessingException e) {
      throw new BadRequestException(OpenAiError.invalidJson());
    }
    if (root == null || !root.isObject()) {
      throw new BadRequestException(OpenAiError.invalidJson());
    }
    JsonNode model = root.get("model");
    if (model == null || !model.isTextual()) {
      throw new BadRequestException(OpenAiError.missingParameter("model"));
    }
    JsonNode messages = root.get("messages");
    if (messages == null || !messages.isArray()) {
      throw new BadRequestException(OpenAiError.missingParameter("messages"));
    }
    List<String> userTexts = new ArrayList<>();
    int promptChars = 0;
    for (JsonNode message : messages) {
      List<String> texts = textsOf(message.path("content"));
      for (String text : texts) {
        promptChars += text.length();
      }
      if ("user".equals(message.path("role").asText())) {
        userTexts.addAll(texts);
      }
    }
    JsonNode toolName = root.path("tools").path(0).path("function").path("name");
    return new ChatRequest(
        model.asText(),
        root.path("stream").asBoolean(false),
        root.path("stream_options").path("include_usage").asBoolean(false),
        Say.answer(model.asText(), String.join("\n", userTexts)),
        toolName.isTextual() ? toolName.asText() : null,
        promptChars);
  }

  private static List<String> textsOf(JsonNode content) {
    if (content.isTextual()) {
      return List.of(content.asText());
    }
    List<String> texts = new ArrayList<>();
    if (content.isArray()) {
      for (JsonNode part : content) {
        if ("text".equals(part.path("type").asText()) && part.path("text").isTextual()) {
          texts.add(part.path("text").asText());
        }
      }
    }
    return texts;
  }
}
