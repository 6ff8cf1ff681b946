package org.complianceproxy.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.complianceproxy.dlp.EntityType;
import org.complianceproxy.proxy.audit.AuditRecords;
import org.complianceproxy.proxy.testing.KafkaBroker;
import org.complianceproxy.proxy.testing.LeakGuard;
import org.complianceproxy.proxy.testing.PiiCorpus;
import org.complianceproxy.proxy.testing.ProxyHarness;
import org.complianceproxy.proxy.token.TokenGrammar;
import org.complianceproxy.standin.OpenAiStandIn;
import org.complianceproxy.standin.StandInOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Requests through the proxy with a real Kafka broker as the audit sink: the topic holds, per
 * request, one record per finding, one per restored token and one summary, keyed and ordered by the
 * request id the client saw in {@code x-request-id}, with every documented field and no PII.
 */
@ExtendWith({LeakGuard.class, KafkaBroker.class})
class AuditToKafkaIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TOPIC = "audit-it-" + UUID.randomUUID();

  @TempDir static Path dataDir;

  private static OpenAiStandIn standIn;
  private static ProxyHarness proxy;

  @BeforeAll
  static void start() {
    standIn = OpenAiStandIn.start(StandInOptions.defaults().withApiKey(ProxyHarness.UPSTREAM_KEY));
    proxy =
        ProxyHarness.start(
            standIn.baseUrl(),
            "",
            Map.of("KAFKA_BOOTSTRAP_SERVERS", KafkaBroker.bootstrapServers(), "AUDIT_TOPIC", TOPIC),
            dataDir);
  }

  @AfterAll
  static void stop() {
    if (proxy != null) {
      proxy.close();
    }
    if (standIn != null) {
      standIn.close();
    }
  }

  @Test
  void everyRequestLeavesItsFindingsRestoresAndSummaryOnTheTopicWithoutPii() throws IOException {
    List<PiiCorpus.Message> corpus = new PiiCorpus(4242L).messages(30);
    Map<String, PiiCorpus.Message> byRequest = new LinkedHashMap<>();
    for (int i = 0; i < corpus.size(); i++) {
      PiiCorpus.Message message = corpus.get(i);
      boolean stream = i % 2 == 0;
      HttpResponse<String> response =
          proxy.chat(BadInputIT.chatBody("echo", message.text(), stream));
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.body()).contains(stream ? "[DONE]" : message.text());
      byRequest.put(response.headers().firstValue("x-request-id").orElseThrow(), message);
    }
    HttpResponse<String> refused =
        proxy.chat(BadInputIT.chatBody("echo", "hi", false), "Bearer nope");
    assertThat(refused.statusCode()).isEqualTo(401);
    String refusedId = refused.headers().firstValue("x-request-id").orElseThrow();

    Map<String, List<ConsumerRecord<String, String>>> records =
        readUntilSummaries(byRequest.size() + 1, Duration.ofSeconds(60));

    List<String> allPii = corpus.stream().flatMap(m -> m.piiValues().stream()).toList();
    for (Map.Entry<String, PiiCorpus.Message> entry : byRequest.entrySet()) {
      String requestId = entry.getKey();
      List<ConsumerRecord<String, String>> ofRequest = records.get(requestId);
      assertThat(ofRequest).as("records of %s", requestId).isNotNull();
      List<JsonNode> values = new ArrayList<>();
      for (ConsumerRecord<String, String> record : ofRequest) {
        assertThat(record.key()).isEqualTo(requestId);
        for (String pii : allPii) {
          assertThat(record.value()).as("record of %s", requestId).doesNotContain(pii);
        }
        AuditRecords.assertValid(record.value());
        values.add(JSON.readTree(record.value()));
      }
      List<JsonNode> findings = ofKind(values, "finding");
      List<JsonNode> restores = ofKind(values, "restore");
      List<JsonNode> summaries = ofKind(values, "request_summary");
      assertThat(summaries).hasSize(1);
      JsonNode summary = summaries.get(0);
      assertThat(findings.size())
          .as("findings of %s", requestId)
          .isGreaterThanOrEqualTo(entry.getValue().piiValues().size())
          .isEqualTo(summary.path("findings").asInt());
      long tokenized =
          findings.stream().filter(f -> "TOKENIZE".equals(f.path("action").asText())).count();
      // The stand-in echoes every token once, so each one comes back exactly once.
      assertThat(restores).hasSize((int) tokenized);
      assertThat(summary.path("restores").asInt()).isEqualTo(restores.size());
      // One request's records stay in order: findings, then restores, then the summary.
      assertThat(values.get(values.size() - 1).path("kind").asText()).isEqualTo("request_summary");
      assertThat(values.subList(0, findings.size()))
          .allMatch(v -> "finding".equals(v.path("kind").asText()));

      for (JsonNode v : values) {
        assertThat(v.path("schema_version").asInt()).isEqualTo(1);
        assertThat(v.path("request_id").asText()).isEqualTo(requestId);
        assertThat(v.path("tenant").asText()).isEqualTo(ProxyHarness.TENANT);
        assertThat(v.path("ts").asText()).isNotBlank();
        assertThat(v.path("instance").asText()).isNotBlank();
      }
      for (JsonNode f : findings) {
        assertThat(EntityType.valueOf(f.path("entity_type").asText())).isNotNull();
        assertThat(f.path("rule_id").asText()).isNotBlank();
        assertThat(f.path("fingerprint").asText()).matches("[0-9a-f]{16,64}");
        assertThat(f.path("field_path").asText()).isEqualTo("/messages/0/content");
        assertThat(f.path("end").asInt()).isGreaterThan(f.path("start").asInt());
        if ("TOKENIZE".equals(f.path("action").asText())) {
          assertThat(TokenGrammar.isToken(f.path("token").asText())).isTrue();
        }
      }
      for (JsonNode r : restores) {
        assertThat(TokenGrammar.isToken(r.path("token").asText())).isTrue();
        assertThat(r.path("source").asText()).isEqualTo("request");
      }
      assertThat(summary.path("route").asText()).isEqualTo("openai.chat.completions");
      assertThat(summary.path("upstream").asText()).isEqualTo("openai");
      assertThat(summary.path("region").asText()).isNotBlank();
      assertThat(summary.path("model").asText()).isEqualTo("echo");
      assertThat(summary.path("status").asInt()).isEqualTo(200);
      assertThat(summary.path("outcome").asText()).isEqualTo("ok");
      assertThat(summary.path("latency_millis").asLong()).isGreaterThanOrEqualTo(0);
    }

    List<ConsumerRecord<String, String>> refusal = records.get(refusedId);
    assertThat(refusal).hasSize(1);
    AuditRecords.assertValid(refusal.get(0).value());
    JsonNode refusedSummary = JSON.readTree(refusal.get(0).value());
    assertThat(refusedSummary.path("status").asInt()).isEqualTo(401);
    assertThat(refusedSummary.path("outcome").asText()).isEqualTo("invalid_api_key");
    assertThat(refusedSummary.path("tenant").isNull()).isTrue();
  }

  private static List<JsonNode> ofKind(List<JsonNode> values, String kind) {
    return values.stream().filter(v -> kind.equals(v.path("kind").asText())).toList();
  }

  private static Map<String, List<ConsumerRecord<String, String>>> readUntilSummaries(
      int summaries, Duration timeout) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaBroker.bootstrapServers());
    props.put(ConsumerConfig.GROUP_ID_CONFIG, "audit-it-" + UUID.randomUUID());
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    Map<String, List<ConsumerRecord<String, String>>> byRequest = new HashMap<>();
    int seen = 0;
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
      consumer.subscribe(List.of(TOPIC));
      long deadline = System.nanoTime() + timeout.toNanos();
      while (seen < summaries && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
          byRequest.computeIfAbsent(record.key(), k -> new ArrayList<>()).add(record);
          if (record.value().contains("\"kind\":\"request_summary\"")) {
            seen++;
          }
        }
      }
    }
    assertThat(seen).as("summaries read from %s", TOPIC).isEqualTo(summaries);
    return byRequest;
  }
}
