package org.complianceproxy.proxy.bedrock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.complianceproxy.dlp.EntityType;
import org.complianceproxy.dlp.Policy;
import org.complianceproxy.dlp.Scanner;
import org.complianceproxy.proxy.error.ProxyError;
import org.complianceproxy.proxy.error.ProxyException;
import org.complianceproxy.proxy.restore.AnswerStream;
import org.complianceproxy.proxy.restore.OutputCheck;
import org.complianceproxy.proxy.restore.RestoreListener;
import org.complianceproxy.proxy.testing.SeededRandom;
import org.complianceproxy.proxy.token.RestoreTable;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.eventstream.HeaderValue;
import software.amazon.awssdk.eventstream.Message;
import software.amazon.awssdk.eventstream.MessageDecoder;

class EventStreamRestorerTest {

  private static final String CARD_TOKEN = "<<CARD_7K3QZ9XW2M>>";
  private static final String CARD = "4111 1111 1111 1111";
  private static final String MAIL_TOKEN = "<<EMAIL_0A9ZK3M7QX>>";
  private static final String MAIL = "ann.lee@example.com";
  private static final RestoreTable TABLE =
      RestoreTable.builder()
          .put(CARD_TOKEN, CARD, EntityType.CARD, RestoreTable.SOURCE_REQUEST)
          .put(MAIL_TOKEN, MAIL, EntityType.EMAIL, RestoreTable.SOURCE_VAULT)
          .build();

  @Test
  void tokenSplitAcrossThreeConverseDeltasIsRestoredWithValidCrcs() {
    List<String> fields = new ArrayList<>();
    EventStreamRestorer restorer =
        new EventStreamRestorer(
            EventStreamRestorer.Mode.CONVERSE, TABLE, (token, r, field) -> fields.add(field));
    List<byte[]> frames = converse(List.of("Card <<CA", "RD_7K3Q", "Z9XW2M>> ok"));

    List<Message> out = decode(feedAll(restorer, frames, new Random(1), 1000));

    assertThat(converseText(out)).isEqualTo("Card " + CARD + " ok");
    assertThat(fields).containsExactly("contentBlockDelta/0/delta/text");
    assertThat(eventTypes(out)).endsWith("contentBlockStop", "messageStop", "metadata");
    assertThat(restorer.usage().totalTokens()).isEqualTo(12);
  }

  @Test
  void heldBackPrefixThatNeverBecomesATokenIsReleasedBeforeTheBlockStops() {
    EventStreamRestorer restorer =
        new EventStreamRestorer(EventStreamRestorer.Mode.CONVERSE, TABLE, RestoreListener.NONE);
    List<Message> out =
        decode(feedAll(restorer, converse(List.of("a <<CARD_7K")), new Random(2), 1000));

    assertThat(converseText(out)).isEqualTo("a <<CARD_7K");
    List<String> types = eventTypes(out);
    assertThat(types.lastIndexOf("contentBlockDelta"))
        .isLessThan(types.indexOf("contentBlockStop"));
  }

  @Test
  void unchangedFramesPassByteForByte() {
    EventStreamRestorer restorer =
        new EventStreamRestorer(EventStreamRestorer.Mode.CONVERSE, TABLE, RestoreListener.NONE);
    List<byte[]> frames = converse(List.of("no tokens here"));
    ByteArrayOutputStream in = new ByteArrayOutputStream();
    frames.forEach(in::writeBytes);

    byte[] out = feedAll(restorer, frames, new Random(3), 1000);

    assertThat(out).isEqualTo(in.toByteArray());
  }

  @Test
  void anyByteSplitOfAnyDeltaSplitRoundTrips() {
    String original = "Pay " + CARD + " now, mail " + MAIL + ", again " + CARD + ".";
    String sanitized = original.replace(CARD, CARD_TOKEN).replace(MAIL, MAIL_TOKEN);
    for (int c = 0; c < 300; c++) {
      Random random = new Random(SeededRandom.caseSeed(SeededRandom.SEED, c));
      List<String> pieces = new ArrayList<>();
      int i = 0;
      while (i < sanitized.length()) {
        int end = Math.min(sanitized.length(), i + 1 + random.nextInt(8));
        pieces.add(sanitized.substring(i, end));
        i = end;
      }
      EventStreamRestorer restorer =
          new EventStreamRestorer(EventStreamRestorer.Mode.CONVERSE, TABLE, RestoreListener.NONE);
      List<Message> out =
          decode(feedAll(restorer, converse(pieces), random, 1 + random.nextInt(40)));
      assertThat(converseText(out)).as("case %d, pieces %s", c, pieces).isEqualTo(original);
    }
  }

  @Test
  void anthropicChunksAreRestoredInsideTheirBase64() {
    EventStreamRestorer restorer =
        new EventStreamRestorer(EventStreamRestorer.Mode.INVOKE, TABLE, RestoreListener.NONE);
    List<byte[]> frames = new ArrayList<>();
    frames.add(chunk("{\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":3}}}"));
    for (String piece : List.of("x <<EMA", "IL_0A9ZK3M", "7QX>> y <<CARD_")) {
      frames.add(
          chunk(
              "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":"
                  + BedrockJson.MAPPER.createObjectNode().textNode(piece)
                  + "}}"));
    }
    frames.add(chunk("{\"type\":\"content_block_stop\",\"index\":0}"));
    frames.add(chunk("{\"type\":\"message_delta\",\"usage\":{\"output_tokens\":5}}"));

    List<Message> out = decode(feedAll(restorer, frames, new Random(4), 7));

    StringBuilder text = new StringBuilder();
    for (Message message : out) {
      JsonNode event = inner(message);
      if ("content_block_delta".equals(event.path("type").asText())) {
        text.append(event.path("delta").path("text").asText());
      }
    }
    assertThat(text.toString()).isEqualTo("x " + MAIL + " y <<CARD_");
    assertThat(restorer.usage().totalTokens()).isEqualTo(8);
  }

  @Test
  void corruptedCrcIsABadResponse() {
    byte[] frame = converse(List.of("hello")).get(1);
    frame[frame.length - 1] ^= 1;
    EventStreamRestorer restorer =
        new EventStreamRestorer(EventStreamRestorer.Mode.CONVERSE, TABLE, RestoreListener.NONE);
    assertThatThrownBy(() -> restorer.feed(ByteBuffer.wrap(frame)))
        .isInstanceOf(ProxyException.class)
        .satisfies(
            e ->
                assertThat(((ProxyException) e).error())
                    .isEqualTo(ProxyError.UPSTREAM_BAD_RESPONSE));
  }

  @Test
  void modelsOwnValuesSplitAcrossDeltasAreMaskedWhileTokensAreRestored() {
    String answer =
        "Card " + CARD_TOKEN + " is yours; 5500 0000 0000 0004 and bob.jones@example.org are not.";
    OutputCheck check =
        new OutputCheck(
            text -> Scanner.defaults().scanOutput(text, Policy.DEFAULT),
            (finding, value, field) -> {});
    SeededRandom.forEachCase(
        50,
        random -> {
          List<String> pieces = new ArrayList<>();
          for (int i = 0; i < answer.length(); ) {
            int end = Math.min(answer.length(), i + 1 + random.nextInt(7));
            pieces.add(answer.substring(i, end));
            i = end;
          }
          EventStreamRestorer restorer =
              new EventStreamRestorer(
                  EventStreamRestorer.Mode.CONVERSE, TABLE, RestoreListener.NONE, check);
          byte[] out = feedAll(restorer, converse(pieces), random, 9);
          assertThat(converseText(decode(out)))
              .isEqualTo("Card " + CARD + " is yours; ****0004 and b***@example.org are not.");
        });
  }

  private static final OutputCheck DEFAULT_CHECK =
      new OutputCheck(
          text -> Scanner.defaults().scanOutput(text, Policy.DEFAULT),
          (finding, value, field) -> {});

  @Test
  void withTheOutputCheckUnchangedDeltasPassByteForByteAndChangedOnesKeepTheirOtherBytes() {
    String padded =
        "{ \"delta\" : {\"text\":\"a "
            + CARD_TOKEN
            + " b\"}, \"contentBlockIndex\":0, \"p\":\"abc\"}";
    List<byte[]> frames =
        List.of(
            event("messageStart", "{\"role\":\"assistant\"}"),
            event(
                "contentBlockDelta",
                "{\"contentBlockIndex\":0,\"delta\":{\"text\":\"hello \"},\"p\":\"xy\"}"),
            event("contentBlockDelta", padded),
            event("contentBlockStop", "{\"contentBlockIndex\":0}"));
    EventStreamRestorer restorer =
        new EventStreamRestorer(
            EventStreamRestorer.Mode.CONVERSE, TABLE, RestoreListener.NONE, DEFAULT_CHECK);

    List<Message> out = decode(feedAll(restorer, frames, new Random(5), 1000));

    // the open last word "b" is held until the block stops, then leaves in a copy of that delta
    assertThat(out).hasSize(5);
    assertThat(encode(out.get(1))).isEqualTo(frames.get(1));
    assertThat(new String(out.get(2).getPayload(), StandardCharsets.UTF_8))
        .isEqualTo(padded.replace(CARD_TOKEN + " b", CARD + " "));
    assertThat(new String(out.get(3).getPayload(), StandardCharsets.UTF_8))
        .isEqualTo(padded.replace("a " + CARD_TOKEN + " b", "b"));
    assertThat(encode(out.get(4))).isEqualTo(frames.get(3));
  }

  @Test
  void anyLayoutOfTheDeltasGivesTheTextOfTheWholeAnswer() {
    String answer =
        "Card "
            + CARD_TOKEN
            + " is yours; 5500 0000 0000 0004 and bob.jones@example.org, "
            + MAIL_TOKEN
            + " fine <<CARD_7K";
    String expected = AnswerStream.whole(answer, TABLE, "x", RestoreListener.NONE, DEFAULT_CHECK);
    SeededRandom.forEachCase(
        100,
        random -> {
          boolean invoke = random.nextBoolean();
          List<byte[]> frames = new ArrayList<>();
          for (int i = 0; i < answer.length(); ) {
            int end = Math.min(answer.length(), i + random.nextInt(9));
            String sp = SeededRandom.of("", " ", "\t").next(random);
            String text =
                BedrockJson.MAPPER.createObjectNode().textNode(answer.substring(i, end)).toString();
            List<String> fields = new ArrayList<>();
            fields.add((invoke ? "\"index\"" : "\"contentBlockIndex\"") + sp + ":" + sp + "0");
            fields.add(
                "\"delta\":{"
                    + (invoke ? "\"type\":\"text_delta\"," + sp : "")
                    + (random.nextInt(4) == 0 ? "\"\\u0074ext\"" : "\"text\"")
                    + ":"
                    + sp
                    + text
                    + "}");
            if (invoke) {
              fields.add("\"type\":\"content_block_delta\"");
            }
            if (random.nextBoolean()) {
              fields.add("\"p\":\"" + "abcdefgh".substring(random.nextInt(8)) + "\"");
            }
            java.util.Collections.shuffle(fields, random);
            String json = "{" + sp + String.join("," + sp, fields) + "}";
            frames.add(invoke ? chunk(json) : event("contentBlockDelta", json));
            i = end;
          }
          frames.add(
              invoke
                  ? chunk("{\"type\":\"content_block_stop\",\"index\":0}")
                  : event("contentBlockStop", "{\"contentBlockIndex\":0}"));
          EventStreamRestorer restorer =
              new EventStreamRestorer(
                  invoke ? EventStreamRestorer.Mode.INVOKE : EventStreamRestorer.Mode.CONVERSE,
                  TABLE,
                  RestoreListener.NONE,
                  DEFAULT_CHECK);

          List<Message> out = decode(feedAll(restorer, frames, random, 1 + random.nextInt(60)));

          StringBuilder text = new StringBuilder();
          for (Message message : out) {
            JsonNode event =
                invoke ? inner(message) : BedrockJson.parseAnswer(message.getPayload());
            text.append(event.path("delta").path("text").asText());
          }
          assertThat(text.toString()).isEqualTo(expected);
        });
  }

  private static byte[] encode(Message message) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    message.encode(out);
    return out.toByteArray();
  }

  // --- helpers

  private static byte[] feedAll(
      EventStreamRestorer restorer, List<byte[]> frames, Random random, int maxPiece) {
    ByteArrayOutputStream stream = new ByteArrayOutputStream();
    frames.forEach(stream::writeBytes);
    byte[] all = stream.toByteArray();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int i = 0;
    while (i < all.length) {
      int end = Math.min(all.length, i + 1 + random.nextInt(maxPiece));
      out.writeBytes(restorer.feed(ByteBuffer.wrap(all, i, end - i)));
      i = end;
    }
    out.writeBytes(restorer.finish());
    return out.toByteArray();
  }

  private static List<byte[]> converse(List<String> pieces) {
    List<byte[]> frames = new ArrayList<>();
    frames.add(event("messageStart", "{\"role\":\"assistant\"}"));
    for (String piece : pieces) {
      ObjectNode delta = BedrockJson.MAPPER.createObjectNode().put("contentBlockIndex", 0);
      delta.putObject("delta").put("text", piece);
      frames.add(
          event("contentBlockDelta", new String(BedrockJson.write(delta), StandardCharsets.UTF_8)));
    }
    frames.add(event("contentBlockStop", "{\"contentBlockIndex\":0}"));
    frames.add(event("messageStop", "{\"stopReason\":\"end_turn\"}"));
    frames.add(
        event(
            "metadata",
            "{\"usage\":{\"inputTokens\":5,\"outputTokens\":7,\"totalTokens\":12},\"metrics\":{\"latencyMs\":1}}"));
    return frames;
  }

  private static byte[] event(String type, String json) {
    Map<String, HeaderValue> headers = new LinkedHashMap<>();
    headers.put(":event-type", HeaderValue.fromString(type));
    headers.put(":content-type", HeaderValue.fromString("application/json"));
    headers.put(":message-type", HeaderValue.fromString("event"));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new Message(headers, json.getBytes(StandardCharsets.UTF_8)).encode(out);
    return out.toByteArray();
  }

  private static byte[] chunk(String anthropicEvent) {
    String bytes =
        Base64.getEncoder().encodeToString(anthropicEvent.getBytes(StandardCharsets.UTF_8));
    return event("chunk", "{\"bytes\":\"" + bytes + "\"}");
  }

  private static List<Message> decode(byte[] bytes) {
    List<Message> messages = new ArrayList<>();
    new MessageDecoder(messages::add).feed(bytes);
    return messages;
  }

  private static List<String> eventTypes(List<Message> messages) {
    return messages.stream().map(m -> m.getHeaders().get(":event-type").getString()).toList();
  }

  private static String converseText(List<Message> messages) {
    StringBuilder text = new StringBuilder();
    for (Message message : messages) {
      if ("contentBlockDelta".equals(message.getHeaders().get(":event-type").getString())) {
        text.append(
            BedrockJson.parseAnswer(message.getPayload()).path("delta").path("text").asText());
      }
    }
    return text.toString();
  }

  private static JsonNode inner(Message message) {
    String bytes = BedrockJson.parseAnswer(message.getPayload()).path("bytes").asText();
    return BedrockJson.parseAnswer(Base64.getDecoder().decode(bytes));
  }
}
