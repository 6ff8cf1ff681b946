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
 */
public record LifecycleRecord(
    Instant timestamp,
    String event,
    String proxyVersion,
    String configSha256,
    List<String> changedKeys)
    implements AuditRecord {

  public LifecycleRecord {
    changedKeys = changedKeys == null ? null : List.copyOf(changedKeys);
  }

  public static LifecycleRecord start(String proxyVersion, String configSha256) {
    return new LifecycleRecord(Instant.now(), "start", proxyVersion, configSha256, null);
  }

  public static LifecycleRecord stop(String proxyVersion) {
    return new LifecycleRecord(Instant.now(), "stop", proxyVersion, null, null);
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
