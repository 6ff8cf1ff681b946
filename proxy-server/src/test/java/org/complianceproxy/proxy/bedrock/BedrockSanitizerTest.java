package org.complianceproxy.proxy.bedrock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.complianceproxy.dlp.Action;
import org.complianceproxy.dlp.EntityType;
import org.complianceproxy.dlp.Policy;
import org.complianceproxy.dlp.Scanner;
import org.complianceproxy.proxy.audit.FindingRecord;
import org.complianceproxy.proxy.error.ProxyError;
import org.complianceproxy.proxy.error.ProxyException;
import org.complianceproxy.proxy.restore.RestoreListener;
import org.complianceproxy.proxy.restore.Restorer;
import org.complianceproxy.proxy.sanitize.BlockedByPolicy;
import org.complianceproxy.proxy.sanitize.TenantPolicies;
import org.complianceproxy.proxy.token.Keyring;
import org.complianceproxy.proxy.token.TokenMinter;
import org.complianceproxy.proxy.vault.LocalVault;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BedrockSanitizerTest {

  private static final String EMAIL = "jane.doe@example.com";

  @TempDir Path dataDir;
  private LocalVault vault;
  private BedrockSanitizer sanitizer;

  @BeforeEach
  void open() throws IOException {
    Keyring keyring = Keyring.openOrCreate(dataDir);
    vault = LocalVault.open(dataDir, keyring);
    sanitizer = new BedrockSanitizer(Scanner.defaults(), new TokenMinter(keyring), vault);
  }

  @AfterEach
  void close() {
    vault.close();
  }

  /** Each Converse text field, with the e-mail address in it, and the pointer audit names. */
  private static final Map<String, String> CONVERSE_FIELDS =
      Map.of(
          "{'system':[{'text':'Reply to %s'}],'messages':[{'role':'user','content':[{'text':'hi'}]}]}",
          "/system/0/text",
          "{'messages':[{'role':'user','content':[{'text':'Mail %s'}]}]}",
          "/messages/0/content/0/text",
          "{'messages':[{'role':'assistant','content':[{'toolUse':{'toolUseId':'t','name':'send','input':{'to':['%s']}}}]}]}",
          "/messages/0/content/0/toolUse/input/to/0",
          "{'messages':[{'role':'user','content':[{'toolResult':{'toolUseId':'t','content':[{'text':'sent to %s'}]}}]}]}",
          "/messages/0/content/0/toolResult/content/0/text",
          "{'messages':[{'role':'user','content':[{'toolResult':{'toolUseId':'t','content':[{'json':{'mail':'%s'}}]}}]}]}",
          "/messages/0/content/0/toolResult/content/0/json/mail",
          "{'messages':[{'role':'user','content':[{'guardContent':{'text':{'text':'%s'}}}]}]}",
          "/messages/0/content/0/guardContent/text/text");

  private static final Map<String, String> ANTHROPIC_FIELDS =
      Map.of(
          "{'anthropic_version':'bedrock-2023-05-31','system':'Reply to %s','messages':[{'role':'user','content':'hi'}]}",
          "/system",
          "{'messages':[{'role':'user','content':'Mail %s'}]}",
          "/messages/0/content",
          "{'messages':[{'role':'user','content':[{'type':'text','text':'Mail %s'}]}]}",
          "/messages/0/content/0/text",
          "{'messages':[{'role':'assistant','content':[{'type':'tool_use','id':'t','name':'send','input':{'to':'%s'}}]}]}",
          "/messages/0/content/0/input/to",
          "{'messages':[{'role':'user','content':[{'type':'tool_result','tool_use_id':'t','content':[{'type':'text','text':'ok %s'}]}]}]}",
          "/messages/0/content/0/content/0/text");

  @Test
  void everyConverseTextFieldIsTokenized() {
    check(BedrockSanitizer.Format.CONVERSE, CONVERSE_FIELDS);
  }

  @Test
  void everyAnthropicTextFieldIsTokenized() {
    check(BedrockSanitizer.Format.ANTHROPIC_MESSAGES, ANTHROPIC_FIELDS);
  }

  @Test
  void invokeBodiesOfOtherModelFamiliesAreRefusedNotForwardedUnscanned() {
    for (String body :
        new String[] {
          "{'inputText':'Mail %s','textGenerationConfig':{}}",
          "{'prompt':'Mail %s','max_gen_len':100}",
          "{'messages':[{'role':'user','content':'hi'}],'prompt':'Mail %s'}",
        }) {
      String json = body.formatted(EMAIL).replace('\'', '"');
      assertThat(
              sanitizer.sanitize(
                  "acme", "req-1", BedrockSanitizer.Format.ANTHROPIC_MESSAGES, bytes(json)))
          .as(json)
          .failsWithin(java.time.Duration.ofSeconds(5))
          .withThrowableOfType(java.util.concurrent.ExecutionException.class)
          .havingCause()
          .isInstanceOf(org.complianceproxy.proxy.error.ProxyException.class)
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain(EMAIL));
    }
  }

  private void check(BedrockSanitizer.Format format, Map<String, String> fields) {
    for (Map.Entry<String, String> field : fields.entrySet()) {
      String body = field.getKey().formatted(EMAIL).replace('\'', '"');
      SanitizedBedrock sanitized = sanitizer.sanitize("acme", "req-1", format, bytes(body)).join();
      String upstream = new String(sanitized.upstreamBody(), StandardCharsets.UTF_8);

      assertThat(upstream).as(body).doesNotContain(EMAIL).contains("<<EMAIL_");
      assertThat(sanitized.findings())
          .as(body)
          .singleElement()
          .satisfies(f -> assertThat(f.fieldPath()).isEqualTo(field.getValue()));
      FindingRecord finding = sanitized.findings().get(0);
      assertThat(Restorer.restoreAll(upstream, sanitized.restoreTable(), RestoreListener.NONE))
          .isEqualTo(body.replace("\\", ""));
      assertThat(finding.toString()).doesNotContain(EMAIL);
    }
  }

  @Test
  void structureAndNumbersPassUnchanged() {
    String body =
        "{\"modelId\":\"x\",\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"hello\"}]}],"
            + "\"inferenceConfig\":{\"temperature\":0.70,\"maxTokens\":100}}";
    SanitizedBedrock sanitized =
        sanitizer.sanitize("acme", "r", BedrockSanitizer.Format.CONVERSE, bytes(body)).join();
    assertThat(new String(sanitized.upstreamBody(), StandardCharsets.UTF_8)).isEqualTo(body);
    assertThat(sanitized.findings()).isEmpty();
  }

  @Test
  void tokenOfAnEarlierRequestIsRestorableThroughTheVault() {
    String first =
        "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"" + EMAIL + "\"}]}]}";
    String token =
        sanitizer
            .sanitize("acme", "r1", BedrockSanitizer.Format.CONVERSE, bytes(first))
            .join()
            .findings()
            .get(0)
            .token();
    String second =
        "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"" + token + "\"}]}]}";

    SanitizedBedrock own =
        sanitizer.sanitize("acme", "r2", BedrockSanitizer.Format.CONVERSE, bytes(second)).join();
    SanitizedBedrock other =
        sanitizer.sanitize("globex", "r3", BedrockSanitizer.Format.CONVERSE, bytes(second)).join();

    assertThat(own.restoreTable().lookup(token).original()).isEqualTo(EMAIL);
    assertThat(other.restoreTable().lookup(token)).isNull();
  }

  @Test
  void onlyTheRewrittenStringsLeaveChangedByteForByte() {
    String body =
        "{ \"inferenceConfig\": {\"temperature\":0.70,\"topP\":1e-7},\"x\":\"caf\\u00e9\","
            + "\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"Mail "
            + EMAIL
            + "\"},{\"toolUse\":{\"toolUseId\":\"t\",\"name\":\"f\",\"input\":"
            + "{\"to\":[\""
            + EMAIL
            + "\",12345678901234567890123]}}}]}] }";

    SanitizedBedrock sanitized =
        sanitizer.sanitize("acme", "r", BedrockSanitizer.Format.CONVERSE, bytes(body)).join();

    String token = sanitized.findings().get(0).token();
    assertThat(sanitized.findings()).hasSize(2);
    assertThat(new String(sanitized.upstreamBody(), StandardCharsets.UTF_8))
        .isEqualTo(body.replace(EMAIL, token));
  }

  @Test
  void wrongShapesAndBadJsonAreRefused() {
    Map<String, ProxyError> bad =
        Map.of(
            "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":5}]}]}",
                ProxyError.INVALID_REQUEST,
            "{\"messages\":[{\"role\":\"user\",\"content\":\"not blocks\"}]}",
                ProxyError.INVALID_REQUEST,
            "{\"messages\":[]}", ProxyError.MISSING_MESSAGES,
            "{\"messages\":", ProxyError.INVALID_JSON,
            "{\"a\":1,\"a\":2,\"messages\":[]}", ProxyError.INVALID_JSON);
    for (Map.Entry<String, ProxyError> entry : bad.entrySet()) {
      assertThatThrownBy(
              () ->
                  sanitizer
                      .sanitize(
                          "acme", "r", BedrockSanitizer.Format.CONVERSE, bytes(entry.getKey()))
                      .join())
          .as(entry.getKey())
          .isInstanceOf(CompletionException.class)
          .cause()
          .isInstanceOf(ProxyException.class)
          .satisfies(e -> assertThat(((ProxyException) e).error()).isEqualTo(entry.getValue()));
    }
  }

  @Test
  void eachTenantsPolicyAppliesAndABlockRefusesWithoutStoringAnything() throws IOException {
    Keyring keyring = Keyring.openOrCreate(dataDir);
    BedrockSanitizer perTenant =
        new BedrockSanitizer(
            TenantPolicies.of(
                Scanner.defaults(),
                Policy.DEFAULT,
                Map.of(
                    "acme", Policy.builder().action(EntityType.EMAIL, Action.BLOCK).build(),
                    "initech", Policy.builder().action(EntityType.EMAIL, Action.REDACT).build())),
            new TokenMinter(keyring),
            vault);
    String body =
        "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"Mail " + EMAIL + "\"}]}]}";

    SanitizedBedrock initech =
        perTenant.sanitize("initech", "r1", BedrockSanitizer.Format.CONVERSE, bytes(body)).join();
    assertThatThrownBy(
            () ->
                perTenant
                    .sanitize("acme", "r2", BedrockSanitizer.Format.CONVERSE, bytes(body))
                    .join())
        .isInstanceOf(CompletionException.class)
        .cause()
        .isInstanceOfSatisfying(
            BlockedByPolicy.class,
            blocked -> {
              assertThat(blocked.error()).isEqualTo(ProxyError.BLOCKED_BY_POLICY);
              assertThat(blocked.entityType()).isEqualTo(EntityType.EMAIL);
              assertThat(blocked.ruleId()).isNotBlank();
              assertThat(blocked.getMessage()).contains("EMAIL").doesNotContain(EMAIL);
              assertThat(blocked.findings())
                  .singleElement()
                  .satisfies(f -> assertThat(f.action()).isEqualTo("BLOCK"));
            });

    assertThat(new String(initech.upstreamBody(), StandardCharsets.UTF_8))
        .contains("Mail [EMAIL]")
        .doesNotContain(EMAIL);
    assertThat(vault.size()).as("nothing of either request is stored").isZero();
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
