package org.complianceproxy.proxy.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.complianceproxy.proxy.audit.AuditKafkaReader;
import org.complianceproxy.proxy.audit.AuditQuery;
import org.complianceproxy.proxy.audit.KafkaAuditSink;
import org.complianceproxy.proxy.audit.SpoolAuditSink;
import picocli.CommandLine.Option;

/**
 * Where the {@code audit} commands read records: the Kafka topic ({@code --bootstrap-servers} or
 * {@code KAFKA_BOOTSTRAP_SERVERS}, {@code --topic} or {@code AUDIT_TOPIC}, like {@code serve}), or
 * a proxy's local spool ({@code --spool DATA_DIR}) when no Kafka is used. A picocli mixin.
 */
public final class AuditSource {

  /** One record read, with its stream and position there (partition and offset, or file line). */
  @FunctionalInterface
  interface Sink {
    void accept(String stream, long position, String key, byte[] value);
  }

  @Option(
      names = "--bootstrap-servers",
      paramLabel = "HOST:PORT,...",
      defaultValue = "${env:KAFKA_BOOTSTRAP_SERVERS}",
      description = "Kafka to read from (default: $KAFKA_BOOTSTRAP_SERVERS).")
  String bootstrapServers;

  @Option(
      names = "--topic",
      paramLabel = "TOPIC",
      defaultValue = "${env:AUDIT_TOPIC:-" + KafkaAuditSink.DEFAULT_TOPIC + "}",
      description = "Audit topic (default: $AUDIT_TOPIC or ${DEFAULT-VALUE}).")
  String topic;

  @Option(
      names = "--spool",
      paramLabel = "DATA_DIR",
      description = "Read the local spool under DATA_DIR/audit instead of Kafka.")
  Path spool;

  @Option(names = "--quiet", description = "No progress on standard error.")
  boolean quiet;

  @Option(
      names = "--max-delivery-delay",
      paramLabel = "AGE",
      defaultValue = "1d",
      description = {
        "With --until: how late after its time a record may have reached Kafka (a Kafka outage",
        "delays shipping); reading stops at records shipped this long after --until"
            + " (default: ${DEFAULT-VALUE}; 30m, 24h, 7d)."
      })
  String maxDeliveryDelay;

  /** Reads every record; returns how many. Progress goes to {@code err} every half second. */
  long readAll(Sink sink, PrintWriter err) {
    return read(null, null, sink, err);
  }

  /**
   * The records that can match {@code filter}, read into a query (only its time range narrows the
   * read; the query applies the rest).
   */
  AuditQuery readFor(AuditQuery.Filter filter, PrintWriter err) {
    AuditQuery query = new AuditQuery();
    read(
        filter.since(),
        filter.until(),
        (stream, position, key, value) -> query.add(key, value),
        err);
    return query;
  }

  /**
   * Reads the records that can fall into {@code [since, until)} (null: open), using the Kafka
   * timestamps to skip the rest of the topic ({@link AuditKafkaReader#readRange}); the spool is
   * read whole. Callers still filter by time. Returns how many records were read.
   */
  long read(Instant since, Instant until, Sink sink, PrintWriter err) {
    if (spool != null) {
      return readSpool(sink);
    }
    requireKafka();
    Duration delay = deliveryDelay();
    Progress progress = new Progress(err, quiet, topic);
    try (AuditKafkaReader reader = new AuditKafkaReader(bootstrapServers, topic)) {
      if (reader.partitionCount() == 0) {
        throw new IllegalArgumentException(
            "topic: '" + topic + "' does not exist on " + bootstrapServers);
      }
      long read =
          reader.readRange(
              since,
              until,
              delay,
              line -> sink.accept(line.stream(), line.offset(), line.key(), line.value()),
              progress::update);
      progress.done(read);
      return read;
    }
  }

  private Duration deliveryDelay() {
    Instant now = Instant.now();
    Instant then = AuditFilterOptions.time("--max-delivery-delay", maxDeliveryDelay, now);
    if (then == null || then.isAfter(now) || maxDeliveryDelay.contains("T")) {
      throw new IllegalArgumentException(
          "--max-delivery-delay: '"
              + maxDeliveryDelay
              + "' (expected: an age such as 30m, 24h, 7d)");
    }
    return Duration.between(then, now);
  }

  /** Follows the topic, starting {@code last} records before the end of each partition. */
  void follow(long last, Sink sink, java.util.function.BooleanSupplier stop) {
    if (spool != null) {
      throw new IllegalArgumentException("--spool: tail follows Kafka only (expected: no --spool)");
    }
    requireKafka();
    try (AuditKafkaReader reader = new AuditKafkaReader(bootstrapServers, topic)) {
      reader.follow(
          last, line -> sink.accept(line.stream(), line.offset(), line.key(), line.value()), stop);
    }
  }

  String describe() {
    return spool != null ? "spool " + spool : "topic " + topic + " on " + bootstrapServers;
  }

  private void requireKafka() {
    if (bootstrapServers == null || bootstrapServers.isBlank()) {
      throw new IllegalArgumentException(
          "--bootstrap-servers: none (expected: --bootstrap-servers, KAFKA_BOOTSTRAP_SERVERS or"
              + " --spool DATA_DIR)");
    }
  }

  private long readSpool(Sink sink) {
    long read = 0;
    List<Path> files = SpoolAuditSink.spoolFiles(spool);
    for (Path file : files) {
      try {
        for (String text : Files.readAllLines(file, StandardCharsets.UTF_8)) {
          if (!text.isBlank()) {
            sink.accept("spool", read, null, text.getBytes(StandardCharsets.UTF_8));
            read++;
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + file, e);
      }
    }
    return read;
  }

  /**
   * On standard error: what will be read, then "read 1,200 of 50,000 records (2%)" at most twice a
   * second.
   */
  private static final class Progress {
    private final PrintWriter err;
    private final boolean quiet;
    private final String topic;
    private long lastNanos = System.nanoTime();
    private boolean shown;
    private boolean started;

    Progress(PrintWriter err, boolean quiet, String topic) {
      this.err = err;
      this.quiet = quiet;
      this.topic = topic;
    }

    void update(long read, long total) {
      if (quiet) {
        return;
      }
      if (!started) {
        started = true;
        err.printf("audit: reading %,d records of topic %s%n", total, topic);
        err.flush();
      }
      if (System.nanoTime() - lastNanos < 500_000_000L) {
        return;
      }
      lastNanos = System.nanoTime();
      shown = true;
      err.printf(
          "\raudit: read %,d of %,d records (%d%%)",
          read, total, total == 0 ? 100 : read * 100 / total);
      err.flush();
    }

    void done(long read) {
      if (shown) {
        err.printf("\raudit: read %,d records%30s%n", read, "");
      }
    }
  }
}
