package org.complianceproxy.proxy.audit;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ships spool files to Kafka, oldest first and line by line, on a thread of its own: sends a batch,
 * waits until Kafka acknowledged all of it ({@code flush}), then moves its checkpoint ({@code
 * shipped.checkpoint} in the spool directory: file name and byte offset) past the batch and deletes
 * files that are completely shipped and no longer written. The checkpoint survives restarts, so a
 * new process resumes where the last one stopped.
 *
 * <p>Only the longest acknowledged prefix of a batch counts as shipped; the rest is sent again
 * after a pause, with a new producer. Within one producer the broker drops retried duplicates
 * (idempotence); a line sent again by a new producer (after an error, or after a crash before the
 * checkpoint was written) may reach the topic twice, byte-identical.
 */
final class SpoolShipper {

  private static final Logger log = LoggerFactory.getLogger(SpoolShipper.class);

  static final String CHECKPOINT = "shipped.checkpoint";
  private static final int BATCH_BYTES = 1 << 20;
  private static final int BATCH_LINES = 5_000;
  private static final Duration IDLE_WAIT = Duration.ofMillis(50);
  private static final Duration ERROR_PAUSE = Duration.ofSeconds(1);
  private static final JsonFactory JSON = new JsonFactory();
  private static final byte[] REQUEST_ID = "request_id".getBytes(US_ASCII);
  private static final byte[] INSTANCE = "instance".getBytes(US_ASCII);
  private static final byte[] NULL = "null".getBytes(US_ASCII);

  private final SpoolAuditSink spool;
  private final Path directory;
  private final Supplier<Producer<String, byte[]>> producers;
  private final String topic;
  private final long stallNanos;
  private final Thread thread;
  private final AtomicLong delivered = new AtomicLong();
  // Shipper thread only: what read() reads a batch into, reused.
  private final ByteBuffer readBuffer = ByteBuffer.allocate(BATCH_BYTES);
  // Whether the last batch was acknowledged (or, before any, whether start-up found the topic).
  private volatile boolean kafkaUp;
  // When the batch in flight was sent, or -1 while none is.
  private volatile long batchStartNanos = -1;
  private volatile boolean finishing;
  private volatile long finishDeadlineNanos;
  // The producer in use; read by finish() to force it closed.
  private volatile Producer<String, byte[]> producer;

  // Shipper thread only from here on.
  // The file being shipped, or null to pick the next one.
  private Path file;
  // Bytes of file already shipped.
  private long offset;
  // Name of the last file known to be shipped completely (files sorting before it are done).
  private String lastDone = "";

  SpoolShipper(
      SpoolAuditSink spool,
      Supplier<Producer<String, byte[]>> producers,
      String topic,
      Duration stallTimeout,
      boolean kafkaUp) {
    this.spool = spool;
    this.directory = spool.directory();
    this.producers = producers;
    this.topic = topic;
    this.stallNanos = stallTimeout.toNanos();
    this.kafkaUp = kafkaUp;
    this.thread = new Thread(this::run, "audit-shipper");
    thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  boolean deliveringToKafka() {
    long started = batchStartNanos;
    return kafkaUp && (started < 0 || System.nanoTime() - started < stallNanos);
  }

  long deliveredCount() {
    return delivered.get();
  }

  /**
   * After the spool is closed: ships what is left for at most {@code timeout}, then stops and
   * closes the producer.
   */
  void finish(Duration timeout) {
    finishDeadlineNanos = System.nanoTime() + timeout.toNanos();
    finishing = true;
    try {
      thread.join(Math.max(1, timeout.toMillis()));
      if (thread.isAlive()) {
        Producer<String, byte[]> stuck = producer;
        if (stuck != null) {
          // Aborts the batches Kafka did not take; they stay in the spool for the next start.
          stuck.close(Duration.ZERO);
        }
        thread.join(Duration.ofSeconds(10).toMillis());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (thread.isAlive()) {
      log.error("audit shipper did not stop; unshipped records stay in {}", directory);
    }
  }

  private void run() {
    loadCheckpoint();
    while (true) {
      boolean shipped;
      try {
        shipped = shipOnce();
      } catch (IOException | RuntimeException e) {
        closeProducer();
        if (kafkaUp || batchStartNanos >= 0) {
          log.warn(
              "audit shipping to Kafka topic {} failed; records stay in the spool and are sent"
                  + " again",
              topic,
              e);
        }
        kafkaUp = false;
        batchStartNanos = -1;
        if (finishing && System.nanoTime() - finishDeadlineNanos >= 0) {
          break;
        }
        sleep(ERROR_PAUSE);
        continue;
      }
      if (shipped) {
        continue;
      }
      if (finishing && (spool.finished() || System.nanoTime() - finishDeadlineNanos >= 0)) {
        if (caughtUp() || System.nanoTime() - finishDeadlineNanos >= 0) {
          break;
        }
      }
      try {
        spool.awaitSync(IDLE_WAIT.toMillis());
      } catch (InterruptedException e) {
        break;
      }
    }
    closeProducer();
    long left = SpoolAuditSink.spoolFiles(directory.getParent()).size();
    if (left > 0) {
      log.info("audit shipper stopped; {} spool files wait for the next start", left);
    }
  }

  // True when every file is shipped and deleted; the current file (if any) is never caught up.
  private boolean caughtUp() {
    return SpoolAuditSink.spoolFiles(directory.getParent()).isEmpty();
  }

  // Ships one batch; false when there was nothing to ship.
  private boolean shipOnce() throws IOException {
    if (file == null && !pickNextFile()) {
      return false;
    }
    Batch batch = read(file, offset);
    if (batch.lines.isEmpty()) {
      if (file.equals(spool.currentFile())) {
        return false;
      }
      // Closed files never grow again: once read to the end (bar a line torn by a crash) it is
      // shipped.
      if (batch.tornBytes > 0) {
        log.warn(
            "audit spool file {} ends in {} bytes without a newline (a write cut short by a crash);"
                + " they are not shipped",
            file.getFileName(),
            batch.tornBytes);
      }
      lastDone = file.getFileName().toString();
      try {
        spool.delete(file);
      } catch (NoSuchFileException gone) {
        // Deleted by someone else; nothing to free.
      }
      file = null;
      offset = 0;
      return true;
    }
    send(batch);
    return true;
  }

  // One batch in one transaction; on any error but a commit timeout the caller drops the producer,
  // and the next one's initTransactions aborts what this one left open.
  private void send(Batch batch) throws IOException {
    if (producer == null) {
      Producer<String, byte[]> fresh = producers.get();
      producer = fresh;
      fresh.initTransactions();
    }
    batchStartNanos = System.nanoTime();
    producer.beginTransaction();
    for (byte[] line : batch.lines) {
      producer.send(new ProducerRecord<>(topic, keyOf(line), line));
    }
    commit();
    long bytes = 0;
    for (byte[] line : batch.lines) {
      bytes += line.length + 1;
    }
    offset += bytes;
    delivered.addAndGet(batch.lines.size());
    saveCheckpoint();
    batchStartNanos = -1;
    if (!kafkaUp) {
      kafkaUp = true;
      log.info("audit records reach Kafka topic {} again", topic);
    }
  }

  // A commit that times out may or may not have happened: only retrying it tells, never a resend.
  private void commit() {
    while (true) {
      try {
        producer.commitTransaction();
        return;
      } catch (TimeoutException e) {
        if (kafkaUp) {
          kafkaUp = false;
          log.warn(
              "audit records cannot be committed to Kafka topic {}; they wait in the spool", topic);
        }
        if (finishing && System.nanoTime() - finishDeadlineNanos >= 0) {
          throw e;
        }
      }
    }
  }

  private boolean pickNextFile() {
    for (Path candidate : SpoolAuditSink.spoolFiles(directory.getParent())) {
      if (candidate.getFileName().toString().compareTo(lastDone) > 0) {
        file = candidate;
        offset = 0;
        return true;
      }
    }
    return false;
  }

  // Complete lines of file from offset, up to a batch; counts a trailing fragment as torn.
  private Batch read(Path file, long offset) throws IOException {
    Batch batch = new Batch();
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = channel.size();
      if (size <= offset) {
        return batch;
      }
      ByteBuffer buffer = readBuffer.clear().limit((int) Math.min(BATCH_BYTES, size - offset));
      while (buffer.hasRemaining() && channel.read(buffer, offset + buffer.position()) > 0) {
        // Reads until the buffer is full or the file ends.
      }
      byte[] bytes = buffer.array();
      int length = buffer.position();
      int start = 0;
      for (int i = 0; i < length && batch.lines.size() < BATCH_LINES; i++) {
        if (bytes[i] == '\n') {
          batch.lines.add(Arrays.copyOfRange(bytes, start, i));
          start = i + 1;
        }
      }
      if (batch.lines.isEmpty() && length == size - offset) {
        batch.tornBytes = length;
      }
      if (batch.lines.isEmpty() && length == BATCH_BYTES) {
        throw new IOException(
            "audit spool file " + file.getFileName() + " has a line longer than 1 MiB");
      }
    }
    return batch;
  }

  /**
   * The Kafka key: request_id, or instance for records of no request (written by AuditJson). Reads
   * the envelope's flat fields in place; a line laid out otherwise (escapes, white space, a nested
   * value before request_id) goes to the JSON parser, which gives the same answer more slowly.
   */
  static String keyOf(byte[] line) {
    if (line.length == 0 || line[0] != '{') {
      return parsedKeyOf(line);
    }
    String instance = null;
    int p = 1;
    while (p < line.length && line[p] == '"') {
      int nameEnd = plainStringEnd(line, p);
      int v = nameEnd + 2;
      if (nameEnd < 0 || v >= line.length || line[nameEnd + 1] != ':') {
        return parsedKeyOf(line);
      }
      boolean isRequestId = nameIs(line, p, nameEnd, REQUEST_ID);
      int valueEnd;
      if (line[v] == '"') {
        valueEnd = plainStringEnd(line, v);
        if (valueEnd < 0) {
          return parsedKeyOf(line);
        }
        String value = new String(line, v + 1, valueEnd - v - 1, UTF_8);
        if (isRequestId) {
          return value;
        }
        if (nameIs(line, p, nameEnd, INSTANCE)) {
          instance = value;
        }
        valueEnd++;
      } else if (isRequestId) {
        boolean isNull =
            nameIs(line, v - 1, v + 4, NULL)
                && v + 4 < line.length
                && (line[v + 4] == ',' || line[v + 4] == '}');
        return isNull ? instance : parsedKeyOf(line);
      } else {
        valueEnd = v;
        while (valueEnd < line.length && line[valueEnd] != ',' && line[valueEnd] != '}') {
          byte b = line[valueEnd];
          if (b == '"' || b == '{' || b == '[' || b <= ' ') {
            return parsedKeyOf(line);
          }
          valueEnd++;
        }
      }
      if (valueEnd >= line.length || line[valueEnd] != ',') {
        return parsedKeyOf(line);
      }
      p = valueEnd + 1;
    }
    return parsedKeyOf(line);
  }

  // Index of the quote closing the string that opens at start, or -1 if it has an escape or no end.
  private static int plainStringEnd(byte[] line, int start) {
    for (int i = start + 1; i < line.length; i++) {
      if (line[i] == '"') {
        return i;
      }
      if (line[i] == '\\') {
        return -1;
      }
    }
    return -1;
  }

  // Whether the bytes strictly between open and close are name.
  private static boolean nameIs(byte[] line, int open, int close, byte[] name) {
    return close <= line.length && Arrays.equals(line, open + 1, close, name, 0, name.length);
  }

  // keyOf by the JSON parser.
  static String parsedKeyOf(byte[] line) {
    String requestId = null;
    String instance = null;
    try (JsonParser parser = JSON.createParser(line)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String name = parser.currentName();
        JsonToken value = parser.nextToken();
        if ("instance".equals(name) && value == JsonToken.VALUE_STRING) {
          instance = parser.getText();
        } else if ("request_id".equals(name)) {
          requestId = value == JsonToken.VALUE_STRING ? parser.getText() : null;
          break;
        } else {
          parser.skipChildren();
        }
      }
    } catch (IOException e) {
      return null;
    }
    return requestId != null ? requestId : instance;
  }

  private void loadCheckpoint() {
    Path checkpoint = directory.resolve(CHECKPOINT);
    if (!Files.exists(checkpoint)) {
      return;
    }
    try {
      String[] parts = Files.readString(checkpoint, UTF_8).strip().split(" ");
      String name = parts[0];
      long shipped = Long.parseLong(parts[1]);
      for (Path candidate : SpoolAuditSink.spoolFiles(directory.getParent())) {
        String candidateName = candidate.getFileName().toString();
        int order = candidateName.compareTo(name);
        if (order < 0) {
          // Shipped before a crash that came between the checkpoint and the deletion.
          spool.delete(candidate);
        } else if (order == 0) {
          file = candidate;
          offset = shipped;
        }
      }
      if (file == null) {
        lastDone = name;
      }
      log.info("audit shipper resumes at {} byte {}", name, shipped);
    } catch (IOException | RuntimeException e) {
      // Without a usable checkpoint everything still spooled is sent: duplicates, never losses.
      log.warn(
          "audit shipper checkpoint {} is unreadable; shipping the whole spool", checkpoint, e);
      file = null;
      offset = 0;
      lastDone = "";
    }
  }

  private void saveCheckpoint() throws IOException {
    Path tmp = directory.resolve(CHECKPOINT + ".tmp");
    Files.writeString(tmp, file.getFileName() + " " + offset + "\n", UTF_8);
    try {
      Files.move(
          tmp,
          directory.resolve(CHECKPOINT),
          StandardCopyOption.ATOMIC_MOVE,
          StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, directory.resolve(CHECKPOINT), StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private void closeProducer() {
    Producer<String, byte[]> p = producer;
    producer = null;
    if (p != null) {
      try {
        p.close(Duration.ofSeconds(finishing ? 0 : 5));
      } catch (RuntimeException e) {
        log.debug("closing the audit producer failed", e);
      }
    }
  }

  private static void sleep(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static final class Batch {
    final List<byte[]> lines = new ArrayList<>();
    // Bytes after the last newline of a file that has no further lines.
    long tornBytes;
  }
}
