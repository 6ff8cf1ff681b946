package org.complianceproxy.proxy.server;

import static java.util.Objects.requireNonNull;

import org.complianceproxy.proxy.bedrock.BedrockSanitizer;
import org.complianceproxy.proxy.bedrock.BedrockUpstream;
import org.complianceproxy.proxy.bedrock.ModelRoutes;
import org.complianceproxy.proxy.bedrock.ResidencyPolicy;
import org.complianceproxy.proxy.bedrock.SigV4Verifier;

/**
 * What the Bedrock exchanges need, built once at start-up when a Bedrock region is configured.
 *
 * @param verifier SigV4 for the proxy-issued key pairs of the native front door
 * @param sanitizer the way in for native bodies
 * @param upstream the region-pinned upstream
 * @param residency where traffic may go
 * @param routes which models of the OpenAI front door go to Bedrock
 */
record BedrockServices(
    SigV4Verifier verifier,
    BedrockSanitizer sanitizer,
    BedrockUpstream upstream,
    ResidencyPolicy residency,
    ModelRoutes routes) {

  BedrockServices {
    requireNonNull(verifier, "verifier");
    requireNonNull(sanitizer, "sanitizer");
    requireNonNull(upstream, "upstream");
    requireNonNull(residency, "residency");
    requireNonNull(routes, "routes");
  }
}
