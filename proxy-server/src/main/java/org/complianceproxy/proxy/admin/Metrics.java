package org.complianceproxy.proxy.admin;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * The proxy's metrics, rendered in the Prometheus text format (version 0.0.4). Label values are
 * routes, statuses, entity types and error codes: never request content.
 */
public final class Metrics {

  /** Upper bounds of the latency histogram, in seconds. */
  private static final double[] LATENCY_BUCKETS = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120
  };

  /** {@code route,status} -> count. */
  private final Map<String, LongAdder> requests = new ConcurrentHashMap<>();

  /** {@code entity_type,action} -> count. */
  private final Map<String, LongAdder> findings = new ConcurrentHashMap<>();

  /** {@code entity_type} -> count. */
  private final Map<String, LongAdder> restores = new ConcurrentHashMap<>();

  /** error code -> count, for every request that ended in an error. */
  private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();

  /**
   * Counts per latency bucket, not cumulative (one increment per request; {@link #render} sums them
   * up); the last slot is above the highest bound.
   */
  private final LongAdder[] latencyBuckets = new LongAdder[LATENCY_BUCKETS.length + 1];

  private final LongAdder latencySumMicros = new LongAdder();
  private final AtomicLong inFlight = new AtomicLong();

  /** Whether audit records can currently be written; read at scrape time. */
  private volatile BooleanSupplier auditHealthy = () -> true;

  /** Bytes the audit spool takes on disk, and its limit; read at scrape time. */
  private volatile LongSupplier auditSpoolBytes = () -> 0;

  private volatile LongSupplier auditSpoolMaxBytes = () -> 0;

  public Metrics() {
    for (int i = 0; i < latencyBuckets.length; i++) {
      latencyBuckets[i] = new LongAdder();
    }
  }

  public void auditHealth(BooleanSupplier healthy) {
    this.auditHealthy = healthy;
  }

  /** The audit spool's disk use and limit, as {@code proxy_audit_spool_bytes} and its max. */
  public void auditSpool(LongSupplier bytes, LongSupplier maxBytes) {
    this.auditSpoolBytes = bytes;
    this.auditSpoolMaxBytes = maxBytes;
  }

  public void requestStarted() {
    inFlight.incrementAndGet();
  }

  public void requestEnded(String route, int status, String outcome, long latencyNanos) {
    inFlight.decrementAndGet();
    requests.computeIfAbsent(route + "," + status, k -> new LongAdder()).increment();
    if (!"ok".equals(outcome)) {
      errors.computeIfAbsent(outcome, k -> new LongAdder()).increment();
    }
    double seconds = latencyNanos / 1e9;
    int bucket = 0;
    while (bucket < LATENCY_BUCKETS.length && seconds > LATENCY_BUCKETS[bucket]) {
      bucket++;
    }
    latencyBuckets[bucket].increment();
    latencySumMicros.add(latencyNanos / 1000);
  }

  public void finding(String entityType, String action) {
    findings.computeIfAbsent(entityType + "," + action, k -> new LongAdder()).increment();
  }

  public void restore(String entityType) {
    restores.computeIfAbsent(entityType, k -> new LongAdder()).increment();
  }

  public long inFlight() {
    return inFlight.get();
  }

  /** The Prometheus exposition text. */
  public String render() {
    StringBuilder out = new StringBuilder(2048);
    counter(
        out,
        "proxy_requests_total",
        "Requests by front door and status.",
        requests,
        "route",
        "status");
    counter(
        out,
        "proxy_findings_total",
        "Sensitive values found on the way in, by entity type and action.",
        findings,
        "entity_type",
        "action");
    counter(
        out, "proxy_restores_total", "Tokens restored on the way out.", restores, "entity_type");
    counter(out, "proxy_errors_total", "Requests that ended in an error, by code.", errors, "code");
    out.append(
            "# HELP proxy_request_duration_seconds Time from request to the end of the response.\n")
        .append("# TYPE proxy_request_duration_seconds histogram\n");
    long count = 0;
    for (int i = 0; i < LATENCY_BUCKETS.length; i++) {
      count += latencyBuckets[i].sum();
      out.append("proxy_request_duration_seconds_bucket{le=\"")
          .append(LATENCY_BUCKETS[i])
          .append("\"} ")
          .append(count)
          .append('\n');
    }
    count += latencyBuckets[LATENCY_BUCKETS.length].sum();
    out.append("proxy_request_duration_seconds_bucket{le=\"+Inf\"} ").append(count).append('\n');
    out.append("proxy_request_duration_seconds_sum ")
        .append(latencySumMicros.sum() / 1e6)
        .append('\n');
    out.append("proxy_request_duration_seconds_count ").append(count).append('\n');
    gauge(out, "proxy_requests_in_flight", "Requests being served now.", inFlight.get());
    gauge(
        out,
        "proxy_audit_healthy",
        "1 while audit records can be written to Kafka or the spool.",
        auditHealthy.getAsBoolean() ? 1 : 0);
    gauge(
        out,
        "proxy_audit_spool_bytes",
        "Disk the audit spool takes: records not yet shipped to Kafka (or all, without Kafka).",
        auditSpoolBytes.getAsLong());
    gauge(
        out,
        "proxy_audit_spool_max_bytes",
        "The audit spool's disk limit (audit.spool_max); at it, strict mode refuses traffic.",
        auditSpoolMaxBytes.getAsLong());
    return out.toString();
  }

  private static void counter(
      StringBuilder out,
      String name,
      String help,
      Map<String, LongAdder> values,
      String... labels) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(" counter\n");
    for (Map.Entry<String, LongAdder> e : new TreeMap<>(values).entrySet()) {
      String[] parts = e.getKey().split(",", -1);
      out.append(name).append('{');
      for (int i = 0; i < labels.length; i++) {
        if (i > 0) {
          out.append(',');
        }
        out.append(labels[i]).append("=\"").append(escape(parts[i])).append('"');
      }
      out.append("} ").append(e.getValue().sum()).append('\n');
    }
  }

  private static void gauge(StringBuilder out, String name, String help, long value) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(" gauge\n");
    out.append(name).append(' ').append(value).append('\n');
  }

  private static String escape(String value) {
    return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }
}
