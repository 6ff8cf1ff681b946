package org.complianceproxy.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.complianceproxy.proxy.audit.AuditRecords;
import org.complianceproxy.proxy.cli.AuditCommand;
import org.complianceproxy.proxy.testing.KafkaBroker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import picocli.CommandLine;

/**
 * The officers' {@code audit} subcommands against a real Kafka topic: {@code verify} finds a
 * deleted record, a reordered pair and an altered field; {@code query}, {@code report} and {@code
 * tail} filter and format.
 */
@ExtendWith(KafkaBroker.class)
class AuditCliIT {

  private record Run(int exit, String out, String err) {}

  @Test
  void verifyPassesAnIntactTrailOfTwoInstances() {
    List<String> trail = new ArrayList<>(AuditRecords.sampleTrail("proxy-a", 4));
    trail.addAll(AuditRecords.sampleTrail("proxy-b", 3));
    String topic = publish(trail);

    Run run = audit("verify", "--topic", topic);

    assertThat(run.exit()).as(run.out()).isZero();
    assertThat(run.out())
        .contains(trail.size() + " records, 2 instance chains")
        .contains("proxy-a: 18 records, seq 0..17, 0 duplicate deliveries, stopped cleanly, intact")
        .contains("OK: every chain is intact");
  }

  @Test
  void verifyFindsADeletedRecord() {
    List<String> trail = new ArrayList<>(AuditRecords.sampleTrail("proxy-a", 4));
    trail.remove(6);

    Run run = audit("verify", "--topic", publish(trail));

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.out()).contains("PROBLEM gap: proxy-a seq 6 missing").contains("FAILED");
  }

  @Test
  void verifyFindsAReorderedPair() {
    List<String> trail = new ArrayList<>(AuditRecords.sampleTrail("proxy-a", 4));
    Collections.swap(trail, 9, 10);

    Run run = audit("verify", "--topic", publish(trail));

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.out()).contains("PROBLEM reordered: proxy-a seq 9 comes after seq 10");
  }

  @Test
  void verifyFindsAnAlteredField() {
    List<String> trail = new ArrayList<>(AuditRecords.sampleTrail("proxy-a", 4));
    trail.set(5, trail.get(5).replace("\"action\":\"TOKENIZE\"", "\"action\":\"ALLOW\""));

    Run run = audit("verify", "--topic", publish(trail));

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.out()).contains("PROBLEM broken link: proxy-a seq 6 does not follow seq 5");
  }

  @Test
  void verifyIgnoresARedeliveredCopyButCountsIt() {
    List<String> trail = new ArrayList<>(AuditRecords.sampleTrail("proxy-a", 2));
    trail.add(trail.get(trail.size() - 1));

    Run run = audit("verify", "--topic", publish(trail));

    assertThat(run.exit()).isZero();
    assertThat(run.out()).contains("1 duplicate deliveries");
  }

  @Test
  void verifyOfAMissingTopicExitsWithTwo() {
    Run run = audit("verify", "--topic", "audit-cli-missing-" + UUID.randomUUID());

    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.err()).contains("does not exist");
  }

  @Test
  void queryFiltersByEntityTypeRequestAndModelInEveryFormat() throws Exception {
    String topic = publish(AuditRecords.sampleTrail("proxy-a", 3));

    Run table = audit("query", "--topic", topic, "--entity-type", "CARD", "--kind", "finding");
    Run csv = audit("query", "--topic", topic, "--request-id", "proxy-a-req-1", "--format", "csv");
    Run jsonl =
        audit(
            "query",
            "--topic",
            topic,
            "--model",
            "gpt-4o-mini",
            "--kind",
            "restore",
            "--format",
            "jsonl");
    Run none = audit("query", "--topic", topic, "--region", "us-east-1");

    assertThat(table.exit()).isZero();
    List<String> tableLines = table.out().lines().toList();
    assertThat(tableLines.get(0)).startsWith("ts").contains("entity_type").contains("action");
    assertThat(tableLines).hasSize(1 + 6);
    assertThat(tableLines.subList(1, 7)).allMatch(l -> l.contains("finding") && l.contains("CARD"));
    List<String> csvLines = csv.out().lines().toList();
    assertThat(csvLines.get(0))
        .isEqualTo(
            String.join(
                ",",
                List.of(
                    "ts",
                    "kind",
                    "tenant",
                    "request_id",
                    "entity_type",
                    "action",
                    "token",
                    "model",
                    "region",
                    "status",
                    "outcome",
                    "instance",
                    "seq")));
    assertThat(csvLines).hasSize(1 + 4);
    assertThat(csvLines.get(4)).contains(",request_summary,acme,proxy-a-req-1,");
    List<String> restores = jsonl.out().lines().toList();
    assertThat(restores).hasSize(3);
    for (String line : restores) {
      AuditRecords.assertValid(line);
      assertThat(AuditRecords.parse(line).path("kind").asText()).isEqualTo("restore");
    }
    assertThat(none.out().lines()).hasSize(1);
  }

  @Test
  void reportCountsFindingsPerTenantEntityTypeAndActionAndRequestsPerTenant() {
    String topic = publish(AuditRecords.sampleTrail("proxy-a", 3));

    Run run =
        audit("report", "--topic", topic, "--format", "csv", "--since", "2025-01-01T00:00:00Z");
    Run later =
        audit("report", "--topic", topic, "--format", "csv", "--since", "2026-01-01T00:00:00Z");

    assertThat(run.exit()).isZero();
    assertThat(run.out().lines())
        .containsExactly(
            "what,tenant,entity_type,action,count",
            "finding,acme,CARD,TOKENIZE,6",
            "request,acme,,,3");
    assertThat(later.out().lines()).containsExactly("what,tenant,entity_type,action,count");
  }

  @Test
  void tailPrintsTheLastRecordsThatMatch() {
    String topic = publish(AuditRecords.sampleTrail("proxy-a", 3));

    Run run =
        audit(
            "tail",
            "--topic",
            topic,
            "--last",
            "100",
            "--kind",
            "request_summary",
            "--max-records",
            "3",
            "--max-seconds",
            "30");

    assertThat(run.exit()).isZero();
    assertThat(run.out().lines()).hasSize(3).allMatch(l -> l.contains("\"request_summary\""));
  }

  @Test
  void missingBootstrapServersIsAUsageError() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli =
        new CommandLine(new AuditCommand())
            .setOut(new PrintWriter(out, true))
            .setErr(new PrintWriter(err, true));
    int exit = cli.execute("query", "--bootstrap-servers", "", "--topic", "t");

    assertThat(exit).isEqualTo(2);
    assertThat(err.toString()).contains("--bootstrap-servers");
  }

  private static Run audit(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.add(1, "--bootstrap-servers");
    all.add(2, KafkaBroker.bootstrapServers());
    all.add("--quiet");
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit =
        new CommandLine(new AuditCommand())
            .setOut(new PrintWriter(out, true))
            .setErr(new PrintWriter(err, true))
            .execute(all.toArray(String[]::new));
    return new Run(exit, out.toString(), err.toString());
  }

  /** Writes the lines, in order, to partition 0 of a new topic, keyed like the proxy keys them. */
  private static String publish(List<String> lines) {
    String topic = "audit-cli-" + UUID.randomUUID();
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                KafkaBroker.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG,
                "all"),
            new StringSerializer(),
            new StringSerializer())) {
      for (String line : lines) {
        String key = AuditRecords.parse(line).path("request_id").asText("proxy");
        producer.send(new ProducerRecord<>(topic, 0, key, line));
      }
      producer.flush();
    }
    return topic;
  }
}
