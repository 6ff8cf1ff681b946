package org.complianceproxy.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.FunctionDefinition;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import org.complianceproxy.auditschema.AuditSchemas;
import org.complianceproxy.dlp.EntityType;
import org.complianceproxy.dlp.Masking;
import org.complianceproxy.proxy.testing.AuditSpool;
import org.complianceproxy.proxy.testing.LeakGuard;
import org.complianceproxy.proxy.testing.PiiCorpus;
import org.complianceproxy.proxy.testing.ProxyHarness;
import org.complianceproxy.standin.BedrockStandIn;
import org.complianceproxy.standin.OpenAiStandIn;
import org.complianceproxy.standin.StandInOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ConversationRole;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamResponseHandler;
import software.amazon.awssdk.services.bedrockruntime.model.InvokeModelWithResponseStreamResponseHandler;
import software.amazon.awssdk.services.bedrockruntime.model.Message;

/**
 * The output policy end to end: stand-ins whose answers are the echo of the (tokenized) prompt
 * followed by personal data the model "produced by itself" ({@code say:} models), streamed in
 * deltas of 1 to 7 chars and cut into writes of 1 to 5 bytes, so values and tokens are split at
 * random places. Through the official OpenAI SDK and the AWS SDK's Bedrock client, on every answer
 * path, the client gets its own values back byte-exact (tokens restored, never masked) and the
 * model's values masked; each masked value is audited as a finding in the response, without the
 * value.
 */
@ExtendWith(LeakGuard.class)
class OutputPolicyIT {

  private static final String BEDROCK_MODEL_PREFIX = "anthropic.claude-";

  /** A deny-list term of several words, which a stream may split anywhere. */
  private static final String DENY_TERM = "Project Blue Falcon";

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dataDir;

  private static OpenAiStandIn openAi;
  private static BedrockStandIn bedrock;
  private static ProxyHarness proxy;
  private static OpenAIClient client;
  private static BedrockRuntimeAsyncClient bedrockClient;

  /**
   * What the client sends: personal data of every kind in lowercase prose. (A capitalised word
   * right after a token can be taken for a name after a title when the token's body ends in a digit
   * and {@code M}, a scanner false positive that would make these checks flaky.)
   */
  private static PiiCorpus.Message clientMessage(PiiCorpus corpus) {
    String ssn = corpus.ssn();
    String email = corpus.email();
    String card = corpus.card();
    String phone = corpus.phone();
    String iban = corpus.iban();
    return new PiiCorpus.Message(
        "my ssn is "
            + ssn
            + ", write to "
            + email
            + ", my card is "
            + card
            + " or call "
            + phone
            + " about iban "
            + iban
            + ".",
        List.of(ssn, email, card, phone, iban));
  }

  /** What the model says by itself, and the values in it with their masks. */
  private record Said(String text, Map<String, String> masks) {

    static Said of(PiiCorpus corpus) {
      String card = corpus.card();
      String email = corpus.email();
      String iban = corpus.iban();
      String ssn = corpus.ssn();
      String text =
          "\nalso: the card "
              + card
              + ", mail "
              + email
              + ", IBAN "
              + iban
              + " and SSN "
              + ssn
              + " are on file.";
      return new Said(
          text,
          Map.of(
              card, Masking.mask(EntityType.CARD, card),
              email, Masking.mask(EntityType.EMAIL, email),
              iban, Masking.mask(EntityType.IBAN, iban),
              ssn, Masking.mask(EntityType.SSN, ssn)));
    }
  }

  @BeforeAll
  static void start() {
    System.setProperty("aws.accessKeyId", "AKIAUPSTREAMPROXY0001");
    System.setProperty("aws.secretAccessKey", "upstream-secret-of-the-proxy");
    openAi =
        OpenAiStandIn.start(
            StandInOptions.defaults()
                .withApiKey(ProxyHarness.UPSTREAM_KEY)
                .withSeed(13L)
                .withFragmentBytes(5));
    bedrock = BedrockStandIn.start(0, 17L, 5);
    proxy =
        ProxyHarness.start(
            openAi.baseUrl(),
            "dlp:\n  default_policy:\n    deny: [\"" + DENY_TERM + "\"]\n",
            Map.of(
                "AWS_REGION",
                "eu-central-1",
                "BEDROCK_ENDPOINT",
                bedrock.endpoint().toString(),
                "PROXY_AWS_KEYS",
                ProxyHarness.TENANT
                    + ":"
                    + BedrockNativeIT.ACCESS_KEY
                    + ":"
                    + BedrockNativeIT.SECRET),
            dataDir);
    client =
        OpenAIOkHttpClient.builder()
            .baseUrl(proxy.baseUrl())
            .apiKey(ProxyHarness.KEY)
            .maxRetries(0)
            .build();
    bedrockClient =
        BedrockNativeIT.sdkClient(proxy, BedrockNativeIT.ACCESS_KEY, BedrockNativeIT.SECRET);
  }

  @AfterAll
  static void stop() throws Exception {
    for (AutoCloseable resource :
        new AutoCloseable[] {
          client == null ? null : client::close, bedrockClient, proxy, openAi, bedrock
        }) {
      if (resource != null) {
        resource.close();
      }
    }
    System.clearProperty("aws.accessKeyId");
    System.clearProperty("aws.secretAccessKey");
  }

  /** One way to the model: the answer text the client reads for a model name and its message. */
  @FunctionalInterface
  private interface AnswerPath {
    String answer(String model, String text) throws Exception;
  }

  /**
   * Sends {@code count} client messages on {@code path} to models that add data of their own, and
   * checks every answer: the client's message restored byte-exact, then the model's text masked.
   */
  private static void checkPath(
      long seed,
      int count,
      String modelPrefix,
      BiFunction<String, String, String> sayModel,
      AnswerPath path)
      throws Exception {
    PiiCorpus corpus = new PiiCorpus(seed);
    for (int i = 0; i < count; i++) {
      PiiCorpus.Message message = clientMessage(corpus);
      Said said = Said.of(corpus);
      String answer = path.answer(sayModel.apply(modelPrefix, said.text()), message.text());
      assertThat(answer).startsWith(message.text());
      String own = answer.substring(message.text().length());
      for (Map.Entry<String, String> value : said.masks().entrySet()) {
        assertThat(own).doesNotContain(value.getKey()).contains(value.getValue());
      }
      assertThat(own)
          .startsWith("\nalso: the card ")
          .endsWith(" are on file.")
          .doesNotContain("<<");
    }
  }

  @Test
  void openAiSdkStreamMasksTheModelsDataAndRestoresTheClientsAtRandomSplits() throws Exception {
    checkPath(20261201L, 12, "echo-", OpenAiStandIn::sayModel, OutputPolicyIT::openAiStreamed);
  }

  @Test
  void openAiSdkStreamGuardsToolCallArguments() throws Exception {
    checkPath(
        20261202L, 3, "echo-tool-", OpenAiStandIn::sayModel, OutputPolicyIT::openAiToolArguments);
  }

  @Test
  void openAiSdkWholeAnswerIsGuarded() throws Exception {
    checkPath(20261203L, 3, "echo-", OpenAiStandIn::sayModel, OutputPolicyIT::openAiWhole);
  }

  @Test
  void everyOutputFindingIsAuditedInTheResponseWithoutItsValue() throws IOException {
    PiiCorpus corpus = new PiiCorpus(20261204L);
    PiiCorpus.Message message = clientMessage(corpus);
    Said said = Said.of(corpus);
    String body =
        JSON.writeValueAsString(
            Map.of(
                "model",
                OpenAiStandIn.sayModel("echo-", said.text()),
                "stream",
                true,
                "messages",
                List.of(Map.of("role", "user", "content", message.text()))));
    HttpResponse<String> response = proxy.chat(body);
    assertThat(response.statusCode()).isEqualTo(200);
    String requestId = response.headers().firstValue("x-request-id").orElseThrow();

    List<JsonNode> records =
        AuditSpool.await(
            dataDir,
            AuditSpool.ofRequest(requestId).and(r -> "request_summary".equals(kind(r))),
            1);
    records = AuditSpool.read(dataDir).stream().filter(AuditSpool.ofRequest(requestId)).toList();
    List<JsonNode> findings = records.stream().filter(r -> "finding".equals(kind(r))).toList();
    List<JsonNode> inResponse =
        findings.stream()
            .filter(r -> r.path("field_path").asText().startsWith("/response/"))
            .toList();
    assertThat(inResponse).hasSizeGreaterThanOrEqualTo(said.masks().size());
    assertThat(inResponse)
        .allSatisfy(
            r -> {
              assertThat(r.path("field_path").asText())
                  .isEqualTo("/response/choices/0/delta/content");
              assertThat(r.path("action").asText()).isEqualTo("MASK");
              assertThat(r.path("token").isNull()).isTrue();
              assertThat(r.path("fingerprint").asText()).matches("[0-9a-f]{32}");
              assertThat(r.path("end").asInt()).isGreaterThan(r.path("start").asInt());
            });
    assertThat(inResponse)
        .extracting(r -> r.path("entity_type").asText())
        .contains("CARD", "EMAIL", "IBAN", "SSN");
    JsonNode summary =
        records.stream().filter(r -> "request_summary".equals(kind(r))).findFirst().orElseThrow();
    assertThat(summary.path("findings").asInt()).isEqualTo(findings.size());
    assertThat(summary.path("findings").asInt()).isGreaterThan(inResponse.size());
    for (JsonNode record : records) {
      assertThat(AuditSchemas.v1().problems(record)).as(record.toString()).isEmpty();
      for (String value : said.masks().keySet()) {
        assertThat(record.toString()).doesNotContain(value);
      }
      for (String value : message.piiValues()) {
        assertThat(record.toString()).doesNotContain(value);
      }
    }
  }

  @Test
  void bedrockConverseStreamMasksTheModelsDataAndRestoresTheClientsAtRandomSplits()
      throws Exception {
    checkPath(
        20261205L,
        8,
        BEDROCK_MODEL_PREFIX,
        BedrockStandIn::sayModel,
        OutputPolicyIT::converseStreamed);
  }

  @Test
  void aDenyListTermTheModelSaysIsMaskedWhereverTheStreamSplitsIt() throws Exception {
    String said = "\nthe codename is " + DENY_TERM.toLowerCase(java.util.Locale.ROOT) + " for now.";
    for (int i = 0; i < 6; i++) {
      String prompt = "status report number " + i;
      for (String answer :
          List.of(
              openAiStreamed(OpenAiStandIn.sayModel("echo-", said), prompt),
              converseStreamed(BedrockStandIn.sayModel(BEDROCK_MODEL_PREFIX, said), prompt))) {
        assertThat(answer)
            .startsWith(prompt + "\nthe codename is ")
            .endsWith(" for now.")
            .doesNotContainIgnoringCase("falcon")
            .doesNotContainIgnoringCase("blue")
            .doesNotContainIgnoringCase("project");
      }
    }
  }

  @Test
  void bedrockConverseAndInvokeMaskWholeAnswers() throws Exception {
    checkPath(
        20261206L, 2, BEDROCK_MODEL_PREFIX, BedrockStandIn::sayModel, OutputPolicyIT::conversed);
    checkPath(
        20261206L, 2, BEDROCK_MODEL_PREFIX, BedrockStandIn::sayModel, OutputPolicyIT::invoked);
  }

  @Test
  void bedrockInvokeWithResponseStreamMasksTheModelsData() throws Exception {
    checkPath(
        20261207L,
        6,
        BEDROCK_MODEL_PREFIX,
        BedrockStandIn::sayModel,
        OutputPolicyIT::invokeStreamed);
  }

  @Test
  void openAiFrontDoorToBedrockMasksStreamedAndWholeAnswers() throws Exception {
    checkPath(
        20261208L,
        6,
        BEDROCK_MODEL_PREFIX,
        BedrockStandIn::sayModel,
        OutputPolicyIT::openAiStreamed);
    checkPath(
        20261209L, 2, BEDROCK_MODEL_PREFIX, BedrockStandIn::sayModel, OutputPolicyIT::openAiWhole);
  }

  // --- the answer paths

  private static String openAiStreamed(String model, String text) {
    StringBuilder answer = new StringBuilder();
    try (StreamResponse<ChatCompletionChunk> stream =
        client.chat().completions().createStreaming(params(model, text))) {
      stream.stream()
          .forEach(
              chunk -> chunk.choices().forEach(c -> c.delta().content().ifPresent(answer::append)));
    }
    return answer.toString();
  }

  /** The stand-in's tool call carries the echo as {@code {"text": ...}}. */
  private static String openAiToolArguments(String model, String text) {
    ChatCompletionCreateParams params =
        params(model, text).toBuilder()
            .addFunctionTool(FunctionDefinition.builder().name("save").build())
            .build();
    StringBuilder arguments = new StringBuilder();
    try (StreamResponse<ChatCompletionChunk> stream =
        client.chat().completions().createStreaming(params)) {
      stream.stream()
          .forEach(
              chunk ->
                  chunk.choices().stream()
                      .flatMap(c -> c.delta().toolCalls().stream().flatMap(List::stream))
                      .forEach(
                          call ->
                              call.function()
                                  .flatMap(f -> f.arguments())
                                  .ifPresent(arguments::append)));
    }
    return readTree(arguments.toString()).path("text").asText();
  }

  private static String openAiWhole(String model, String text) {
    ChatCompletion completion = client.chat().completions().create(params(model, text));
    return completion.choices().get(0).message().content().orElseThrow();
  }

  private static String converseStreamed(String model, String text) throws Exception {
    StringBuilder answer = new StringBuilder();
    ConverseStreamResponseHandler handler =
        ConverseStreamResponseHandler.builder()
            .subscriber(
                ConverseStreamResponseHandler.Visitor.builder()
                    .onContentBlockDelta(d -> answer.append(d.delta().text()))
                    .build())
            .build();
    bedrockClient
        .converseStream(r -> r.modelId(model).messages(userMessage(text)), handler)
        .get(30, TimeUnit.SECONDS);
    return answer.toString();
  }

  private static String conversed(String model, String text) throws Exception {
    return bedrockClient
        .converse(r -> r.modelId(model).messages(userMessage(text)))
        .get(30, TimeUnit.SECONDS)
        .output()
        .message()
        .content()
        .get(0)
        .text();
  }

  private static String invoked(String model, String text) throws Exception {
    String body =
        bedrockClient
            .invokeModel(
                r ->
                    r.modelId(model)
                        .contentType("application/json")
                        .body(SdkBytes.fromUtf8String(anthropicBody(text))))
            .get(30, TimeUnit.SECONDS)
            .body()
            .asUtf8String();
    return readTree(body).path("content").get(0).path("text").asText();
  }

  private static String invokeStreamed(String model, String text) throws Exception {
    StringBuilder answer = new StringBuilder();
    InvokeModelWithResponseStreamResponseHandler handler =
        InvokeModelWithResponseStreamResponseHandler.builder()
            .subscriber(
                InvokeModelWithResponseStreamResponseHandler.Visitor.builder()
                    .onChunk(
                        chunk -> {
                          JsonNode event = readTree(chunk.bytes().asUtf8String());
                          if ("content_block_delta".equals(event.path("type").asText())) {
                            answer.append(event.path("delta").path("text").asText());
                          }
                        })
                    .build())
            .build();
    bedrockClient
        .invokeModelWithResponseStream(
            r ->
                r.modelId(model)
                    .contentType("application/json")
                    .body(SdkBytes.fromUtf8String(anthropicBody(text))),
            handler)
        .get(30, TimeUnit.SECONDS);
    return answer.toString();
  }

  private static ChatCompletionCreateParams params(String model, String text) {
    return ChatCompletionCreateParams.builder().model(model).addUserMessage(text).build();
  }

  private static Message userMessage(String text) {
    return Message.builder()
        .role(ConversationRole.USER)
        .content(ContentBlock.fromText(text))
        .build();
  }

  private static String anthropicBody(String text) {
    var body = JSON.createObjectNode();
    body.put("anthropic_version", "bedrock-2023-05-31").put("max_tokens", 300);
    body.putArray("messages").addObject().put("role", "user").put("content", text);
    return body.toString();
  }

  private static JsonNode readTree(String json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String kind(JsonNode record) {
    return record.path("kind").asText();
  }
}
