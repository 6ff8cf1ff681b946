package org.complianceproxy.proxy.sanitize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.complianceproxy.dlp.Action;
import org.complianceproxy.dlp.EntityType;
import org.complianceproxy.dlp.Finding;
import org.complianceproxy.dlp.Scanner;
import org.complianceproxy.proxy.config.ConfigException;
import org.complianceproxy.proxy.config.ConfigLoader;
import org.complianceproxy.proxy.config.ProxyConfig;
import org.complianceproxy.proxy.config.ProxyConfig.PolicySettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code dlp} configuration turned into what the sanitizers scan with, per tenant. */
class TenantPoliciesTest {

  private static final String TEXT =
      "card 4111 1111 1111 1111, mail ann.lee@example.com, about Project Falcon";

  @TempDir Path dir;

  @Test
  void eachTenantIsScannedWithItsMergedPolicyAndOthersWithTheDefault() throws IOException {
    TenantPolicies policies =
        TenantPolicies.of(
            load(
                """
                dlp:
                  default_policy:
                    actions: {EMAIL: redact}
                    deny: ["Project Falcon"]
                  tenants:
                    acme: {actions: {CARD: block}, allow: {EMAIL: ["Ann.Lee@example.com"]}}
                """));

    assertThat(policies.input("acme").apply(TEXT))
        .extracting(Finding::type, Finding::action)
        .containsExactly(
            tuple(EntityType.CARD, Action.BLOCK),
            tuple(EntityType.EMAIL, Action.ALLOW),
            tuple(EntityType.CUSTOM, Action.TOKENIZE));
    assertThat(policies.input("globex").apply(TEXT))
        .extracting(Finding::type, Finding::action)
        .containsExactly(
            tuple(EntityType.CARD, Action.TOKENIZE),
            tuple(EntityType.EMAIL, Action.REDACT),
            tuple(EntityType.CUSTOM, Action.TOKENIZE));
  }

  @Test
  void outputActionsApplyToWhatAModelWrote() throws IOException {
    TenantPolicies policies =
        TenantPolicies.of(load("dlp: {tenants: {acme: {output_actions: {EMAIL: redact}}}}\n"));

    assertThat(policies.output("acme").apply("write to ann.lee@example.com"))
        .extracting(Finding::action)
        .containsExactly(Action.REDACT);
    assertThat(policies.output("globex").apply("write to ann.lee@example.com"))
        .extracting(Finding::action)
        .containsExactly(Action.MASK);
  }

  @Test
  void theRulesFileReplacesTheBundledRules() throws IOException {
    Path rules = dir.resolve("rules.yaml");
    Files.writeString(
        rules,
        "rules:\n"
            + "  - {id: ticket, type: account, pattern: '(?:^|[^0-9])([0-9]{6})(?:$|[^0-9])',"
            + " validator: none, action: redact, confidence: 0.9, prefilter: digit,"
            + " max_length: 6}\n");
    TenantPolicies policies =
        TenantPolicies.of(
            ConfigLoader.load(Optional.empty(), Map.of("DLP_RULES_FILE", rules.toString())).dlp());

    List<Finding> found = policies.input("acme").apply("ticket 123456 for " + TEXT);

    assertThat(found)
        .as("only the file's rule: the bundled card and e-mail rules are gone")
        .extracting(Finding::ruleId)
        .containsExactly("ticket");
    assertThat(policies.scanner()).isNotSameAs(Scanner.defaults());
  }

  @Test
  void aRulesFileThatBrokeAfterStartUpChecksStillStopsTheServer() throws IOException {
    Path rules = dir.resolve("rules.yaml");
    Files.writeString(rules, "rules: []\n");
    ProxyConfig.Dlp dlp = new ProxyConfig.Dlp(Optional.of(rules), PolicySettings.NONE, Map.of());

    assertThatThrownBy(() -> TenantPolicies.of(dlp))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(rules.toString())
        .hasMessageContaining("rules: []");
  }

  private ProxyConfig.Dlp load(String yaml) throws IOException {
    Path file = dir.resolve("proxy.yaml");
    Files.writeString(file, yaml);
    return ConfigLoader.load(Optional.of(file), Map.of()).dlp();
  }
}
