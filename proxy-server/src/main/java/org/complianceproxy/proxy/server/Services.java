package org.complianceproxy.proxy.server;

import org.complianceproxy.dlp.Scanner;
import org.complianceproxy.proxy.admin.Metrics;
import org.complianceproxy.proxy.audit.AuditSink;
import org.complianceproxy.proxy.auth.ApiKeyAuthenticator;
import org.complianceproxy.proxy.chat.ChatRequestSanitizer;
import org.complianceproxy.proxy.config.ProxyConfig;
import org.complianceproxy.proxy.sanitize.TenantPolicies;
import org.complianceproxy.proxy.upstream.OpenAiUpstream;

/**
 * What every exchange of the client listener needs; built once at start-up and shared.
 *
 * @param bedrock the Bedrock upstream and front door, or null when no Bedrock region is configured
 * @param policies each tenant's DLP policy, from the {@code dlp} configuration: the sanitizers scan
 *     requests with it, and answers are scanned with it (output DLP)
 */
record Services(
    ProxyConfig config,
    ApiKeyAuthenticator authenticator,
    ChatRequestSanitizer sanitizer,
    OpenAiUpstream openAi,
    AuditSink audit,
    Metrics metrics,
    BedrockServices bedrock,
    TenantPolicies policies) {

  /** Without Bedrock. */
  Services(
      ProxyConfig config,
      ApiKeyAuthenticator authenticator,
      ChatRequestSanitizer sanitizer,
      OpenAiUpstream openAi,
      AuditSink audit,
      Metrics metrics) {
    this(config, authenticator, sanitizer, openAi, audit, metrics, null);
  }

  /** With the rules' default policy for every tenant. */
  Services(
      ProxyConfig config,
      ApiKeyAuthenticator authenticator,
      ChatRequestSanitizer sanitizer,
      OpenAiUpstream openAi,
      AuditSink audit,
      Metrics metrics,
      BedrockServices bedrock) {
    this(
        config,
        authenticator,
        sanitizer,
        openAi,
        audit,
        metrics,
        bedrock,
        TenantPolicies.defaults(Scanner.defaults()));
  }
}
