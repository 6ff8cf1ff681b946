package org.complianceproxy.proxy.audit;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ships spool files to Kafka, oldest first and line by line, on a thread of its own: sends a batch,
 * waits until Kafka acknowledged all of it ({@code flush}), then moves its checkpoint ({@code
 * shipped.checkpoint} in the spool directory: file name and byte offset) past the batch and deletes
 * files that are completely shipped and no longer written. The checkpoint survives restarts, so a
 * new process resumes where the last one stopped.
 *
 * <p>Once caught up with the file the spool is writing, the shipper sends at most one batch per
 * {@value #SHIP_INTERVAL_MILLIS} ms: each batch is a transaction (begin, produce, commit, markers),
 * whose fixed cost on the producer and the broker then spreads over the records of that interval
 * instead of those of one fsync. A backlog (a full batch, older files) ships without pause. Records
 * are durable in the spool meanwhile, so this delays their arrival in Kafka by at most that much
 * and weakens no guarantee.
 *
 * <p>A batch is shipped whole or not at all (one transaction); one that failed is sent again after
 * a pause, with a new producer, whose {@code initTransactions} aborts what the old one left open.
 * Within one producer the broker drops retried duplicates (idempotence).
 *
 * <p>No batch is sent twice, even across a crash between a commit and the checkpoint: before it
 * commits a batch, the shipper waits for the broker to place the batch's first record and writes
 * that place ({@code shipped.pending}: spool file, byte range, partition and offset of the first
 * record) to disk. If the checkpoint does not cover that range when the shipper starts again (or
 * after an error during a commit), the batch's fate is looked up before anything else is sent:
 * {@code initTransactions} of the new producer first completes a commit the broker had prepared or
 * aborts the transaction, then a {@code read_committed} consumer reads that one offset. If it holds
 * the batch's first line, byte for byte, the batch committed and the checkpoint moves past it; if
 * that offset is invisible (aborted), the batch is sent again. While the lookup cannot run (Kafka
 * away), nothing is sent; it is tried again after a pause. This needs a consumer ({@link
 * #lookupConsumers}); without one, such a batch is sent again and may reach the topic twice,
 * byte-identical.
 */
final class SpoolShipper {

  private static final Logger log = LoggerFactory.getLogger(SpoolShipper.class);

  static final String CHECKPOINT = "shipped.checkpoint";
  static final String PENDING = "shipped.pending";
  // How long one wait for the broker lasts before Kafka counts as away (and the wait goes on).
  private static final Duration ACK_WAIT = Duration.ofSeconds(5);
  // How long one lookup of a pending batch may take before it is given up and tried again later.
  private static final Duration LOOKUP_TIMEOUT = Duration.ofSeconds(10);
  private static final int BATCH_BYTES = 1 << 20;
  private static final int BATCH_LINES = 5_000;
  private static final Duration IDLE_WAIT = Duration.ofMillis(50);
  static final long SHIP_INTERVAL_MILLIS = 200;
  private static final Duration ERROR_PAUSE = Duration.ofSeconds(1);
  private static final JsonFactory JSON = new JsonFactory();
  private static final byte[] REQUEST_ID = "request_id".getBytes(US_ASCII);
  private static final byte[] INSTANCE = "instance".getBytes(US_ASCII);
  private static final byte[] NULL = "null".getBytes(US_ASCII);
  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long NEWLINES = 0x0A0A0A0A0A0A0A0AL;

  private final SpoolAuditSink spool;
  private final Path directory;
  private final Supplier<Producer<String, byte[]>> producers;
  // Opens a consumer of the topic's cluster with the given isolation level; null: no lookups.
  private final Function<IsolationLevel, Consumer<byte[], byte[]>> lookups;
  private final String topic;
  private final long stallNanos;
  private final Thread thread;
  private final AtomicLong delivered = new AtomicLong();
  // Shipper thread only: what read() reads a batch into, reused.
  private final ByteBuffer readBuffer = ByteBuffer.allocate(BATCH_BYTES);
  // Shipper thread only: the batch read() fills, reused.
  private final Batch batch = new Batch();
  // Shipper thread only: when the last batch was sent, and whether it left the shipper caught up
  // with the file being written (then the next one waits for SHIP_INTERVAL_MILLIS).
  private long lastSendNanos;
  private boolean caughtUpWithWriter;
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
  // A batch written to shipped.pending whose commit may or may not have happened; resolved before
  // anything else is sent. Null when none is.
  private Pending pending;

  /** A shipper that cannot look up a batch's fate: such a batch is sent again. */
  SpoolShipper(
      SpoolAuditSink spool,
      Supplier<Producer<String, byte[]>> producers,
      String topic,
      Duration stallTimeout,
      boolean kafkaUp) {
    this(spool, producers, null, topic, stallTimeout, kafkaUp);
  }

  /**
   * @param lookups opens a consumer of the cluster {@code producers} send to, with the given
   *     isolation level ({@link #lookupConsumers}); null to send a batch whose commit is in doubt
   *     again
   */
  SpoolShipper(
      SpoolAuditSink spool,
      Supplier<Producer<String, byte[]>> producers,
      Function<IsolationLevel, Consumer<byte[], byte[]>> lookups,
      String topic,
      Duration stallTimeout,
      boolean kafkaUp) {
    this.spool = spool;
    this.directory = spool.directory();
    this.producers = producers;
    this.lookups = lookups;
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
    // Cuts a pause between batches short.
    LockSupport.unpark(thread);
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

  /**
   * Consumers for the lookups of {@link SpoolShipper}: the consumer settings of {@code
   * producerConfig} (bootstrap servers, security), assigned partitions only (no group), no offset
   * reset.
   */
  static Function<IsolationLevel, Consumer<byte[], byte[]>> lookupConsumers(
      Map<String, Object> producerConfig) {
    Map<String, Object> base = new HashMap<>();
    producerConfig.forEach(
        (key, value) -> {
          if (ConsumerConfig.configNames().contains(key)) {
            base.put(key, value);
          }
        });
    base.remove(ConsumerConfig.GROUP_ID_CONFIG);
    // Producer interceptors are no consumer interceptors.
    base.remove(ConsumerConfig.INTERCEPTOR_CLASSES_CONFIG);
    base.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    base.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
    base.put(
        ConsumerConfig.CLIENT_ID_CONFIG,
        producerConfig.getOrDefault(ProducerConfig.CLIENT_ID_CONFIG, "audit") + "-lookup");
    return level -> {
      Map<String, Object> config = new HashMap<>(base);
      config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, level.toString().toLowerCase(Locale.ROOT));
      return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    };
  }

  private void run() {
    loadCheckpoint();
    loadPending();
    while (true) {
      if (caughtUpWithWriter && !finishing) {
        long wait = lastSendNanos + SHIP_INTERVAL_MILLIS * 1_000_000 - System.nanoTime();
        if (wait > 0) {
          LockSupport.parkNanos(this, wait);
          continue;
        }
      }
      caughtUpWithWriter = false;
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
    if (pending != null) {
      resolvePending();
      return true;
    }
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
    caughtUpWithWriter = batch.toEnd && file.equals(spool.currentFile());
    return true;
  }

  // One batch in one transaction; on any error but a commit timeout the caller drops the producer,
  // and the next one's initTransactions aborts what this one left open.
  private void send(Batch batch) throws IOException {
    ensureProducer();
    batchStartNanos = System.nanoTime();
    lastSendNanos = batchStartNanos;
    producer.beginTransaction();
    Future<RecordMetadata> first = null;
    for (byte[] line : batch.lines) {
      Future<RecordMetadata> sent = producer.send(new ProducerRecord<>(topic, keyOf(line), line));
      if (first == null) {
        first = sent;
      }
    }
    long bytes = 0;
    for (byte[] line : batch.lines) {
      bytes += line.length + 1;
    }
    if (lookups != null) {
      // Where the broker put the first record; from here until the checkpoint the commit is in
      // doubt.
      RecordMetadata placed = await(first);
      Pending doubt =
          new Pending(
              file.getFileName().toString(),
              offset,
              offset + bytes,
              placed.partition(),
              placed.offset(),
              batch.lines.size());
      savePending(doubt);
      pending = doubt;
    }
    commit();
    offset += bytes;
    delivered.addAndGet(batch.lines.size());
    saveCheckpoint();
    pending = null;
    batchStartNanos = -1;
    if (!kafkaUp) {
      kafkaUp = true;
      log.info("audit records reach Kafka topic {} again", topic);
    }
  }

  private void ensureProducer() {
    if (producer == null) {
      Producer<String, byte[]> fresh = producers.get();
      producer = fresh;
      // Completes a commit the last producer of this transactional id had begun, or aborts its
      // open transaction.
      fresh.initTransactions();
    }
  }

  // The broker's answer for one record, waiting as long as Kafka is away (unless finishing).
  private RecordMetadata await(Future<RecordMetadata> sent) throws IOException {
    while (true) {
      try {
        return sent.get(ACK_WAIT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.TimeoutException e) {
        if (kafkaUp) {
          kafkaUp = false;
          log.warn(
              "audit records cannot be delivered to Kafka topic {}; they wait in the spool", topic);
        }
        if (finishing && System.nanoTime() - finishDeadlineNanos >= 0) {
          throw new IOException("audit batch not acknowledged before the shutdown deadline");
        }
      } catch (ExecutionException e) {
        throw e.getCause() instanceof KafkaException k
            ? k
            : new KafkaException("audit batch failed", e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while waiting for Kafka", e);
      }
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
    batch.lines.clear();
    batch.tornBytes = 0;
    batch.toEnd = false;
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
      int newline;
      while (batch.lines.size() < BATCH_LINES
          && (newline = indexOfNewline(bytes, start, length)) >= 0) {
        batch.lines.add(Arrays.copyOfRange(bytes, start, newline));
        start = newline + 1;
      }
      if (batch.lines.isEmpty() && length == size - offset) {
        batch.tornBytes = length;
      }
      batch.toEnd = length == size - offset && batch.lines.size() < BATCH_LINES;
      if (batch.lines.isEmpty() && length == BATCH_BYTES) {
        throw new IOException(
            "audit spool file " + file.getFileName() + " has a line longer than 1 MiB");
      }
    }
    return batch;
  }

  /**
   * The index of the first {@code '\n'} in {@code bytes[from, to)}, or -1; eight bytes at a time
   * (the shipper looks at every byte of the spool).
   */
  static int indexOfNewline(byte[] bytes, int from, int to) {
    int i = from;
    for (; i <= to - 8; i += 8) {
      long x = (long) LONGS.get(bytes, i) ^ NEWLINES;
      // The lowest byte of x that is zero (a newline) sets its top bit here; bytes above it may
      // be set falsely, so only the lowest counts.
      long found = (x - 0x0101010101010101L) & ~x & 0x8080808080808080L;
      if (found != 0) {
        return i + (Long.numberOfTrailingZeros(found) >>> 3);
      }
    }
    for (; i < to; i++) {
      if (bytes[i] == '\n') {
        return i;
      }
    }
    return -1;
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
    replace(tmp, directory.resolve(CHECKPOINT));
  }

  // Reads shipped.pending; keeps it only if the checkpoint does not cover its batch.
  private void loadPending() {
    if (lookups == null) {
      return;
    }
    Path marker = directory.resolve(PENDING);
    if (!Files.exists(marker)) {
      return;
    }
    Pending read;
    try {
      String[] parts = Files.readString(marker, UTF_8).strip().split(" ");
      read =
          new Pending(
              parts[0],
              Long.parseLong(parts[1]),
              Long.parseLong(parts[2]),
              Integer.parseInt(parts[3]),
              Long.parseLong(parts[4]),
              0);
    } catch (IOException | RuntimeException e) {
      // Without it a batch committed before a crash may be sent again: duplicates, never losses.
      log.warn("audit shipper marker {} is unreadable; ignoring it", marker, e);
      return;
    }
    int order = file == null ? read.file.compareTo(lastDone) : read.file.compareTo(fileName());
    boolean covered = file == null ? order <= 0 : order < 0 || (order == 0 && offset >= read.end);
    if (!covered && Files.exists(directory.resolve(read.file))) {
      pending = read;
      log.info(
          "audit batch {} bytes {}-{} may have committed before the last stop; looking it up in"
              + " Kafka (partition {} offset {}) before sending anything",
          read.file,
          read.start,
          read.end,
          read.partition,
          read.offset);
    }
  }

  private String fileName() {
    return file.getFileName().toString();
  }

  /**
   * Finds out whether the pending batch committed: after initTransactions (which settles the last
   * transaction of this transactional id), reads the offset its first record was placed at. Moves
   * the checkpoint past the batch if it committed; else the batch is shipped again from the
   * checkpoint. Throws, leaving the batch pending, if Kafka cannot tell now.
   */
  private void resolvePending() throws IOException {
    Pending doubt = pending;
    ensureProducer();
    Path spoolFile = directory.resolve(doubt.file);
    byte[] firstLine = firstLine(spoolFile, doubt.start, doubt.end);
    Boolean committed = firstLine == null ? Boolean.FALSE : lookUp(doubt, firstLine);
    if (committed == null) {
      throw new IOException(
          "cannot tell yet whether the audit batch at Kafka partition "
              + doubt.partition
              + " offset "
              + doubt.offset
              + " committed");
    }
    if (committed) {
      for (Path candidate : SpoolAuditSink.spoolFiles(directory.getParent())) {
        if (candidate.getFileName().toString().compareTo(doubt.file) < 0) {
          try {
            spool.delete(candidate);
          } catch (NoSuchFileException gone) {
            // Deleted by someone else; nothing to free.
          }
        }
      }
      file = spoolFile;
      offset = doubt.end;
      delivered.addAndGet(doubt.lines);
      saveCheckpoint();
      log.info(
          "audit batch {} bytes {}-{} had committed (Kafka partition {} offset {}) though its"
              + " checkpoint was not written; it is not sent again",
          doubt.file,
          doubt.start,
          doubt.end,
          doubt.partition,
          doubt.offset);
    } else {
      log.info(
          "audit batch {} bytes {}-{} had not committed (Kafka partition {} offset {}); it is sent"
              + " again",
          doubt.file,
          doubt.start,
          doubt.end,
          doubt.partition,
          doubt.offset);
    }
    pending = null;
  }

  // The first line of file in [start, end), or null if the range holds none (the file changed).
  private byte[] firstLine(Path spoolFile, long start, long end) throws IOException {
    try (FileChannel channel = FileChannel.open(spoolFile, StandardOpenOption.READ)) {
      ByteBuffer buffer = readBuffer.clear().limit((int) Math.min(BATCH_BYTES, end - start));
      while (buffer.hasRemaining() && channel.read(buffer, start + buffer.position()) > 0) {
        // Reads until the buffer is full or the file ends.
      }
      int newline = indexOfNewline(buffer.array(), 0, buffer.position());
      return newline < 0 ? null : Arrays.copyOf(buffer.array(), newline);
    } catch (NoSuchFileException gone) {
      return null;
    }
  }

  // TRUE: the record at the pending offset is visible to read_committed and is firstLine. FALSE:
  // that offset holds no committed record (or another one). Null: Kafka cannot tell now.
  private Boolean lookUp(Pending doubt, byte[] firstLine) {
    TopicPartition partition = new TopicPartition(topic, doubt.partition);
    long deadline = System.nanoTime() + LOOKUP_TIMEOUT.toNanos();
    try (Consumer<byte[], byte[]> consumer = lookups.apply(IsolationLevel.READ_COMMITTED)) {
      consumer.assign(List.of(partition));
      // For read_committed, the last stable offset: below it every transaction is settled.
      long stable = consumer.endOffsets(List.of(partition), left(deadline)).get(partition);
      if (stable <= doubt.offset && recordMissing(partition, doubt.offset, deadline)) {
        // Never written, or lost with a broker: not in the topic.
        return Boolean.FALSE;
      }
      // Else another producer's open transaction may hold the stable offset back for a while.
      while (stable <= doubt.offset) {
        if (System.nanoTime() - deadline >= 0) {
          return null;
        }
        sleep(Duration.ofMillis(100));
        stable = consumer.endOffsets(List.of(partition), left(deadline)).get(partition);
      }
      consumer.seek(partition, doubt.offset);
      while (System.nanoTime() - deadline < 0) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          if (record.offset() != doubt.offset) {
            // Offsets before it are never returned (seek); a later one: it was skipped, aborted.
            return Boolean.FALSE;
          }
          boolean same = Arrays.equals(record.value(), firstLine);
          if (!same) {
            log.warn(
                "Kafka partition {} offset {} holds another record than the audit batch placed"
                    + " there; the batch is sent again",
                partition,
                doubt.offset);
          }
          return same;
        }
        if (consumer.position(partition, left(deadline)) > doubt.offset) {
          // Read past it without a record: aborted.
          return Boolean.FALSE;
        }
      }
      return null;
    } catch (OffsetOutOfRangeException gone) {
      // Deleted by retention, or the partition was recreated: Kafka cannot tell; resending risks
      // a duplicate, not a loss.
      log.warn(
          "Kafka partition {} no longer holds offset {}; the audit batch placed there is sent"
              + " again",
          partition,
          doubt.offset);
      return Boolean.FALSE;
    } catch (KafkaException e) {
      log.debug("looking up an audit batch in Kafka failed", e);
      return null;
    }
  }

  private static Duration left(long deadlineNanos) {
    return Duration.ofNanos(Math.max(1_000_000, deadlineNanos - System.nanoTime()));
  }

  // Whether offset is beyond the partition's end (all records, committed or not): it was never
  // written, or lost with a broker.
  private boolean recordMissing(TopicPartition partition, long offset, long deadline) {
    try (Consumer<byte[], byte[]> consumer = lookups.apply(IsolationLevel.READ_UNCOMMITTED)) {
      return consumer.endOffsets(List.of(partition), left(deadline)).get(partition) <= offset;
    }
  }

  // Written (and forced to disk) before the commit it describes.
  private void savePending(Pending doubt) throws IOException {
    Path tmp = directory.resolve(PENDING + ".tmp");
    byte[] text =
        (doubt.file
                + " "
                + doubt.start
                + " "
                + doubt.end
                + " "
                + doubt.partition
                + " "
                + doubt.offset
                + "\n")
            .getBytes(US_ASCII);
    Files.write(tmp, text);
    try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
      channel.force(false);
    }
    replace(tmp, directory.resolve(PENDING));
  }

  private static void replace(Path tmp, Path target) throws IOException {
    try {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
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

  // A batch whose commit is in doubt: its spool file and byte range, where Kafka placed its first
  // record, and its lines if this process sent it (else 0).
  private record Pending(
      String file, long start, long end, int partition, long offset, int lines) {}

  private static final class Batch {
    final List<byte[]> lines = new ArrayList<>(BATCH_LINES);
    // Bytes after the last newline of a file that has no further lines.
    long tornBytes;
    // Whether the lines reach the end of what the file held when read.
    boolean toEnd;
  }
}
