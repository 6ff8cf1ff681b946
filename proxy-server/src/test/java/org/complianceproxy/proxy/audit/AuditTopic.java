package org.complianceproxy.proxy.audit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a whole audit topic for integration tests and checks the delivery guarantees over it: every
 * request complete, no record twice, each request's records in order, every chain intact, every
 * record valid and free of the corpus's PII.
 */
public final class AuditTopic {

  /** One record as read, with where it was. */
  public record Entry(int partition, long offset, String key, String value, JsonNode json) {}

  private AuditTopic() {}

  /** Every record now in the topic, partition by partition in offset order. */
  public static List<Entry> readAll(String bootstrapServers, String topic) {
    List<Entry> entries = new ArrayList<>();
    try (AuditKafkaReader reader = new AuditKafkaReader(bootstrapServers, topic)) {
      reader.readAll(
          line -> {
            String value = new String(line.value(), UTF_8);
            entries.add(
                new Entry(
                    line.partition(), line.offset(), line.key(), value, AuditRecords.parse(value)));
          },
          null);
    }
    return entries;
  }

  /** Reads until every request id has its summary in the topic, or fails after {@code timeout}. */
  public static List<Entry> awaitSummaries(
      String bootstrapServers, String topic, Collection<String> requestIds, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      List<Entry> entries = readAll(bootstrapServers, topic);
      Set<String> summarized = new HashSet<>();
      for (Entry e : entries) {
        if ("request_summary".equals(e.json().path("kind").asText())) {
          summarized.add(e.json().path("request_id").asText());
        }
      }
      if (summarized.containsAll(requestIds)) {
        return entries;
      }
      assertThat(System.nanoTime() - deadline)
          .as(
              "waited %s for the summaries of %d requests; %d missing",
              timeout,
              requestIds.size(),
              requestIds.stream().filter(id -> !summarized.contains(id)).count())
          .isNegative();
      Thread.sleep(500);
    }
  }

  /**
   * Asserts the delivery guarantees: each of {@code requestIds} has exactly one summary, as its
   * last record, with as many findings and restores before it as it counts; each request's records
   * are on one partition in chain order; no record appears twice; every instance chain is intact
   * from seq 0; every record matches its schema and contains none of {@code piiValues}.
   */
  public static void assertCompleteOnceInOrder(
      List<Entry> entries, Collection<String> requestIds, Collection<String> piiValues) {
    List<String> values = entries.stream().map(Entry::value).toList();
    AuditRecords.assertAllValid(values);
    AuditRecords.assertNoPii(values, piiValues);
    assertThat(new HashSet<>(values)).as("no record twice").hasSize(values.size());

    AuditVerifier verifier = new AuditVerifier(false);
    for (Entry e : entries) {
      verifier.accept("partition " + e.partition(), e.offset(), e.value());
    }
    AuditVerifier.Report report = verifier.report();
    assertThat(report.problems()).as("chain problems").isEmpty();
    for (AuditVerifier.InstanceStatus chain : report.instances()) {
      assertThat(chain.firstSeq()).as("first seq of %s", chain.instance()).isZero();
      assertThat(chain.duplicates()).as("duplicates of %s", chain.instance()).isZero();
    }

    Map<String, List<Entry>> byRequest = new LinkedHashMap<>();
    for (Entry e : entries) {
      String requestId = e.json().path("request_id").asText(null);
      if (requestId != null) {
        byRequest.computeIfAbsent(requestId, k -> new ArrayList<>()).add(e);
      }
    }
    for (String requestId : requestIds) {
      List<Entry> own = byRequest.get(requestId);
      assertThat(own).as("records of %s", requestId).isNotNull();
      assertThat(own.stream().map(Entry::partition).distinct()).as("partitions").hasSize(1);
      JsonNode summary = own.get(own.size() - 1).json();
      assertThat(summary.path("kind").asText())
          .as("last record of %s", requestId)
          .isEqualTo("request_summary");
      List<String> kinds = own.stream().map(e -> e.json().path("kind").asText()).toList();
      assertThat(kinds.stream().filter("request_summary"::equals)).hasSize(1);
      assertThat(kinds.stream().filter("finding"::equals))
          .as("findings of %s", requestId)
          .hasSize(summary.path("findings").asInt());
      assertThat(kinds.stream().filter("restore"::equals))
          .as("restores of %s", requestId)
          .hasSize(summary.path("restores").asInt());
      List<String> order = new ArrayList<>(kinds);
      order.sort((a, b) -> Integer.compare(rank(a), rank(b)));
      assertThat(kinds).as("order of %s", requestId).containsExactlyElementsOf(order);
      long previous = -1;
      String instance = own.get(0).json().path("instance").asText();
      for (Entry e : own) {
        if (e.json().path("instance").asText().equals(instance)) {
          assertThat(e.json().path("seq").asLong()).isGreaterThan(previous);
          previous = e.json().path("seq").asLong();
        }
      }
    }
  }

  private static int rank(String kind) {
    return switch (kind) {
      case "finding", "policy_refusal" -> 0;
      case "restore" -> 1;
      default -> 2;
    };
  }
}
