package org.complianceproxy.proxy.chat;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.complianceproxy.dlp.Action;
import org.complianceproxy.dlp.EntityType;
import org.complianceproxy.dlp.Policy;
import org.complianceproxy.dlp.Scanner;
import org.complianceproxy.proxy.audit.FindingRecord;
import org.complianceproxy.proxy.error.ProxyError;
import org.complianceproxy.proxy.error.ProxyException;
import org.complianceproxy.proxy.sanitize.BlockedByPolicy;
import org.complianceproxy.proxy.sanitize.TenantPolicies;
import org.complianceproxy.proxy.token.Keyring;
import org.complianceproxy.proxy.token.TokenGrammar;
import org.complianceproxy.proxy.token.TokenLookup;
import org.complianceproxy.proxy.token.TokenLookup.Restoration;
import org.complianceproxy.proxy.token.TokenMinter;
import org.complianceproxy.proxy.vault.LocalVault;
import org.complianceproxy.proxy.vault.Vault;
import org.complianceproxy.proxy.vault.VaultEntry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ChatRequestSanitizerTest {

  private static final String EMAIL = "jane.doe@example.com";
  private static final String CARD = "4111 1111 1111 1111";
  private static final String SSN = "536-22-1234";
  private static final String PHONE = "(415) 555-2671";
  private static final String IBAN = "DE89 3704 0044 0532 0130 00";
  private static final List<String> VALUES = List.of(EMAIL, CARD, SSN, PHONE, IBAN);
  private static final Instant NOW = Instant.parse("2025-01-02T03:04:05Z");
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dataDir;
  private TokenMinter minter;
  private LocalVault vault;
  private ChatRequestSanitizer sanitizer;

  @BeforeEach
  void open() throws IOException {
    Keyring keyring = Keyring.openOrCreate(dataDir);
    minter = new TokenMinter(keyring);
    vault = LocalVault.open(dataDir, keyring);
    sanitizer = sanitizer(Scanner.defaults(), vault);
  }

  @AfterEach
  void close() {
    vault.close();
  }

  /** Every text-bearing field kind, with the e-mail address in it. */
  static Stream<Arguments> textFields() {
    return Stream.of(
        field("system message", "{'role':'system','content':'Reply to %s'}", "/messages/1/content"),
        field(
            "developer message",
            "{'role':'developer','content':'Reply to %s'}",
            "/messages/1/content"),
        field("user message", "{'role':'user','content':'Mail %s now'}", "/messages/1/content"),
        field(
            "user text part after an image part",
            "{'role':'user','content':[{'type':'image_url','image_url':{'url':'https://x.test/a.png'}},{'type':'text','text':'Mail"
                + " %s'}]}",
            "/messages/1/content/1/text"),
        field(
            "assistant message",
            "{'role':'assistant','content':'I mailed %s.'}",
            "/messages/1/content"),
        field(
            "assistant refusal",
            "{'role':'assistant','content':null,'refusal':'I will not mail %s'}",
            "/messages/1/refusal"),
        field(
            "assistant refusal part",
            "{'role':'assistant','content':[{'type':'refusal','refusal':'Not %s'}]}",
            "/messages/1/content/0/refusal"),
        field(
            "tool call arguments",
            "{'role':'assistant','content':null,'tool_calls':[{'id':'call_1','type':'function',"
                + "'function':{'name':'send','arguments':'{\\'to\\':\\'%s\\'}'}}]}",
            "/messages/1/tool_calls/0/function/arguments"),
        field(
            "custom tool call input",
            "{'role':'assistant','tool_calls':[{'id':'call_1','type':'custom',"
                + "'custom':{'name':'send','input':'to %s'}}]}",
            "/messages/1/tool_calls/0/custom/input"),
        field(
            "legacy function call arguments",
            "{'role':'assistant','content':null,'function_call':{'name':'send',"
                + "'arguments':'{\\'to\\':\\'%s\\'}'}}",
            "/messages/1/function_call/arguments"),
        field(
            "tool result",
            "{'role':'tool','tool_call_id':'call_1','content':'sent to %s'}",
            "/messages/1/content"),
        field(
            "tool result parts",
            "{'role':'tool','tool_call_id':'call_1','content':[{'type':'text','text':'sent to"
                + " %s'}]}",
            "/messages/1/content/0/text"),
        field(
            "legacy function result",
            "{'role':'function','name':'send','content':'sent to %s'}",
            "/messages/1/content"));
  }

  private static Arguments field(String name, String message, String pointer) {
    String body =
        json("{'model':'gpt-4o','messages':[{'role':'user','content':'hello'}," + message + "]}")
            .formatted(EMAIL);
    return Arguments.of(name, body, pointer);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("textFields")
  void everyTextFieldIsTokenizedAndRestoresExactly(String name, String body, String pointer)
      throws Exception {
    SanitizedChat chat = sanitize("acme", body);

    String upstream = new String(chat.upstreamBody(), UTF_8);
    assertThat(upstream).doesNotContain(EMAIL);
    String original = JSON.readTree(body).at(pointer).textValue();
    String sanitized = JSON.readTree(upstream).at(pointer).textValue();
    assertThat(restoreAll(sanitized, chat.restoreTable())).isEqualTo(original);
    assertThat(chat.findings())
        .singleElement()
        .satisfies(
            finding -> {
              assertThat(finding.fieldPath()).isEqualTo(pointer);
              assertThat(finding.entityType()).isEqualTo("EMAIL");
              assertThat(finding.ruleId()).isEqualTo("email");
              assertThat(finding.action()).isEqualTo("TOKENIZE");
              assertThat(finding.token()).isEqualTo(minter.mint("acme", EntityType.EMAIL, EMAIL));
              assertThat(original.substring(finding.start(), finding.end())).isEqualTo(EMAIL);
            });
    assertThat(JSON.readTree(upstream).at("/messages/0"))
        .isEqualTo(JSON.readTree(body).at("/messages/0"));
  }

  @Test
  void toolCallArgumentsStayValidJson() throws Exception {
    String body =
        (String)
            textFields()
                .filter(arguments -> arguments.get()[0].equals("tool call arguments"))
                .findFirst()
                .orElseThrow()
                .get()[1];

    SanitizedChat chat = sanitize("acme", body);

    String arguments =
        JSON.readTree(chat.upstreamBody())
            .at("/messages/1/tool_calls/0/function/arguments")
            .textValue();
    assertThat(JSON.readTree(arguments).get("to").textValue())
        .isEqualTo(minter.mint("acme", EntityType.EMAIL, EMAIL));
  }

  @Test
  void predictedContentIsSanitizedLikeAMessage() throws Exception {
    String body =
        json("{'model':'gpt-4o','messages':[{'role':'user','content':'hi'}],"
                + "'prediction':{'type':'content','content':'Dear %s'}}")
            .formatted(EMAIL);

    SanitizedChat chat = sanitize("acme", body);

    assertThat(new String(chat.upstreamBody(), UTF_8)).doesNotContain(EMAIL);
    assertThat(chat.findings())
        .extracting(FindingRecord::fieldPath)
        .containsExactly("/prediction/content");
  }

  @Test
  void everyEntityTypeIsReplacedRecordedAndStored() throws Exception {
    String text =
        "card " + CARD + ", ssn " + SSN + ", mail " + EMAIL + ", phone " + PHONE + ", iban " + IBAN;
    String body =
        json("{'model':'gpt-4o','messages':[{'role':'user','content':'%s'}]}").formatted(text);

    SanitizedChat chat = sanitize("acme", body);

    String upstream = new String(chat.upstreamBody(), UTF_8);
    assertThat(VALUES).allSatisfy(value -> assertThat(upstream).doesNotContain(value));
    String sanitized = JSON.readTree(upstream).at("/messages/0/content").textValue();
    assertThat(restoreAll(sanitized, chat.restoreTable())).isEqualTo(text);
    assertThat(chat.findings())
        .extracting(FindingRecord::entityType)
        .containsExactly("CARD", "SSN", "EMAIL", "PHONE", "IBAN");
    assertThat(chat.findings())
        .allSatisfy(
            finding -> {
              assertThat(finding.requestId()).isEqualTo("req-1");
              assertThat(finding.tenant()).isEqualTo("acme");
              assertThat(finding.timestamp()).isEqualTo(NOW);
              assertThat(finding.fingerprint()).matches("[0-9a-f]{32}");
              assertThat(finding.confidence()).isBetween(0.5, 1.0);
              assertThat(TokenGrammar.isToken(finding.token())).isTrue();
              assertThat(chat.restoreTable().lookup(finding.token()).source()).isEqualTo("request");
              assertThat(text.substring(finding.start(), finding.end()))
                  .isEqualTo(chat.restoreTable().lookup(finding.token()).original());
              assertThat(VALUES)
                  .allSatisfy(value -> assertThat(finding.toString()).doesNotContain(value));
            });
    List<String> tokens = chat.findings().stream().map(FindingRecord::token).toList();
    assertThat(vault.getAll("acme", tokens).get(10, TimeUnit.SECONDS).values())
        .containsExactlyInAnyOrderElementsOf(VALUES);
  }

  @Test
  void aRepeatedValueGetsOneTokenInTheRequestAndAcrossRequests() throws Exception {
    String body =
        json("{'model':'m','messages':[{'role':'user','content':'%s and %s'},"
                + "{'role':'assistant','content':'%s'}]}")
            .formatted(EMAIL, EMAIL, EMAIL);

    SanitizedChat first = sanitize("acme", body);
    SanitizedChat second = sanitize("acme", body);

    assertThat(first.findings())
        .hasSize(3)
        .extracting(FindingRecord::token)
        .containsOnly(minter.mint("acme", EntityType.EMAIL, EMAIL));
    assertThat(second.upstreamBody()).isEqualTo(first.upstreamBody());
    assertThat(vault.size()).isEqualTo(1);
  }

  @Test
  void aBodyWithoutFindingsGoesUpstreamByteForByte() throws Exception {
    String body =
        json(
            "{'model':'gpt-4o','temperature':0.70,'top_p':1e-7,'frequency_penalty':-0.0,"
                + "'seed':12345678901234567890123,'max_tokens':100,'logit_bias':{'50256':-100},"
                + "'stream':true,'stream_options':{'include_usage':true},'tools':[{'type':'function','function':{'name':'lookup','description':'Zoë’s"
                + " 日本語 tool 😀 <b>&amp;</b>"
                + " a/b','parameters':{'type':'object','properties':{}}}}],"
                + "'metadata':{'note':'ünïcödé'},'x-unknown':[null,false,1.5E+3],'messages':[{'role':'user','name':'jane','content':'hello"
                + " \\'quoted\\' \\\\ tab\\t'}]}");

    SanitizedChat chat = sanitize("acme", body);

    assertThat(new String(chat.upstreamBody(), UTF_8)).isEqualTo(body);
    assertThat(chat.model()).isEqualTo("gpt-4o");
    assertThat(chat.stream()).isTrue();
    assertThat(chat.findings()).isEmpty();
  }

  @Test
  void nonTextFieldsSurviveNextToAReplacedValue() throws Exception {
    String body =
        json("{'model':'gpt-4o','temperature':0.70,'top_p':1e-7,'seed':12345678901234567890123,"
                + "'metadata':{'note':'caf\\u00e9 ünï'},"
                + "'messages':[{'role':'user','name':'jane','content':'Mail %s'}]}")
            .formatted(EMAIL);

    SanitizedChat chat = sanitize("acme", body);

    String upstream = new String(chat.upstreamBody(), UTF_8);
    String token = chat.findings().get(0).token();
    // every byte but the rewritten string's as the client sent it, escapes included
    assertThat(upstream).isEqualTo(body.replace(EMAIL, token));
    assertThat(upstream).contains("\"note\":\"caf\\u00e9 ünï\"");
    JsonNode expected = JSON.readTree(body);
    JsonNode actual = JSON.readTree(upstream);
    ((com.fasterxml.jackson.databind.node.ObjectNode) expected.at("/messages/0")).remove("content");
    ((com.fasterxml.jackson.databind.node.ObjectNode) actual.at("/messages/0")).remove("content");
    assertThat(actual).isEqualTo(expected);
    assertThat(chat.stream()).isFalse();
  }

  @Test
  void anEscapedLoneSurrogateStaysEscapedNextToAReplacedValue() throws Exception {
    String body =
        json("{'model':'m','messages':[{'role':'user','content':'%s \\ud800'}]}").formatted(EMAIL);

    SanitizedChat chat = sanitize("acme", body);

    String upstream = new String(chat.upstreamBody(), UTF_8);
    assertThat(upstream).doesNotContain(EMAIL);
    assertThat(JSON.readTree(upstream).at("/messages/0/content").textValue())
        .endsWith(" \ud800")
        .startsWith("<<EMAIL_");
  }

  static Stream<Arguments> invalidBodies() {
    return Stream.of(
        invalid("empty body", "", ProxyError.INVALID_JSON, "empty"),
        invalid("not JSON", EMAIL, ProxyError.INVALID_JSON, "not valid JSON"),
        invalid(
            "truncated JSON",
            "{'model':'m','messages':[{'role':'user','content':'" + EMAIL + "'",
            ProxyError.INVALID_JSON,
            "not valid JSON"),
        invalid(
            "bare word in JSON",
            "{'model':'m','messages':[{'role':'user','content':jane}]}",
            ProxyError.INVALID_JSON,
            "line 1, column"),
        invalid(
            "a word after the value",
            "{'model':'m','messages':[{'role':'user','content':'hi'}]} " + EMAIL,
            ProxyError.INVALID_JSON,
            "not valid JSON (line 1, column"),
        invalid(
            "a second value",
            "{'model':'m','messages':[{'role':'user','content':'hi'}]} {'model':'" + EMAIL + "'}",
            ProxyError.INVALID_JSON,
            "content after the JSON value"),
        invalid(
            "array body", "[{'model':'m'}]", ProxyError.INVALID_REQUEST, "expected a JSON object"),
        invalid(
            "string body", "'" + EMAIL + "'", ProxyError.INVALID_REQUEST, "expected a JSON object"),
        invalid("no messages", "{'model':'m'}", ProxyError.MISSING_MESSAGES, "messages"),
        invalid(
            "null messages",
            "{'model':'m','messages':null}",
            ProxyError.MISSING_MESSAGES,
            "messages"),
        invalid(
            "empty messages",
            "{'model':'m','messages':[]}",
            ProxyError.MISSING_MESSAGES,
            "messages"),
        invalid(
            "messages as an object",
            "{'model':'m','messages':{'role':'user','content':'hi'}}",
            ProxyError.MISSING_MESSAGES,
            "messages"),
        invalid(
            "no model",
            "{'messages':[{'role':'user','content':'hi'}]}",
            ProxyError.INVALID_REQUEST,
            "model"),
        invalid(
            "model not a string",
            "{'model':4,'messages':[{'role':'user','content':'hi'}]}",
            ProxyError.INVALID_REQUEST,
            "model"),
        invalid(
            "repeated field",
            "{'model':'m','messages':[{'role':'user','content':'hi'}],"
                + "'messages':[{'role':'user','content':'"
                + EMAIL
                + "'}]}",
            ProxyError.INVALID_REQUEST,
            "repeats a field name"),
        invalid(
            "message not an object",
            "{'model':'m','messages':['" + EMAIL + "']}",
            ProxyError.INVALID_REQUEST,
            "/messages/0: expected a message object"),
        invalid(
            "content of the wrong type",
            "{'model':'m','messages':[{'role':'user','content':{'text':'" + EMAIL + "'}}]}",
            ProxyError.INVALID_REQUEST,
            "/messages/0/content: expected a string"),
        invalid(
            "text part without a string",
            "{'model':'m','messages':[{'role':'user','content':[{'type':'text','text':['"
                + EMAIL
                + "']}]}]}",
            ProxyError.INVALID_REQUEST,
            "/messages/0/content/0/text: expected a string"),
        invalid(
            "arguments not a string",
            "{'model':'m','messages':[{'role':'assistant','tool_calls':[{'type':'function',"
                + "'function':{'name':'f','arguments':{'to':'"
                + EMAIL
                + "'}}}]}]}",
            ProxyError.INVALID_REQUEST,
            "/messages/0/tool_calls/0/function/arguments: expected a string"),
        invalid(
            "stream not a boolean",
            "{'model':'m','stream':'yes','messages':[{'role':'user','content':'hi'}]}",
            ProxyError.INVALID_REQUEST,
            "stream"));
  }

  private static Arguments invalid(String name, String body, ProxyError error, String message) {
    return Arguments.of(name, json(body), error, message);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidBodies")
  void anInvalidBodyIsRefusedWithoutQuotingIt(
      String name, String body, ProxyError error, String message) throws Exception {
    ProxyException failure = failure(sanitizer.sanitize("acme", "req-1", body.getBytes(UTF_8)));

    assertThat(failure.error()).isEqualTo(error);
    assertThat(failure.getMessage())
        .contains(message)
        .doesNotContain("jane")
        .doesNotContain("example");
    assertThat(vault.size()).isZero();
  }

  @Test
  void deeplyNestedJsonIsRefusedAsInvalid() throws Exception {
    String body =
        "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"x\":"
            + "[".repeat(100_000)
            + "]".repeat(100_000)
            + "}";

    ProxyException failure = failure(sanitizer.sanitize("acme", "req-1", body.getBytes(UTF_8)));

    assertThat(failure.error()).isEqualTo(ProxyError.INVALID_JSON);
  }

  @Test
  void theCallersOwnTokenFromAnEarlierRequestIsRestoredFromTheVault() throws Exception {
    String token = tokenOfCardIn("acme");

    SanitizedChat chat = sanitize("acme", userSays("Which card was " + token + "?"));

    assertThat(new String(chat.upstreamBody(), UTF_8)).contains(token).doesNotContain(CARD);
    assertThat(chat.restoreTable().lookup(token))
        .isEqualTo(new Restoration(CARD, EntityType.CARD, "vault"));
    assertThat(chat.findings()).isEmpty();
  }

  @Test
  void anotherTenantsTokenIsNeverRestored() throws Exception {
    String token = tokenOfCardIn("acme");

    SanitizedChat chat = sanitize("globex", userSays("Which card was " + token + "?"));

    assertThat(new String(chat.upstreamBody(), UTF_8)).contains(token);
    assertThat(chat.restoreTable().lookup(token)).isNull();
  }

  @Test
  void tokenShapedTextNobodyMintedStaysAsItIs() throws Exception {
    String text = "<<CARD_0000000000>> and <<NOTATYPE_0000000000>>";

    SanitizedChat chat = sanitize("acme", userSays(text));

    assertThat(JSON.readTree(chat.upstreamBody()).at("/messages/0/content").textValue())
        .isEqualTo(text);
    assertThat(chat.restoreTable().lookup("<<CARD_0000000000>>")).isNull();
    assertThat(chat.restoreTable().lookup("<<NOTATYPE_0000000000>>")).isNull();
  }

  @Test
  void digitsInsideAPastedTokenAreNotAFinding() throws Exception {
    ChatRequestSanitizer tenDigits =
        sanitizer(
            rules(
                "  - {id: ten-digits, type: phone, pattern: '(?:^|[^0-9A-Za-z])([0-9]{10})', validator: none,"
                    + " action: tokenize, confidence: 0.5, prefilter: digit, max_length: 10}"),
            vault);
    String pasted = "<<PHONE_2125550123>>";

    SanitizedChat chat =
        tenDigits
            .sanitize(
                "acme", "req-1", userSays("call " + pasted + " or 2125550124").getBytes(UTF_8))
            .get(10, TimeUnit.SECONDS);

    String sanitized = JSON.readTree(chat.upstreamBody()).at("/messages/0/content").textValue();
    assertThat(sanitized)
        .startsWith("call " + pasted + " or <<PHONE_")
        .doesNotContain("2125550124");
    assertThat(chat.findings()).singleElement().extracting(FindingRecord::start).isEqualTo(29);
  }

  @Test
  void aBlockedEntityRefusesTheRequestNamingOnlyTheType() throws Exception {
    ChatRequestSanitizer blocking =
        sanitizer(
            rules(
                "  - {id: card, type: card, pattern: '(?:^|[^0-9A-Za-z])([0-9]{4}(?: [0-9]{4}){3})', validator: luhn,"
                    + " action: tokenize, confidence: 0.9, prefilter: digit, max_length: 19}",
                "  - {id: email-block, type: email, pattern: '(?:^|[^0-9A-Za-z])([a-z.]+@[a-z.]+)', validator: none,"
                    + " action: block, confidence: 0.9, prefilter: at, max_length: 100}"),
            vault);

    ProxyException failure =
        failure(
            blocking.sanitize(
                "acme",
                "req-1",
                userSays("card " + CARD + " mail " + EMAIL + " and " + EMAIL.replace("jane", "joe"))
                    .getBytes(UTF_8)));

    assertThat(failure.error()).isEqualTo(ProxyError.BLOCKED_BY_POLICY);
    assertThat(failure.getMessage())
        .contains("EMAIL")
        .contains("email-block")
        .doesNotContain("jane")
        .doesNotContain("4111");
    BlockedByPolicy blocked = (BlockedByPolicy) failure;
    assertThat(blocked.entityType()).isEqualTo(EntityType.EMAIL);
    assertThat(blocked.ruleId()).isEqualTo("email-block");
    assertThat(blocked.model()).isEqualTo("m");
    assertThat(blocked.findings())
        .as("every finding of the request, the ones after the block too, with their actions")
        .extracting(FindingRecord::entityType, FindingRecord::action)
        .containsExactly(
            tuple("CARD", "TOKENIZE"), tuple("EMAIL", "BLOCK"), tuple("EMAIL", "BLOCK"));
    assertThat(blocked.findings().get(1).token()).isNull();
    assertThat(vault.size()).as("nothing of a blocked request is stored").isZero();
  }

  @Test
  void eachTenantIsScannedWithItsOwnPolicy() throws Exception {
    ChatRequestSanitizer perTenant =
        new ChatRequestSanitizer(
            TenantPolicies.of(
                Scanner.defaults(),
                Policy.DEFAULT,
                Map.of(
                    "acme",
                    Policy.builder()
                        .action(EntityType.CARD, Action.MASK)
                        .allow(EntityType.EMAIL, EMAIL)
                        .deny("Project Falcon")
                        .build(),
                    "initech",
                    Policy.builder().action(EntityType.CARD, Action.BLOCK).build())),
            minter,
            vault,
            Clock.fixed(NOW, ZoneOffset.UTC));
    String prompt = userSays("card " + CARD + " mail " + EMAIL + " about project falcon");

    SanitizedChat acme =
        perTenant.sanitize("acme", "req-1", prompt.getBytes(UTF_8)).get(10, TimeUnit.SECONDS);
    SanitizedChat globex =
        perTenant.sanitize("globex", "req-2", prompt.getBytes(UTF_8)).get(10, TimeUnit.SECONDS);
    ProxyException initech =
        failure(perTenant.sanitize("initech", "req-3", prompt.getBytes(UTF_8)));

    String acmeText = JSON.readTree(acme.upstreamBody()).at("/messages/0/content").textValue();
    assertThat(acmeText)
        .startsWith("card ****1111 mail " + EMAIL + " about <<CUSTOM_")
        .doesNotContain("falcon");
    assertThat(acme.findings())
        .extracting(FindingRecord::entityType, FindingRecord::action)
        .containsExactly(
            tuple("CARD", "MASK"), tuple("EMAIL", "ALLOW"), tuple("CUSTOM", "TOKENIZE"));
    assertThat(restoreAll(acmeText, acme.restoreTable()))
        .as("the deny-list term comes back as the client wrote it")
        .isEqualTo("card ****1111 mail " + EMAIL + " about project falcon");
    String globexText = JSON.readTree(globex.upstreamBody()).at("/messages/0/content").textValue();
    assertThat(globexText)
        .startsWith("card <<CARD_")
        .doesNotContain(CARD)
        .doesNotContain(EMAIL)
        .endsWith("about project falcon");
    assertThat(initech.error()).isEqualTo(ProxyError.BLOCKED_BY_POLICY);
    assertThat(((BlockedByPolicy) initech).entityType()).isEqualTo(EntityType.CARD);
  }

  @Test
  void maskRedactAndAllowReplaceAsTheRuleSays() throws Exception {
    ChatRequestSanitizer rules =
        sanitizer(
            rules(
                "  - {id: card-mask, type: card, pattern: '(?:^|[^0-9A-Za-z])([0-9]{4}(?: [0-9]{4}){3})', validator:"
                    + " luhn, action: mask, confidence: 0.9, prefilter: digit, max_length: 19}",
                "  - {id: email-redact, type: email, pattern: '(?:^|[^0-9A-Za-z])([a-z.]+@[a-z.]+)', validator: none,"
                    + " action: redact, confidence: 0.8, prefilter: at, max_length: 100}",
                "  - {id: ssn-allow, type: ssn, pattern: '(?:^|[^0-9A-Za-z])([0-9]{3}-[0-9]{2}-[0-9]{4})', validator:"
                    + " ssn, action: allow, confidence: 0.7, prefilter: digit, max_length: 11}"),
            vault);

    SanitizedChat chat =
        rules
            .sanitize(
                "acme",
                "req-1",
                userSays("card " + CARD + ", mail " + EMAIL + ", ssn " + SSN).getBytes(UTF_8))
            .get(10, TimeUnit.SECONDS);

    assertThat(JSON.readTree(chat.upstreamBody()).at("/messages/0/content").textValue())
        .isEqualTo("card ****1111, mail [EMAIL], ssn " + SSN);
    assertThat(chat.findings())
        .extracting(FindingRecord::action, FindingRecord::ruleId, FindingRecord::token)
        .containsExactly(
            tuple("MASK", "card-mask", null),
            tuple("REDACT", "email-redact", null),
            tuple("ALLOW", "ssn-allow", null));
    assertThat(chat.findings())
        .allSatisfy(f -> assertThat(f.fingerprint()).matches("[0-9a-f]{32}"));
    assertThat(chat.findings().get(0).fingerprint())
        .isEqualTo(minter.fingerprint("acme", EntityType.CARD, "4111111111111111"));
    assertThat(vault.size()).isZero();
  }

  @Test
  void theResultWaitsForTheVaultWrite() throws Exception {
    CompletableFuture<Void> write = new CompletableFuture<>();
    ChatRequestSanitizer waiting = sanitizer(Scanner.defaults(), new StubVault(write, null));

    CompletableFuture<SanitizedChat> result =
        waiting.sanitize("acme", "req-1", userSays("mail " + EMAIL).getBytes(UTF_8));

    assertThat(result).isNotDone();
    write.complete(null);
    assertThat(result.get(10, TimeUnit.SECONDS).findings()).hasSize(1);
  }

  @Test
  void aVaultThatCannotWriteFailsTheRequestClosed() throws Exception {
    ChatRequestSanitizer failing =
        sanitizer(
            Scanner.defaults(),
            new StubVault(CompletableFuture.failedFuture(new IOException("disk full")), null));

    ProxyException failure =
        failure(failing.sanitize("acme", "req-1", userSays("mail " + EMAIL).getBytes(UTF_8)));

    assertThat(failure.error()).isEqualTo(ProxyError.VAULT_UNAVAILABLE);
  }

  @Test
  void aVaultThatCannotReadFailsTheRequestClosed() throws Exception {
    ChatRequestSanitizer failing =
        sanitizer(
            Scanner.defaults(),
            new StubVault(
                CompletableFuture.completedFuture(null),
                CompletableFuture.failedFuture(new IllegalStateException("connection reset"))));

    ProxyException failure =
        failure(
            failing.sanitize(
                "acme", "req-1", userSays("was it <<CARD_7K3QZ9XW2M>>?").getBytes(UTF_8)));

    assertThat(failure.error()).isEqualTo(ProxyError.VAULT_UNAVAILABLE);
  }

  @Test
  void aCollisionReportedByTheVaultKeepsItsVerdict() throws Exception {
    vault
        .putAll(
            "acme",
            List.of(new VaultEntry(minter.mint("acme", EntityType.EMAIL, EMAIL), "someone else")))
        .get(10, TimeUnit.SECONDS);

    ProxyException failure =
        failure(sanitizer.sanitize("acme", "req-1", userSays("mail " + EMAIL).getBytes(UTF_8)));

    assertThat(failure.error()).isEqualTo(ProxyError.SANITIZER_FAILED);
    assertThat(failure.getMessage())
        .contains("token collision")
        .doesNotContain("jane")
        .doesNotContain("someone");
  }

  @Test
  void aFailingScannerFailsTheRequestWithoutQuotingIt() throws Exception {
    ChatRequestSanitizer broken =
        new ChatRequestSanitizer(
            text -> {
              throw new IllegalStateException("cannot scan " + text);
            },
            minter,
            vault,
            Clock.fixed(NOW, ZoneOffset.UTC));

    ProxyException failure =
        failure(broken.sanitize("acme", "req-1", userSays("mail " + EMAIL).getBytes(UTF_8)));

    assertThat(failure.error()).isEqualTo(ProxyError.SANITIZER_FAILED);
    assertThat(failure.getMessage()).contains("/messages/0/content").doesNotContain("jane");
    assertThat(failure.getCause().getMessage()).doesNotContain("jane");
  }

  private String tokenOfCardIn(String tenant) throws Exception {
    SanitizedChat first = sanitize(tenant, userSays("my card is " + CARD));
    return first.findings().get(0).token();
  }

  private SanitizedChat sanitize(String tenant, String body) throws Exception {
    return sanitizer.sanitize(tenant, "req-1", body.getBytes(UTF_8)).get(10, TimeUnit.SECONDS);
  }

  private ChatRequestSanitizer sanitizer(Scanner scanner, Vault vault) {
    return new ChatRequestSanitizer(scanner, minter, vault, Clock.fixed(NOW, ZoneOffset.UTC));
  }

  private static Scanner rules(String... rules) {
    String yaml = "rules:\n" + String.join("\n", rules) + "\n";
    return Scanner.fromYaml(new ByteArrayInputStream(yaml.getBytes(UTF_8)));
  }

  private static String userSays(String text) throws IOException {
    return "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":"
        + JSON.writeValueAsString(text)
        + "}]}";
  }

  /** JSON written with single quotes for readability, so {@code \\'} is an escaped quote. */
  private static String json(String singleQuoted) {
    return singleQuoted.replace('\'', '"');
  }

  private static String restoreAll(String text, TokenLookup table) {
    StringBuilder out = new StringBuilder();
    int copied = 0;
    for (TokenGrammar.Span span : TokenGrammar.findAll(text)) {
      Restoration restoration = table.lookup(span.in(text));
      if (restoration != null) {
        out.append(text, copied, span.start()).append(restoration.original());
        copied = span.end();
      }
    }
    return out.append(text, copied, text.length()).toString();
  }

  private static ProxyException failure(CompletableFuture<?> future) throws Exception {
    try {
      future.get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(ProxyException.class);
      return (ProxyException) e.getCause();
    }
    throw new AssertionError("expected the future to fail");
  }

  /** A vault that answers with the futures it was given. */
  private static final class StubVault implements Vault {
    private final CompletableFuture<Void> put;
    private final CompletableFuture<Map<String, String>> get;

    StubVault(CompletableFuture<Void> put, CompletableFuture<Map<String, String>> get) {
      this.put = put;
      this.get = get;
    }

    @Override
    public CompletableFuture<Void> putAll(String tenant, Collection<VaultEntry> entries) {
      return put;
    }

    @Override
    public CompletableFuture<Map<String, String>> getAll(String tenant, Collection<String> tokens) {
      return get != null ? get : CompletableFuture.completedFuture(Map.of());
    }

    @Override
    public void close() {}
  }
}
