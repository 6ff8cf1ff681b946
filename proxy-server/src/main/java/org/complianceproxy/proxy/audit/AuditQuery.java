package org.complianceproxy.proxy.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * An in-memory view of audit records for the officer tools ({@code audit query|report}, the admin
 * page): collects records once each (byte-identical redeliveries dropped by instance and seq), then
 * filters them, lays out one request's timeline, or counts them. Model and region filters also
 * match a request's findings and restores through the request's summary, which is where model and
 * region are written. Not thread-safe.
 */
public final class AuditQuery {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** One record and where it was read. */
  public record Item(String key, JsonNode json, String raw) {
    public String kind() {
      return json.path("kind").asText();
    }

    public String text(String field) {
      JsonNode v = json.get(field);
      return v == null || v.isNull() ? null : v.asText();
    }

    /** The record's time, or {@link Instant#EPOCH} when unreadable. */
    public Instant ts() {
      try {
        return Instant.parse(json.path("ts").asText());
      } catch (DateTimeParseException e) {
        return Instant.EPOCH;
      }
    }
  }

  /**
   * What to select; {@code null} fields select everything.
   *
   * @param since records at or after this time
   * @param until records before this time
   * @param key the Kafka key (request id, or instance for lifecycle records)
   * @param action a finding's action (case-insensitive) or a vault operation
   */
  public record Filter(
      Instant since,
      Instant until,
      String tenant,
      String key,
      String requestId,
      String entityType,
      String action,
      String model,
      String region,
      String kind) {

    public static final Filter ALL =
        new Filter(null, null, null, null, null, null, null, null, null, null);
  }

  /** Counts of findings per tenant, entity type and action, and of requests per tenant. */
  public record Report(
      Map<List<String>, Long> findings, Map<String, Long> requests, Map<String, Long> refusals) {}

  private final List<Item> items = new ArrayList<>();
  private final Set<String> seen = new HashSet<>();
  private final Map<String, JsonNode> summaries = new HashMap<>();
  private long duplicates;
  private long unreadable;

  /** Adds one record as read; returns false for a redelivered copy or a line that is not JSON. */
  public boolean add(String key, byte[] value) {
    JsonNode json;
    try {
      json = MAPPER.readTree(value);
    } catch (IOException e) {
      unreadable++;
      return false;
    }
    if (json == null || !json.isObject()) {
      unreadable++;
      return false;
    }
    String identity = json.path("instance").asText() + "\u0000" + json.path("seq").asText();
    if (!seen.add(identity)) {
      duplicates++;
      return false;
    }
    Item item = new Item(key, json, new String(value, java.nio.charset.StandardCharsets.UTF_8));
    items.add(item);
    if ("request_summary".equals(item.kind()) && item.text("request_id") != null) {
      summaries.put(item.text("request_id"), json);
    }
    return true;
  }

  public int size() {
    return items.size();
  }

  /** Redelivered copies that were dropped. */
  public long duplicates() {
    return duplicates;
  }

  public long unreadable() {
    return unreadable;
  }

  /** The records the filter selects, oldest first (by ts, then instance and seq). */
  public List<Item> matching(Filter f) {
    List<Item> out = new ArrayList<>();
    for (Item item : items) {
      if (matches(item, f)) {
        out.add(item);
      }
    }
    out.sort(ORDER);
    return out;
  }

  /** One request's records in the order written (by seq within the instance that wrote them). */
  public List<Item> timeline(String requestId) {
    List<Item> out = new ArrayList<>();
    for (Item item : items) {
      if (requestId.equals(item.text("request_id"))) {
        out.add(item);
      }
    }
    out.sort(
        Comparator.comparing(
                (Item i) -> i.text("instance"), Comparator.nullsFirst(String::compareTo))
            .thenComparingLong(i -> i.json().path("seq").asLong()));
    return out;
  }

  /** Counts over the records the filter selects. */
  public Report report(Filter f) {
    Map<List<String>, Long> findings = new TreeMap<>(LIST_ORDER);
    Map<String, Long> requests = new TreeMap<>();
    Map<String, Long> refusals = new TreeMap<>();
    for (Item item : matching(f)) {
      String tenant = item.text("tenant") == null ? "(none)" : item.text("tenant");
      switch (item.kind()) {
        case "finding" ->
            findings.merge(
                List.of(tenant, item.text("entity_type"), item.text("action")), 1L, Long::sum);
        case "request_summary" -> requests.merge(tenant, 1L, Long::sum);
        case "policy_refusal" -> refusals.merge(tenant, 1L, Long::sum);
        default -> {
          // Restores, vault operations and lifecycle records are not counted here.
        }
      }
    }
    return new Report(findings, requests, refusals);
  }

  private boolean matches(Item item, Filter f) {
    if (f.since() != null && item.ts().isBefore(f.since())) {
      return false;
    }
    if (f.until() != null && !item.ts().isBefore(f.until())) {
      return false;
    }
    JsonNode summary = summaries.get(String.valueOf(item.text("request_id")));
    return eq(f.tenant(), item.text("tenant"))
        && eq(f.key(), item.key())
        && eq(f.requestId(), item.text("request_id"))
        && eq(f.kind(), item.kind())
        && (f.entityType() == null || f.entityType().equalsIgnoreCase(item.text("entity_type")))
        && (f.action() == null
            || f.action().equalsIgnoreCase(item.text("action"))
            || f.action().equalsIgnoreCase(item.text("operation")))
        && viaSummary(f.model(), item, summary, "model")
        && viaSummary(f.region(), item, summary, "region");
  }

  private static boolean viaSummary(String wanted, Item item, JsonNode summary, String field) {
    if (wanted == null) {
      return true;
    }
    if (wanted.equals(item.text(field))) {
      return true;
    }
    return summary != null && wanted.equals(summary.path(field).asText(null));
  }

  private static boolean eq(String wanted, String actual) {
    return wanted == null || wanted.equals(actual);
  }

  private static final Comparator<Item> ORDER =
      Comparator.comparing(Item::ts)
          .thenComparing(i -> String.valueOf(i.text("instance")))
          .thenComparingLong(i -> i.json().path("seq").asLong());

  private static final Comparator<List<String>> LIST_ORDER =
      (a, b) -> {
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
          int c = String.valueOf(a.get(i)).compareTo(String.valueOf(b.get(i)));
          if (c != 0) {
            return c;
          }
        }
        return Integer.compare(a.size(), b.size());
      };
}
