package org.complianceproxy.proxy.bedrock;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.complianceproxy.proxy.config.ProxyConfig;
import org.complianceproxy.proxy.error.ProxyError;
import org.complianceproxy.proxy.error.ProxyException;

/**
 * Where Bedrock traffic may go (DESIGN.md "Region pinning"). The policy lists regions ({@code
 * eu-central-1}) and geographies ({@code eu}, {@code us}, {@code apac}, {@code global}); with none
 * listed, only the pinned region itself is allowed. A request passes when the pinned region is
 * allowed and its model id does not reach beyond the policy: a cross-region inference profile
 * ({@code eu.}, {@code us.}, {@code apac.}, {@code global.} ...) routes to any region of its
 * geography, so it passes only when that whole geography is listed; an ARN passes only when its
 * region is allowed, and an inference-profile ARN also by the profile's own prefix. Immutable.
 */
public final class ResidencyPolicy {

  /** Prefixes of cross-region inference profiles, each naming a geography. */
  private static final List<String> PROFILE_GEOGRAPHIES =
      List.of("us-gov", "us", "eu", "apac", "jp", "au", "ca", "global");

  // the region the Bedrock client is pinned to
  private final String region;
  // lower-case regions and geographies
  private final Set<String> allowed;

  public ResidencyPolicy(String region, List<String> allowed) {
    this.region = requireNonNull(region, "region").toLowerCase(Locale.ROOT);
    this.allowed =
        allowed.isEmpty()
            ? Set.of(this.region)
            : Set.copyOf(allowed.stream().map(a -> a.trim().toLowerCase(Locale.ROOT)).toList());
  }

  /** The policy of the configuration; {@code region} is the one the client is pinned to. */
  public static ResidencyPolicy of(ProxyConfig.Bedrock bedrock, String region) {
    return new ResidencyPolicy(region, bedrock.allowedRegions());
  }

  public String region() {
    return region;
  }

  /** Throws {@link ProxyError#REGION_NOT_ALLOWED} unless {@code modelId} may be served. */
  public void check(String modelId) {
    requireNonNull(modelId, "modelId");
    if (!regionAllowed(region)) {
      throw refused("The Bedrock upstream region " + region + " is outside the residency policy.");
    }
    String id = modelId;
    if (id.startsWith("arn:")) {
      String[] arn = id.split(":", 6);
      if (arn.length < 6 || !regionAllowed(arn[3].toLowerCase(Locale.ROOT))) {
        throw refused("The model ARN names a region outside the residency policy.");
      }
      int slash = arn[5].indexOf('/');
      id = slash >= 0 ? arn[5].substring(slash + 1) : arn[5];
    }
    String geography = profileGeography(id);
    if (geography != null && !allowed.contains(geography)) {
      throw refused(
          "The cross-region inference profile "
              + geography
              + ". reaches regions outside the residency policy.");
    }
  }

  /** The geography a cross-region profile id starts with, or null for a single-region model. */
  static String profileGeography(String modelId) {
    String lower = modelId.toLowerCase(Locale.ROOT);
    for (String geography : PROFILE_GEOGRAPHIES) {
      if (lower.startsWith(geography + ".")) {
        return geography;
      }
    }
    return null;
  }

  boolean regionAllowed(String candidate) {
    return allowed.contains(candidate) || allowed.contains(geographyOf(candidate));
  }

  /** {@code eu-central-1} -> {@code eu}; {@code ap-south-1} -> {@code apac}. */
  static String geographyOf(String region) {
    if (region.startsWith("us-gov-")) {
      return "us-gov";
    }
    int dash = region.indexOf('-');
    String prefix = dash < 0 ? region : region.substring(0, dash);
    return "ap".equals(prefix) ? "apac" : prefix;
  }

  private static ProxyException refused(String message) {
    return new ProxyException(ProxyError.REGION_NOT_ALLOWED, message);
  }

  @Override
  public String toString() {
    return "ResidencyPolicy[region=" + region + ", allowed=" + allowed + "]";
  }
}
