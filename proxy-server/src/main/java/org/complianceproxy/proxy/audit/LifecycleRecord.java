package org.complianceproxy.proxy.audit;

import java.time.Instant;
import java.util.List;

/**
 * The proxy instance started, stopped or changed its configuration. Belongs to no request and no
 * tenant; its Kafka key is the instance id.
 *
 * @param event {@code start}, {@code stop} or {@code config_change}
 * @param proxyVersion the proxy's version
 * @param configSha256 hex SHA-256 of the effective configuration without secrets, or {@code null}
 * @param changedKeys names of the configuration keys that changed ({@code config_change}), or
 *     {@code null}
 * @param previousConfigSha256 for {@code config_change}, the {@code configSha256} the previous
 *     start recorded; {@code null} otherwise
 */
public record LifecycleRecord(
    Instant timestamp,
    String event,
    String proxyVersion,
    String configSha256,
    List<String> changedKeys,
    String previousConfigSha256)
    implements AuditRecord {

  public LifecycleRecord {
    changedKeys = changedKeys == null ? null : List.copyOf(changedKeys);
  }

  /** A record without a previous configuration hash (start, stop). */
  public LifecycleRecord(
      Instant timestamp,
      String event,
      String proxyVersion,
      String configSha256,
      List<String> changedKeys) {
    this(timestamp, event, proxyVersion, configSha256, changedKeys, null);
  }

  public static LifecycleRecord start(String proxyVersion, String configSha256) {
    return new LifecycleRecord(Instant.now(), "start", proxyVersion, configSha256, null);
  }

  public static LifecycleRecord stop(String proxyVersion) {
    return new LifecycleRecord(Instant.now(), "stop", proxyVersion, null, null);
  }

  /**
   * The configuration differs from the one the previous start of this data directory ran with.
   *
   * @param changedKeys top-level configuration keys whose values changed, e.g. {@code audit}
   */
  public static LifecycleRecord configChange(
      String proxyVersion,
      String previousConfigSha256,
      String configSha256,
      List<String> changedKeys) {
    return new LifecycleRecord(
        Instant.now(),
        "config_change",
        proxyVersion,
        configSha256,
        changedKeys,
        previousConfigSha256);
  }

  @Override
  public String kind() {
    return "lifecycle";
  }

  @Override
  public String requestId() {
    return null;
  }

  @Override
  public String tenant() {
    return null;
  }
}
