package org.complianceproxy.proxy.chat;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.complianceproxy.dlp.EntityType;
import org.complianceproxy.dlp.Policy;
import org.complianceproxy.dlp.Scanner;
import org.complianceproxy.proxy.audit.RequestSummary;
import org.complianceproxy.proxy.restore.AnswerStream;
import org.complianceproxy.proxy.restore.OutputCheck;
import org.complianceproxy.proxy.restore.RestoreListener;
import org.complianceproxy.proxy.sse.SseDecoder;
import org.complianceproxy.proxy.sse.SseEvent;
import org.complianceproxy.proxy.testing.SeededRandom;
import org.complianceproxy.proxy.token.TokenLookup;
import org.complianceproxy.proxy.token.TokenLookup.Restoration;
import org.junit.jupiter.api.Test;

class ChatStreamRestorerTest {

  private static final String CARD = "<<CARD_7K3QZ9XW2M>>";
  private static final String EMAIL = "<<EMAIL_ABCDEFGHJK>>";
  // A token of another tenant: well formed, but this request may not restore it.
  private static final String FOREIGN = "<<CARD_ZZZZZZZZZZ>>";

  private static final TokenLookup LOOKUP =
      token ->
          Map.of(
                  CARD, new Restoration("4111 1111 1111 1111", EntityType.CARD, "request"),
                  EMAIL, new Restoration("jane@example.com", EntityType.EMAIL, "vault"))
              .get(token.toString());

  private static final String HEADER =
      "\"id\":\"chatcmpl-AbC123\",\"object\":\"chat.completion.chunk\",\"created\":1732000000,"
          + "\"model\":\"gpt-4o-2024-08-06\",\"system_fingerprint\":\"fp_50cad350e4\"";

  private static final ObjectMapper JSON = ChatCompletionRestorer.JSON;

  private static String content(String text) {
    return chunk(
        "{\"index\":0,\"delta\":{\"content\":"
            + quote(text)
            + "},\"logprobs\":null,"
            + "\"finish_reason\":null}");
  }

  private static String chunk(String... choices) {
    return "data: {" + HEADER + ",\"choices\":[" + String.join(",", choices) + "]}\n\n";
  }

  private static String quote(String text) {
    try {
      return JSON.writeValueAsString(text);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  // A realistic answer: tokens split across events, a foreign token, a fragment that never
  // completes.
  private static final List<String> ANSWER =
      List.of(
          chunk(
              "{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null},"
                  + "\"logprobs\":null,\"finish_reason\":null}"),
          content("Your card "),
          content("<<CA"),
          content("RD_7K"),
          content("3QZ9XW2M>> is on file"),
          content(", and " + FOREIGN + " is not yours."),
          content(" Mail " + EMAIL + "."),
          content(" Bye <<EMAIL_ABC"),
          chunk("{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\"}"),
          "data: {"
              + HEADER
              + ",\"choices\":[],\"usage\":{\"prompt_tokens\":42,"
              + "\"completion_tokens\":17,\"total_tokens\":59,\"prompt_tokens_details\":"
              + "{\"cached_tokens\":0}}}\n\n",
          "data: [DONE]\n\n");

  private static final String ANSWER_TEXT =
      "Your card 4111 1111 1111 1111 is on file, and "
          + FOREIGN
          + " is not yours. Mail jane@example.com. Bye <<EMAIL_ABC";

  @Test
  void splitTokenAcrossThreeEventsIsRestored() {
    List<String> fields = new ArrayList<>();
    ChatStreamRestorer restorer =
        new ChatStreamRestorer(
            LOOKUP, (token, restoration, field) -> fields.add(token + "@" + field));
    byte[] out = run(restorer, bytes(ANSWER), 0);

    assertThat(texts(out)).containsEntry("choices/0/delta/content", ANSWER_TEXT);
    assertThat(fields)
        .containsExactly(CARD + "@choices/0/delta/content", EMAIL + "@choices/0/delta/content");
    assertThat(restorer.restores()).isEqualTo(2);
    assertThat(restorer.usage()).isEqualTo(new RequestSummary.Usage(42, 17, 59));
    assertThat(restorer.isHolding()).isFalse();
  }

  @Test
  void everyTcpSplitOfTheStreamGivesTheSameBytes() {
    byte[] input = bytes(ANSWER);
    byte[] expected = run(new ChatStreamRestorer(LOOKUP, RestoreListener.NONE), input, 0);
    for (int cut = 1; cut < input.length; cut++) {
      byte[] out = runSplitAt(new ChatStreamRestorer(LOOKUP, RestoreListener.NONE), input, cut);
      assertThat(out).as("split at %d", cut).isEqualTo(expected);
    }
    for (int size = 1; size <= 13; size++) {
      byte[] out = run(new ChatStreamRestorer(LOOKUP, RestoreListener.NONE), input, size);
      assertThat(out).as("chunks of %d", size).isEqualTo(expected);
    }
  }

  @Test
  void eventsThatCannotChangeAreForwardedByteForByte() {
    ChatStreamRestorer restorer = new ChatStreamRestorer(LOOKUP, RestoreListener.NONE);
    List<byte[]> outputs = new ArrayList<>();
    for (SseEvent event : new SseDecoder().decode(bytes(ANSWER))) {
      outputs.add(restorer.restore(event));
    }
    // role, plain text, foreign token only, usage, [DONE]
    for (int unchanged : List.of(0, 1, 5, 9, 10)) {
      assertThat(new String(outputs.get(unchanged), UTF_8))
          .as("event %d", unchanged)
          .isEqualTo(ANSWER.get(unchanged));
    }
    for (int changed : List.of(2, 3, 4, 6, 7, 8)) {
      assertThat(new String(outputs.get(changed), UTF_8))
          .as("event %d", changed)
          .isNotEqualTo(ANSWER.get(changed));
    }
  }

  @Test
  void heldFragmentIsReleasedIntoTheChunkWithFinishReason() {
    ChatStreamRestorer restorer = new ChatStreamRestorer(LOOKUP, RestoreListener.NONE);
    List<SseEvent> events = new SseDecoder().decode(bytes(ANSWER));
    for (int i = 0; i < 8; i++) {
      restorer.restore(events.get(i));
    }
    assertThat(restorer.isHolding()).isTrue();
    String finish = new String(restorer.restore(events.get(8)), UTF_8);
    assertThat(finish)
        .isEqualTo(
            "data: {"
                + HEADER
                + ",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"<<EMAIL_ABC\"},"
                + "\"logprobs\":null,\"finish_reason\":\"stop\"}]}\n\n");
  }

  @Test
  void tokenCompletedInTheFinishChunkIsRestoredThere() {
    byte[] out =
        run(
            new ChatStreamRestorer(LOOKUP, RestoreListener.NONE),
            bytes(
                List.of(
                    content("Card <<CARD_7K3Q"),
                    chunk(
                        "{\"index\":0,\"delta\":{\"content\":\"Z9XW2M>>\"},\"finish_reason\":\"length\"}"),
                    "data: [DONE]\n\n")),
            0);
    assertThat(texts(out)).containsEntry("choices/0/delta/content", "Card 4111 1111 1111 1111");
  }

  @Test
  void heldFragmentIsFlushedBeforeDoneWithTheLastChunksHeader() {
    String out =
        new String(
            run(
                new ChatStreamRestorer(LOOKUP, RestoreListener.NONE),
                bytes(List.of(content("Bye <<CARD_7K"), "data: [DONE]\n\n")),
                0),
            UTF_8);
    assertThat(out)
        .endsWith(
            "data: {\"id\":\"chatcmpl-AbC123\",\"object\":\"chat.completion.chunk\","
                + "\"created\":1732000000,\"model\":\"gpt-4o-2024-08-06\",\"choices\":"
                + "[{\"index\":0,\"delta\":{\"content\":\"<<CARD_7K\"},\"finish_reason\":null}]}\n\n"
                + "data: [DONE]\n\n");
  }

  @Test
  void streamEndingWithoutDoneIsFlushedByFinish() {
    ChatStreamRestorer restorer = new ChatStreamRestorer(LOOKUP, RestoreListener.NONE);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (SseEvent event : new SseDecoder().decode(bytes(List.of(content("Bye <<"))))) {
      out.writeBytes(restorer.restore(event));
    }
    out.writeBytes(restorer.finish());
    assertThat(texts(out.toByteArray())).containsEntry("choices/0/delta/content", "Bye <<");
    assertThat(restorer.finish()).isEmpty();
  }

  @Test
  void toolCallArgumentsAreRestoredPerToolCall() {
    List<String> fields = new ArrayList<>();
    List<String> stream =
        List.of(
            chunk(
                "{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":null,\"tool_calls\":"
                    + "[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\",\"function\":"
                    + "{\"name\":\"charge\",\"arguments\":\"\"}}]},\"finish_reason\":null}"),
            toolArgs(0, "{\"card\":\"<<CARD_"),
            toolArgs(0, "7K3QZ9XW2M>>\",\"note\":\"<<EMAIL_ABCDE"),
            toolArgs(0, "FGHJK>>\"}"),
            chunk(
                "{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":1,\"id\":\"call_2\",\"type\":"
                    + "\"function\",\"function\":{\"name\":\"notify\",\"arguments\":\"{\\\"to\\\":\\\"<<EMA\"}}]},"
                    + "\"finish_reason\":null}"),
            toolArgs(1, "IL_ABCDEFGHJK>>\"}"),
            chunk("{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}"),
            "data: [DONE]\n\n");
    ChatStreamRestorer restorer =
        new ChatStreamRestorer(LOOKUP, (token, restoration, field) -> fields.add(field));
    Map<String, String> texts = texts(run(restorer, bytes(stream), 5));

    assertThat(texts)
        .containsEntry(
            "choices/0/delta/tool_calls/0/function/arguments",
            "{\"card\":\"4111 1111 1111 1111\",\"note\":\"jane@example.com\"}")
        .containsEntry(
            "choices/0/delta/tool_calls/1/function/arguments", "{\"to\":\"jane@example.com\"}");
    assertThat(fields)
        .containsExactly(
            "choices/0/delta/tool_calls/0/function/arguments",
            "choices/0/delta/tool_calls/0/function/arguments",
            "choices/0/delta/tool_calls/1/function/arguments");
  }

  @Test
  void heldToolArgumentsAreFlushedIntoTheFinishChunk() {
    List<String> stream =
        List.of(
            toolArgs(0, "{\"x\":\"<<CARD_7K"),
            chunk("{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}"));
    Map<String, String> texts =
        texts(run(new ChatStreamRestorer(LOOKUP, RestoreListener.NONE), bytes(stream), 0));
    assertThat(texts)
        .containsEntry("choices/0/delta/tool_calls/0/function/arguments", "{\"x\":\"<<CARD_7K");
  }

  @Test
  void eachChoiceHasItsOwnRestorers() {
    List<String> stream =
        List.of(
            chunk(
                "{\"index\":0,\"delta\":{\"content\":\"A <<CA\"},\"finish_reason\":null}",
                "{\"index\":1,\"delta\":{\"content\":\"B <<EMAIL_\"},\"finish_reason\":null}"),
            chunk("{\"index\":1,\"delta\":{\"content\":\"ABCDEFGHJK>>\"},\"finish_reason\":null}"),
            chunk(
                "{\"index\":0,\"delta\":{\"content\":\"RD_7K3QZ9XW2M>>\"},\"finish_reason\":null}"),
            chunk("{\"index\":1,\"delta\":{\"refusal\":\"no <<\"},\"finish_reason\":\"stop\"}"),
            "data: [DONE]\n\n");
    Map<String, String> texts =
        texts(run(new ChatStreamRestorer(LOOKUP, RestoreListener.NONE), bytes(stream), 0));
    assertThat(texts)
        .containsEntry("choices/0/delta/content", "A 4111 1111 1111 1111")
        .containsEntry("choices/1/delta/content", "B jane@example.com")
        .containsEntry("choices/1/delta/refusal", "no <<");
  }

  @Test
  void tokenWrittenWithJsonEscapesIsRestored() {
    String escaped = "\\u003c\\u003cCARD_7K3QZ9XW2M\\u003e\\u003e";
    String event =
        chunk(
            "{\"index\":0,\"delta\":{\"content\":\"card "
                + escaped
                + "\"},\"finish_reason\":null}");
    Map<String, String> texts =
        texts(run(new ChatStreamRestorer(LOOKUP, RestoreListener.NONE), bytes(List.of(event)), 0));
    assertThat(texts).containsEntry("choices/0/delta/content", "card 4111 1111 1111 1111");
  }

  @Test
  void numbersAndUnknownFieldsSurviveRewriting() throws Exception {
    String event =
        chunk(
            "{\"index\":0,\"delta\":{\"content\":\""
                + CARD
                + "\"},\"logprobs\":{\"content\":"
                + "[{\"token\":\"<<\",\"logprob\":-0.000012345678901234567890,\"bytes\":[60,60]}]},"
                + "\"finish_reason\":null,\"x_vendor\":{\"score\":1.50,\"big\":123456789012345678901234567890}}");
    byte[] out =
        run(new ChatStreamRestorer(LOOKUP, RestoreListener.NONE), bytes(List.of(event)), 0);
    String data = new SseDecoder().decode(out).get(0).data();
    JsonNode choice = JSON.readTree(data).get("choices").get(0);

    assertThat(choice.get("delta").get("content").textValue()).isEqualTo("4111 1111 1111 1111");
    assertThat(choice.at("/logprobs/content/0/logprob").decimalValue())
        .isEqualByComparingTo(new BigDecimal("-0.000012345678901234567890"));
    assertThat(data).contains("\"score\":1.50", "\"big\":123456789012345678901234567890");
    assertThat(data).startsWith("{" + HEADER + ",\"choices\":");
  }

  @Test
  void malformedAndNonJsonEventsPassThroughUnchanged() {
    List<String> stream =
        List.of(
            ": OPENROUTER PROCESSING\n\n",
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + CARD + "\"\n\n",
            "event: error\ndata: overloaded <retry>\n\n",
            "id: 7\n\n");
    ChatStreamRestorer restorer = new ChatStreamRestorer(LOOKUP, RestoreListener.NONE);
    for (SseEvent event : new SseDecoder().decode(bytes(stream))) {
      assertThat(restorer.restore(event)).isSameAs(event.raw());
    }
    assertThat(restorer.restores()).isZero();
  }

  @Test
  void anotherTenantsTokenStaysVerbatim() {
    byte[] out =
        run(
            new ChatStreamRestorer(LOOKUP, RestoreListener.NONE),
            bytes(List.of(content("x <<CARD_ZZZZ"), content("ZZZZZZ>> y"), "data: [DONE]\n\n")),
            0);
    assertThat(texts(out)).containsEntry("choices/0/delta/content", "x " + FOREIGN + " y");
  }

  private static String toolArgs(int callIndex, String arguments) {
    return chunk(
        "{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":"
            + callIndex
            + ",\"function\":{\"arguments\":"
            + quote(arguments)
            + "}}]},\"finish_reason\":null}");
  }

  @Test
  void modelsOwnValuesAreMaskedInContentAndToolArgumentsWhileTokensAreRestored() {
    List<String> found = new ArrayList<>();
    OutputCheck check =
        new OutputCheck(
            text -> Scanner.defaults().scanOutput(text, Policy.DEFAULT),
            (finding, value, field) ->
                found.add(
                    finding.type() + "@" + field + ":" + finding.start() + ".." + finding.end()));
    ChatStreamRestorer restorer = new ChatStreamRestorer(LOOKUP, RestoreListener.NONE, check);
    List<String> events =
        List.of(
            content("Yours is " + CARD.substring(0, 7)),
            content(CARD.substring(7) + ", mine 5500 0000"),
            content(" 0000 0004, mail bob"),
            chunk(
                "{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\","
                    + "\"type\":\"function\",\"function\":{\"name\":\"save\","
                    + "\"arguments\":\"{\\\"to\\\":\\\"ann.lee@exa\"}}]},\"finish_reason\":null}"),
            content(".jones@example.org now"),
            chunk(
                "{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":"
                    + "{\"arguments\":\"mple.com\\\"}\"}}]},\"finish_reason\":\"stop\"}"),
            "data: [DONE]\n\n");

    Map<String, String> texts = texts(run(restorer, bytes(events), 3));

    assertThat(texts)
        .containsEntry(
            "choices/0/delta/content",
            "Yours is 4111 1111 1111 1111, mine ****0004, mail b***@example.org now")
        .containsEntry(
            "choices/0/delta/tool_calls/0/function/arguments", "{\"to\":\"a***@example.com\"}");
    assertThat(found)
        .containsExactly(
            "CARD@choices/0/delta/content:"
                + (9 + CARD.length() + 7)
                + ".."
                + (9 + CARD.length() + 26),
            "EMAIL@choices/0/delta/content:"
                + (9 + CARD.length() + 33)
                + ".."
                + (9 + CARD.length() + 54),
            "EMAIL@choices/0/delta/tool_calls/0/function/arguments:7..26");
  }

  private static final OutputCheck DEFAULT_CHECK =
      new OutputCheck(
          text -> Scanner.defaults().scanOutput(text, Policy.DEFAULT),
          (finding, value, field) -> {});

  @Test
  void aChangedChunkKeepsEveryByteButTheChangedText() {
    String data =
        "{ \"choices\" : [ {\"delta\": {\"content\" :\"card "
            + CARD
            + " \\u00e9\", \"x\":\"\\u003c\"} ,\"index\":0, \"finish_reason\":null} ],"
            + " \"n\": 1.50e0 }";
    ChatStreamRestorer restorer = new ChatStreamRestorer(LOOKUP, RestoreListener.NONE);

    assertThat(restoreData(restorer, data))
        .isEqualTo(
            "data: "
                + data.replace("card " + CARD + " \\u00e9", "card 4111 1111 1111 1111 \u00e9")
                + "\n\n");
  }

  @Test
  void textsOfOneDeltaInAnyOrderAreAllRewrittenInPlace() {
    String data =
        "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":"
            + "{\"arguments\":\""
            + EMAIL
            + "\"}}],\"refusal\":\"r "
            + CARD
            + "\",\"content\":\"c "
            + EMAIL
            + "\"},\"finish_reason\":null}]}";
    ChatStreamRestorer restorer = new ChatStreamRestorer(LOOKUP, RestoreListener.NONE);

    assertThat(restoreData(restorer, data))
        .isEqualTo(
            "data: "
                + data.replace(EMAIL, "jane@example.com").replace(CARD, "4111 1111 1111 1111")
                + "\n\n");
    assertThat(restorer.restores()).isEqualTo(3);
  }

  @Test
  void withTheOutputCheckChunksWithoutChangesAreForwardedByteForByte() {
    ChatStreamRestorer restorer =
        new ChatStreamRestorer(LOOKUP, RestoreListener.NONE, DEFAULT_CHECK);
    List<SseEvent> events =
        new SseDecoder()
            .decode(
                bytes(
                    List.of(
                        ANSWER.get(0),
                        content("hello "),
                        content("there "),
                        chunk(
                            "{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\"}"),
                        ANSWER.get(9))));
    for (SseEvent event : events) {
      assertThat(restorer.restore(event)).isSameAs(event.raw());
    }
  }

  @Test
  void anyLayoutOfTheChunksGivesTheTextsOfTheWholeAnswer() {
    String answer =
        "Your card 4111 1111 1111 1111 and "
            + CARD
            + " on file; mail ann.lee@example.org or "
            + EMAIL
            + ". Call Maria Garcia at 2024-03-15, "
            + FOREIGN
            + " ok <<CARD_7K";
    String arguments = "{\"to\":\"bob.jones@example.com\",\"card\":\"" + CARD + "\"}";
    Map<String, String> expected =
        Map.of(
            "choices/0/delta/content",
            AnswerStream.whole(
                answer, LOOKUP, "choices/0/delta/content", RestoreListener.NONE, DEFAULT_CHECK),
            "choices/1/delta/tool_calls/2/function/arguments",
            AnswerStream.whole(
                arguments,
                LOOKUP,
                "choices/1/delta/tool_calls/2/function/arguments",
                RestoreListener.NONE,
                DEFAULT_CHECK));
    SeededRandom.forEachCase(
        150,
        random -> {
          List<String> events = new ArrayList<>();
          int a = 0;
          int b = 0;
          while (a < answer.length() || b < arguments.length()) {
            int nextA = Math.min(answer.length(), a + SeededRandom.between(random, 0, 9));
            int nextB = Math.min(arguments.length(), b + SeededRandom.between(random, 0, 9));
            events.add(laidOut(random, answer.substring(a, nextA), arguments.substring(b, nextB)));
            a = nextA;
            b = nextB;
          }
          if (random.nextBoolean()) {
            events.add(
                chunk(
                    "{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}",
                    "{\"index\":1,\"delta\":{},\"finish_reason\":\"tool_calls\"}"));
          }
          events.add("data: [DONE]\n\n");
          ChatStreamRestorer restorer =
              new ChatStreamRestorer(LOOKUP, RestoreListener.NONE, DEFAULT_CHECK);

          byte[] out = run(restorer, bytes(events), random.nextInt(40));

          assertThat(texts(out)).isEqualTo(expected);
          assertThat(new String(out, UTF_8)).doesNotContain("5500 0000 0000 0004");
          assertThat(restorer.isHolding()).isFalse();
        });
  }

  /**
   * A chunk with a content piece for choice 0 and a tool call's arguments piece for choice 1, in a
   * random layout: field order, white space, escaped names, extra and repeated fields.
   */
  private static String laidOut(java.util.Random random, String content, String arguments) {
    String sp = SeededRandom.of("", " ", "  ", "\t").next(random);
    String contentName = random.nextInt(5) == 0 ? "\"\\u0063ontent\"" : "\"content\"";
    List<String> delta = new ArrayList<>();
    delta.add(contentName + sp + ":" + sp + quote(content));
    if (random.nextInt(6) == 0) {
      delta.add("\"role\":\"assistant\"");
    }
    if (random.nextInt(8) == 0) {
      // a decoy first: a tree parse keeps the last of repeated names, and so must the output
      delta.add(0, "\"content\":\"decoy 5500 0000 0000 0004\"");
    }
    List<String> zero =
        new ArrayList<>(
            List.of(
                "\"index\":" + sp + "0",
                "\"delta\":{" + String.join("," + sp, delta) + "}",
                "\"logprobs\":null",
                "\"finish_reason\":null"));
    java.util.Collections.shuffle(zero, random);
    String call =
        "{\"index\":2,\"function\":{\"name\":\"save\",\"arguments\":" + quote(arguments) + "}}";
    List<String> one =
        new ArrayList<>(
            List.of(
                "\"index\":1",
                "\"delta\":{\"tool_calls\":[" + call + "]}",
                "\"finish_reason\":null"));
    java.util.Collections.shuffle(one, random);
    List<String> choices =
        new ArrayList<>(
            List.of("{" + String.join("," + sp, zero) + "}", "{" + String.join(",", one) + "}"));
    java.util.Collections.shuffle(choices, random);
    return "data: {"
        + sp
        + HEADER
        + ","
        + sp
        + "\"choices\":"
        + sp
        + "["
        + String.join(",", choices)
        + "]"
        + sp
        + "}\n\n";
  }

  /** What the restorer sends for one event carrying {@code data}. */
  private static String restoreData(ChatStreamRestorer restorer, String data) {
    SseEvent event = new SseDecoder().decode(("data: " + data + "\n\n").getBytes(UTF_8)).get(0);
    return new String(restorer.restore(event), UTF_8);
  }

  private static byte[] bytes(List<String> events) {
    return String.join("", events).getBytes(UTF_8);
  }

  /**
   * Decodes {@code input} in chunks of {@code chunkSize} bytes (0: all at once) and restores it.
   */
  private static byte[] run(ChatStreamRestorer restorer, byte[] input, int chunkSize) {
    SseDecoder decoder = new SseDecoder();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int step = chunkSize == 0 ? input.length : chunkSize;
    for (int from = 0; from < input.length; from += step) {
      decoder.decode(
          input,
          from,
          Math.min(step, input.length - from),
          e -> out.writeBytes(restorer.restore(e)));
    }
    out.writeBytes(restorer.finish());
    out.writeBytes(decoder.finish());
    return out.toByteArray();
  }

  private static byte[] runSplitAt(ChatStreamRestorer restorer, byte[] input, int cut) {
    SseDecoder decoder = new SseDecoder();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    decoder.decode(input, 0, cut, e -> out.writeBytes(restorer.restore(e)));
    decoder.decode(input, cut, input.length - cut, e -> out.writeBytes(restorer.restore(e)));
    out.writeBytes(restorer.finish());
    return out.toByteArray();
  }

  /** What a client accumulates from the output stream: each delta text field, concatenated. */
  private static Map<String, String> texts(byte[] output) {
    Map<String, String> texts = new TreeMap<>();
    for (SseEvent event : new SseDecoder().decode(output)) {
      if (event.data() == null || !event.data().startsWith("{")) {
        continue;
      }
      JsonNode root;
      try {
        root = JSON.readTree(event.data());
      } catch (Exception e) {
        throw new AssertionError("output event is not JSON: " + event.data(), e);
      }
      for (JsonNode choice : root.path("choices")) {
        String prefix = "choices/" + choice.path("index").asInt() + "/delta/";
        JsonNode delta = choice.path("delta");
        for (String name : List.of("content", "refusal")) {
          if (delta.path(name).isTextual()) {
            texts.merge(prefix + name, delta.get(name).textValue(), String::concat);
          }
        }
        for (JsonNode call : delta.path("tool_calls")) {
          JsonNode arguments = call.path("function").path("arguments");
          if (arguments.isTextual()) {
            texts.merge(
                prefix + "tool_calls/" + call.path("index").asInt() + "/function/arguments",
                arguments.textValue(),
                String::concat);
          }
        }
      }
    }
    return texts;
  }
}
