package org.complianceproxy.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.complianceproxy.dlp.Action;
import org.complianceproxy.dlp.EntityType;
import org.complianceproxy.proxy.config.ProxyConfig.Dlp;
import org.complianceproxy.proxy.config.ProxyConfig.PolicySettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The {@code dlp} section: rule file, default policy, tenants' policies merged over it. */
class DlpConfigTest {

  private static final String CARD_RULE =
      "rules:\n"
          + "  - {id: card, type: card, pattern: '(?:^|[^0-9])([0-9]{4}(?: [0-9]{4}){3})',"
          + " validator: luhn, action: tokenize, confidence: 0.9, prefilter: digit,"
          + " max_length: 19}\n";

  private static final String POLICIES =
      """
      dlp:
        default_policy:
          actions: {CARD: tokenize, SECRET: block}
          output_actions: {EMAIL: redact}
          allow: {PHONE: ["+1 800 555 0100"]}
          deny: ["Project Falcon"]
        tenants:
          acme:
            actions: {card: Mask, EMAIL: redact}
            allow: {PHONE: ["+1 800 555 0199"], CARD: ["4242 4242 4242 4242"]}
            deny: ["Bluebird", "Project Falcon"]
          globex:
            inherit_default: false
            actions: {SSN: block}
          initech: {}
      """;

  @TempDir Path dir;

  @Test
  void withoutADlpSectionEveryTenantGetsTheBundledRulesAsTheyAre() {
    Dlp dlp = ConfigLoader.load(Optional.empty(), Map.of()).dlp();

    assertThat(dlp.rulesFile()).isEmpty();
    assertThat(dlp.defaultPolicy()).isEqualTo(PolicySettings.NONE);
    assertThat(dlp.tenants()).isEmpty();
  }

  @Test
  void theDefaultPolicyIsReadAsWritten() throws IOException {
    PolicySettings policy = load(POLICIES).defaultPolicy();

    assertThat(policy.actions())
        .containsExactly(
            Map.entry(EntityType.CARD, Action.TOKENIZE),
            Map.entry(EntityType.SECRET, Action.BLOCK));
    assertThat(policy.outputActions()).containsExactly(Map.entry(EntityType.EMAIL, Action.REDACT));
    assertThat(policy.allow())
        .containsExactly(Map.entry(EntityType.PHONE, List.of("+1 800 555 0100")));
    assertThat(policy.deny()).containsExactly("Project Falcon");
  }

  @Test
  void aTenantPolicyIsMergedOverTheDefault() throws IOException {
    PolicySettings acme = load(POLICIES).tenants().get("acme");

    assertThat(acme.actions())
        .as("the tenant's CARD replaces the default's, SECRET is inherited, EMAIL is added")
        .containsExactly(
            Map.entry(EntityType.CARD, Action.MASK),
            Map.entry(EntityType.EMAIL, Action.REDACT),
            Map.entry(EntityType.SECRET, Action.BLOCK));
    assertThat(acme.outputActions()).containsExactly(Map.entry(EntityType.EMAIL, Action.REDACT));
    assertThat(acme.allow())
        .containsExactly(
            Map.entry(EntityType.CARD, List.of("4242 4242 4242 4242")),
            Map.entry(EntityType.PHONE, List.of("+1 800 555 0100", "+1 800 555 0199")));
    assertThat(acme.deny())
        .as("lists add up, each term once")
        .containsExactly("Project Falcon", "Bluebird");
  }

  @Test
  void aTenantThatDoesNotInheritGetsOnlyItsOwnPolicy() throws IOException {
    PolicySettings globex = load(POLICIES).tenants().get("globex");

    assertThat(globex.actions()).containsExactly(Map.entry(EntityType.SSN, Action.BLOCK));
    assertThat(globex.outputActions()).isEmpty();
    assertThat(globex.allow()).isEmpty();
    assertThat(globex.deny()).isEmpty();
  }

  @Test
  void anEmptyTenantPolicyIsTheDefault() throws IOException {
    Dlp dlp = load(POLICIES);

    assertThat(dlp.tenants().get("initech")).isEqualTo(dlp.defaultPolicy());
  }

  @Test
  void theRulesFileComesFromTheFileOrTheEnvironment() throws IOException {
    Path rules = dir.resolve("rules.yaml");
    Files.writeString(rules, CARD_RULE);
    Path other = dir.resolve("other-rules.yaml");
    Files.writeString(other, CARD_RULE);
    Path file = write("dlp: {rules_file: " + rules + "}\n");

    assertThat(ConfigLoader.load(Optional.of(file), Map.of()).dlp().rulesFile()).contains(rules);
    assertThat(
            ConfigLoader.load(Optional.of(file), Map.of("DLP_RULES_FILE", other.toString()))
                .dlp()
                .rulesFile())
        .contains(other);
    assertThat(
            ConfigLoader.load(Optional.empty(), Map.of("DLP_RULES_FILE", rules.toString()))
                .dlp()
                .rulesFile())
        .contains(rules);
  }

  @Test
  void anInvalidRulesFileStopsStartUpNamingFileRuleAndProblem() throws IOException {
    Path rules = dir.resolve("bad-rules.yaml");
    Files.writeString(rules, CARD_RULE.replace("action: tokenize", "action: explode"));

    assertThatThrownBy(
            () -> ConfigLoader.load(Optional.empty(), Map.of("DLP_RULES_FILE", rules.toString())))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(rules.toString())
        .hasMessageContaining("rule card: action: explode")
        .hasMessageContaining("expected");
  }

  @Test
  void theConfigurationPrintsTheSameWayWhateverTheOrderOfTheFile() throws IOException {
    String reordered =
        """
        dlp:
          tenants:
            initech: {}
            globex: {actions: {SSN: block}, inherit_default: false}
            acme:
              deny: ["Bluebird", "Project Falcon"]
              allow: {CARD: ["4242 4242 4242 4242"], PHONE: ["+1 800 555 0199"]}
              actions: {EMAIL: redact, card: Mask}
          default_policy:
            deny: ["Project Falcon"]
            allow: {PHONE: ["+1 800 555 0100"]}
            output_actions: {EMAIL: redact}
            actions: {SECRET: block, CARD: tokenize}
        """;

    assertThat(load(reordered).toString()).isEqualTo(load(POLICIES).toString());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "unknown dlp key | 'dlp: {rule_file: x}' | Unknown configuration key dlp.rule_file",
        "unknown policy key | 'dlp: {default_policy: {action: {CARD: mask}}}' | Unknown configuration key dlp.default_policy.action",
        "inherit on the default | 'dlp: {default_policy: {inherit_default: false}}' | Unknown configuration key dlp.default_policy.inherit_default",
        "unknown tenant key | 'dlp: {tenants: {acme: {denied: [x]}}}' | Unknown configuration key dlp.tenants.acme.denied",
        "unknown entity type | 'dlp: {default_policy: {actions: {CRAD: mask}}}' | Invalid value CRAD for configuration dlp.default_policy.actions.CRAD: expected an entity type, one of [CARD,",
        "unknown action | 'dlp: {tenants: {acme: {actions: {CARD: shred}}}}' | Invalid value shred for configuration dlp.tenants.acme.actions.CARD: expected one of [",
        "action not a string | 'dlp: {default_policy: {actions: {CARD: [mask]}}}' | for configuration dlp.default_policy.actions.CARD: expected one of",
        "block on the way out | 'dlp: {default_policy: {output_actions: {EMAIL: block}}}' | Invalid value block for configuration dlp.default_policy.output_actions.EMAIL: expected one of [mask, redact, allow]",
        "unknown type in allow | 'dlp: {default_policy: {allow: {TELEPHONE: [x]}}}' | Invalid value TELEPHONE for configuration dlp.default_policy.allow.TELEPHONE",
        "allow value not a list | 'dlp: {default_policy: {allow: {PHONE: \"+1 800 555 0100\"}}}' | Invalid value STRING for configuration dlp.default_policy.allow.PHONE: expected a list of strings",
        "deny not a list | 'dlp: {default_policy: {deny: Falcon}}' | Invalid value STRING for configuration dlp.default_policy.deny: expected a list of strings",
        "blank deny term | 'dlp: {default_policy: {deny: [\" \"]}}' | for configuration dlp.default_policy.deny: expected a list of non-empty strings",
        "bad tenant id | 'dlp: {tenants: {\"a b\": {}}}' | Invalid value a b for configuration dlp.tenants.a b",
        "tenants not a map | 'dlp: {tenants: [acme]}' | Invalid value ARRAY for configuration dlp.tenants: expected a map of tenant id to policy",
        "policy not a map | 'dlp: {tenants: {acme: block}}' | Invalid value STRING for configuration dlp.tenants.acme",
        "bad inherit flag | 'dlp: {tenants: {acme: {inherit_default: perhaps}}}' | Invalid value perhaps for configuration dlp.tenants.acme.inherit_default",
        "missing rules file | 'dlp: {rules_file: /no/such/rules.yaml}' | Invalid value /no/such/rules.yaml for configuration dlp.rules_file: expected a readable file",
      })
  void invalidDlpConfigurationNamesTheKeyTheValueAndWhatWasExpected(
      String name, String yaml, String message) throws IOException {
    Path file = write(yaml);

    assertThatThrownBy(() -> ConfigLoader.load(Optional.of(file), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(message);
  }

  @Test
  void anOverlongDenyTermIsNamedByItsIndexNotEchoed() throws IOException {
    String term = "x".repeat(201);
    Path file = write("dlp: {default_policy: {deny: [ok, " + term + "]}}\n");

    assertThatThrownBy(() -> ConfigLoader.load(Optional.of(file), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("dlp.default_policy.deny[1]")
        .hasMessageContaining("201 chars")
        .hasMessageNotContaining(term);
  }

  private Dlp load(String yaml) throws IOException {
    return ConfigLoader.load(Optional.of(write(yaml)), Map.of()).dlp();
  }

  private Path write(String yaml) throws IOException {
    Path file = dir.resolve("proxy.yaml");
    Files.writeString(file, yaml);
    return file;
  }
}
