package org.complianceproxy.proxy.sanitize;

import static java.util.Objects.requireNonNull;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.complianceproxy.dlp.Finding;
import org.complianceproxy.dlp.Policy;
import org.complianceproxy.dlp.Scanner;
import org.complianceproxy.proxy.config.ConfigException;
import org.complianceproxy.proxy.config.ConfigLoader;
import org.complianceproxy.proxy.config.ProxyConfig;

/**
 * The DLP scanner with each tenant's {@link Policy}: what a request's text is scanned with on the
 * way in, and what a model's answer is scanned with on the way out. Immutable; built once at
 * start-up and shared.
 */
public final class TenantPolicies {

  private final Scanner scanner;
  private final Policy fallback;
  private final Map<String, Policy> tenants;

  private TenantPolicies(Scanner scanner, Policy fallback, Map<String, Policy> tenants) {
    this.scanner = requireNonNull(scanner, "scanner");
    this.fallback = requireNonNull(fallback, "fallback");
    this.tenants = Map.copyOf(tenants);
  }

  /**
   * Policies per tenant; a tenant without its own gets {@code fallback}.
   *
   * @param tenants tenant id to its policy
   */
  public static TenantPolicies of(Scanner scanner, Policy fallback, Map<String, Policy> tenants) {
    return new TenantPolicies(scanner, fallback, tenants);
  }

  /**
   * The policies of the {@code dlp} configuration, with the rule file it names (or the bundled
   * rules).
   *
   * @throws ConfigException if the rule file cannot be read or is not valid
   */
  public static TenantPolicies of(ProxyConfig.Dlp config) {
    Scanner scanner = config.rulesFile().map(ConfigLoader::loadRules).orElseGet(Scanner::defaults);
    Map<String, Policy> tenants = new HashMap<>();
    config.tenants().forEach((tenant, settings) -> tenants.put(tenant, policy(settings)));
    return new TenantPolicies(scanner, policy(config.defaultPolicy()), tenants);
  }

  /** The dlp-rules policy of one configured policy. */
  static Policy policy(ProxyConfig.PolicySettings settings) {
    Policy.Builder policy = Policy.builder();
    settings.actions().forEach(policy::action);
    settings.outputActions().forEach(policy::outputAction);
    settings.allow().forEach((type, values) -> values.forEach(value -> policy.allow(type, value)));
    settings.deny().forEach(policy::deny);
    return policy.build();
  }

  /** The rules' own actions for every tenant, {@code mask} on the way out. */
  public static TenantPolicies defaults(Scanner scanner) {
    return new TenantPolicies(scanner, Policy.DEFAULT, Map.of());
  }

  public Scanner scanner() {
    return scanner;
  }

  /** The policy that applies to {@code tenant}. */
  public Policy policy(String tenant) {
    return tenants.getOrDefault(tenant, fallback);
  }

  /** How a request's text is scanned for {@code tenant}. */
  public Function<CharSequence, List<Finding>> input(String tenant) {
    Policy policy = policy(tenant);
    return text -> scanner.scan(text, policy);
  }

  /** The deny-list terms of {@code tenant}'s policy, lower case. */
  public List<String> denyTerms(String tenant) {
    return policy(tenant).deniedTerms();
  }

  /** How a model's answer is scanned for {@code tenant}: PII the model produced by itself. */
  public Function<CharSequence, List<Finding>> output(String tenant) {
    Policy policy = policy(tenant);
    return text -> scanner.scanOutput(text, policy);
  }
}
