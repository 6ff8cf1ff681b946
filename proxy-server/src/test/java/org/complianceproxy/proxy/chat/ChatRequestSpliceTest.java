package org.complianceproxy.proxy.chat;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.complianceproxy.dlp.Scanner;
import org.complianceproxy.proxy.sanitize.FieldWriter;
import org.complianceproxy.proxy.sanitize.RequestSanitization;
import org.complianceproxy.proxy.sanitize.TenantPolicies;
import org.complianceproxy.proxy.testing.PiiCorpus;
import org.complianceproxy.proxy.testing.RandomJson;
import org.complianceproxy.proxy.testing.SeededRandom;
import org.complianceproxy.proxy.token.Keyring;
import org.complianceproxy.proxy.token.TokenMinter;
import org.complianceproxy.proxy.vault.LocalVault;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The spliced upstream body against the tree path it replaced, on random chat requests written the
 * many ways clients write JSON, with personal data from the seeded corpus in their text fields.
 */
class ChatRequestSpliceTest {

  private static final Instant NOW = Instant.parse("2025-01-02T03:04:05Z");
  private static final String TENANT = "acme";
  // numbers as exact decimals, so that the trees compare the numbers' values digit for digit
  private static final ObjectMapper EXACT =
      JsonMapper.builder()
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
          .build();
  private static final ObjectMapper PLAIN = new ObjectMapper();
  private static final String[] ROLES = {"system", "developer", "user", "assistant", "tool"};

  @TempDir Path dataDir;
  private TokenMinter minter;
  private LocalVault vault;
  private ChatRequestSanitizer sanitizer;
  private final Scanner scanner = Scanner.defaults();

  @BeforeEach
  void open() throws IOException {
    Keyring keyring = Keyring.openOrCreate(dataDir);
    minter = new TokenMinter(keyring);
    vault = LocalVault.open(dataDir, keyring);
    sanitizer = new ChatRequestSanitizer(scanner, minter, vault, Clock.fixed(NOW, ZoneOffset.UTC));
  }

  @AfterEach
  void close() {
    vault.close();
  }

  @Test
  void theSplicedBodyReadsAsTheTreePathsOutputAndCarriesNoPersonalData() {
    SeededRandom.forEachCase(
        200,
        random -> {
          PiiCorpus corpus = new PiiCorpus(random.nextLong());
          List<String> values = new ArrayList<>();
          String body = request(new RandomJson(random), corpus, values, random);

          SanitizedChat chat =
              sanitizer.sanitize(TENANT, "req-1", body.getBytes(UTF_8)).get(10, TimeUnit.SECONDS);
          byte[] upstream = chat.upstreamBody();

          JsonNode expected = treePath(body);
          assertThat(EXACT.readTree(upstream)).isEqualTo(expected);
          byte[] sent = body.getBytes(UTF_8);
          // byte for byte as the client sent it, but for the strings the sanitizer rewrote
          assertThat(outside(upstream, changedRanges(sent, upstream, false)))
              .isEqualTo(outside(sent, changedRanges(sent, upstream, true)));
          String canonical = PLAIN.writeValueAsString(PLAIN.readTree(upstream));
          for (String value : values) {
            assertThat(canonical).doesNotContain(value);
            assertThat(new String(upstream, UTF_8)).doesNotContain(value);
          }
          if (expected.equals(EXACT.readTree(body))) {
            assertThat(upstream).isEqualTo(sent);
          }
        });
  }

  /** The old way: the whole tree rewritten in place and serialized, read back as a tree. */
  private JsonNode treePath(String body) throws IOException {
    ObjectNode tree = (ObjectNode) EXACT.readTree(body);
    RequestSanitization sanitization =
        new RequestSanitization(
            TENANT, "req-1", NOW, TenantPolicies.defaults(scanner).input(TENANT), minter);
    ChatTextFields.rewrite(tree, sanitization, FieldWriter.TREE);
    return EXACT.readTree(EXACT.writeValueAsBytes(tree));
  }

  /** {@code bytes} without the given ranges. */
  private static byte[] outside(byte[] bytes, List<long[]> ranges) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int copied = 0;
    for (long[] range : ranges) {
      out.write(bytes, copied, (int) range[0] - copied);
      copied = (int) range[1];
    }
    out.write(bytes, copied, bytes.length - copied);
    return out.toByteArray();
  }

  /** Byte ranges of the strings whose text differs, in {@code b} (or in {@code a} if asked). */
  private static List<long[]> changedRanges(byte[] a, byte[] b, boolean inA) throws IOException {
    JsonFactory factory = new JsonFactory();
    List<long[]> ranges = new ArrayList<>();
    try (JsonParser pa = factory.createParser(a);
        JsonParser pb = factory.createParser(b)) {
      JsonToken ta;
      while ((ta = pa.nextToken()) != null) {
        JsonToken tb = pb.nextToken();
        assertThat(tb).isEqualTo(ta);
        if (ta == JsonToken.VALUE_STRING) {
          long startA = pa.currentTokenLocation().getByteOffset();
          long startB = pb.currentTokenLocation().getByteOffset();
          String textA = pa.getText();
          String textB = pb.getText();
          if (!textA.equals(textB)) {
            ranges.add(
                inA
                    ? new long[] {startA, pa.currentLocation().getByteOffset()}
                    : new long[] {startB, pb.currentLocation().getByteOffset()});
          }
        }
      }
      assertThat(pb.nextToken()).isNull();
    }
    return ranges;
  }

  /** A random chat request; the personal data it carries in its text fields goes to values. */
  private static String request(
      RandomJson json, PiiCorpus corpus, List<String> values, Random random) {
    List<String> messages = new ArrayList<>();
    for (int i = SeededRandom.between(random, 1, 4); i > 0; i--) {
      messages.add(message(json, corpus, values, random));
    }
    List<String[]> fields = new ArrayList<>();
    fields.add(new String[] {"model", json.string("gpt-4o")});
    fields.add(new String[] {"messages", json.array(messages)});
    if (random.nextBoolean()) {
      fields.add(new String[] {"temperature", json.number()});
    }
    if (random.nextBoolean()) {
      fields.add(new String[] {"stream", random.nextBoolean() ? "true" : "false"});
    }
    if (random.nextBoolean()) {
      fields.add(new String[] {"metadata", json.value(3)});
    }
    if (random.nextBoolean()) {
      fields.add(new String[] {"x-unknown", json.value(3)});
    }
    if (random.nextInt(4) == 0) {
      fields.add(
          new String[] {
            "prediction",
            json.object(
                List.of(
                    new String[] {"type", json.string("content")},
                    new String[] {"content", json.string(text(json, corpus, values, random))}))
          });
    }
    return json.ws() + json.shuffledObject(fields) + json.ws();
  }

  private static String message(
      RandomJson json, PiiCorpus corpus, List<String> values, Random random) {
    List<String[]> fields = new ArrayList<>();
    fields.add(new String[] {"role", json.string(ROLES[random.nextInt(ROLES.length)])});
    String content =
        switch (random.nextInt(4)) {
          case 0 -> "null";
          case 1 -> {
            List<String> parts = new ArrayList<>();
            for (int i = SeededRandom.between(random, 1, 3); i > 0; i--) {
              parts.add(
                  random.nextInt(3) == 0
                      ? json.object(
                          List.of(
                              new String[] {"type", json.string("image_url")},
                              new String[] {
                                "image_url",
                                json.object(
                                    List.<String[]>of(
                                        new String[] {"url", json.string("https://x.test/a.png")}))
                              }))
                      : json.shuffledObject(
                          List.of(
                              new String[] {"type", json.string("text")},
                              new String[] {
                                "text", json.string(text(json, corpus, values, random))
                              },
                              new String[] {"x", json.value(1)})));
            }
            yield json.array(parts);
          }
          default -> json.string(text(json, corpus, values, random));
        };
    fields.add(new String[] {"content", content});
    if (random.nextInt(3) == 0) {
      fields.add(new String[] {"name", json.string("jane")});
    }
    if (random.nextInt(4) == 0) {
      String arguments = "{\"note\":" + quoted(text(json, corpus, values, random)) + "}";
      fields.add(
          new String[] {
            "tool_calls",
            json.array(
                List.of(
                    json.shuffledObject(
                        List.of(
                            new String[] {"id", json.string("call_1")},
                            new String[] {"type", json.string("function")},
                            new String[] {
                              "function",
                              json.shuffledObject(
                                  List.of(
                                      new String[] {"name", json.string("send")},
                                      new String[] {"arguments", json.string(arguments)}))
                            }))))
          });
    }
    if (random.nextInt(5) == 0) {
      fields.add(new String[] {"refusal", json.string(text(json, corpus, values, random))});
    }
    if (random.nextInt(3) == 0) {
      fields.add(new String[] {"x-extra", json.value(2)});
    }
    return json.shuffledObject(fields);
  }

  /** Text for a text field: a corpus message with personal data, or words without any. */
  private static String text(
      RandomJson json, PiiCorpus corpus, List<String> values, Random random) {
    if (random.nextBoolean()) {
      return json.words();
    }
    PiiCorpus.Message message = corpus.message();
    values.addAll(message.piiValues());
    return message.text();
  }

  private static String quoted(String text) {
    try {
      return PLAIN.writeValueAsString(text);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
