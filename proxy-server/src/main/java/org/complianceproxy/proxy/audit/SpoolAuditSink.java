package org.complianceproxy.proxy.audit;

import static java.util.Objects.requireNonNull;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A durable local spool: audit records as JSON lines (see {@link AuditJson}) in {@code
 * <dataDir>/audit/spool-<utc time>-<seq>.jsonl}. It is the sink when no Kafka is configured, and
 * the place where {@link KafkaAuditSink} puts what Kafka did not take.
 *
 * <p>{@link #emit} serializes on the caller's thread and queues the line; one writer thread appends
 * lines in queue order and fsyncs in groups: when 256 lines are waiting for an fsync, when the
 * oldest of them has waited 50 ms, and on close. A record is durable at most about 50 ms plus one
 * fsync after it was emitted.
 *
 * <p>Files are never appended to once closed: each sink writes new files, rolled at 64 MiB, whose
 * names sort in the order they were written ({@link #spoolFiles}), so a replayer can read them
 * oldest first. After an I/O error the writer keeps every line not yet fsynced in memory and
 * rewrites them into a new file after a pause; such a line may then appear twice (once in the
 * failed file), never not at all.
 *
 * <p>The queue is unbounded so that {@code emit} neither blocks nor drops; {@link #healthy()} turns
 * false while the writer is failing or more than 100,000 lines are waiting, which is the signal for
 * strict mode to refuse traffic.
 */
public final class SpoolAuditSink implements AuditSink {

  private static final Logger log = LoggerFactory.getLogger(SpoolAuditSink.class);

  /** The spool's directory under the data directory. */
  public static final String DIRECTORY = "audit";

  private static final DateTimeFormatter FILE_TIME =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS'Z'").withZone(ZoneOffset.UTC);
  private static final byte[] NEWLINE = {'\n'};
  // Identity sentinel: the writer drains what is queued, fsyncs and stops.
  private static final byte[] CLOSE = new byte[0];
  private static final Duration RETRY_PAUSE = Duration.ofSeconds(1);
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

  // <dataDir>/audit
  private final Path directory;
  private final AuditJson json;
  // An fsync is due when the oldest line waiting for one is this old...
  private final Duration syncInterval;
  // ...or when this many lines wait for one.
  private final int syncRecords;
  // A file is closed and a new one started once it reaches this size.
  private final long maxFileBytes;
  // healthy() is false while more lines than this wait in the queue.
  private final int backlogLimit;
  // Serialized lines from emit() to the writer thread, and CLOSE last.
  private final BlockingQueue<byte[]> queue = new LinkedBlockingQueue<>();
  private final Thread writer;
  // Set by close(); emit() refuses records afterwards.
  private volatile boolean closed;
  // True from an I/O error until the next successful fsync.
  private volatile boolean failing;

  // Writer thread only from here on.
  // Lines taken from the queue and not yet fsynced, oldest first.
  private final List<byte[]> unsynced = new ArrayList<>();
  // How many of unsynced are already in the current file.
  private int written;
  // When unsynced last went from empty to non-empty.
  private long firstUnsyncedNanos;
  private int fileSeq;
  private FileChannel channel;
  private OutputStream out;

  /** A spool under {@code dataDir/audit}, created if missing; fails if it cannot be written. */
  public SpoolAuditSink(Path dataDir, AuditJson json) {
    this(dataDir, json, Duration.ofMillis(50), 256, 64L << 20, 100_000);
  }

  SpoolAuditSink(
      Path dataDir,
      AuditJson json,
      Duration syncInterval,
      int syncRecords,
      long maxFileBytes,
      int backlogLimit) {
    requireNonNull(dataDir, "dataDir");
    this.json = requireNonNull(json, "json");
    this.syncInterval = requireNonNull(syncInterval, "syncInterval");
    this.syncRecords = syncRecords;
    this.maxFileBytes = maxFileBytes;
    this.backlogLimit = backlogLimit;
    this.directory = dataDir.resolve(DIRECTORY);
    try {
      Files.createDirectories(directory);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "audit spool: " + directory + " cannot be created (expected: a writable directory)", e);
    }
    if (!Files.isWritable(directory)) {
      throw new IllegalArgumentException(
          "audit spool: " + directory + " is not writable (expected: a writable directory)");
    }
    this.writer = new Thread(this::writeLoop, "audit-spool-writer");
    writer.setDaemon(true);
    writer.start();
  }

  /** The spool files under {@code dataDir}, oldest first; empty when there are none. */
  public static List<Path> spoolFiles(Path dataDir) {
    Path dir = dataDir.resolve(DIRECTORY);
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files
          .filter(f -> f.getFileName().toString().startsWith("spool-"))
          .filter(f -> f.getFileName().toString().endsWith(".jsonl"))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir, e);
    }
  }

  @Override
  public void emit(AuditRecord record) {
    append(json.toJsonBytes(record));
  }

  /** Queues one line that is already serialized by {@link AuditJson}, without its newline. */
  void append(byte[] line) {
    if (closed) {
      throw new IllegalStateException("audit spool " + directory + " is closed");
    }
    queue.add(line);
  }

  @Override
  public boolean healthy() {
    return !closed && !failing && writer.isAlive() && queue.size() <= backlogLimit;
  }

  /** Lines emitted and not yet handed to the writer. */
  public int backlog() {
    return queue.size();
  }

  /**
   * Writes and fsyncs everything emitted before, then stops the writer. Waits at most 30 s (a
   * failing disk); what is still queued then is reported in the log as lost.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    queue.add(CLOSE);
    try {
      writer.join(CLOSE_TIMEOUT.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (writer.isAlive()) {
      log.error(
          "audit spool {}: writer did not finish within {} s; {} queued audit records and those"
              + " not yet fsynced are not on disk",
          directory,
          CLOSE_TIMEOUT.toSeconds(),
          queue.size());
    }
  }

  private void writeLoop() {
    boolean closing = false;
    while (true) {
      closing |= awaitLines(closing);
      try {
        while (written < unsynced.size()) {
          writeLine(unsynced.get(written));
          written++;
        }
        if (!unsynced.isEmpty() && (closing || syncIsDue())) {
          sync();
        }
      } catch (IOException | RuntimeException e) {
        onWriteFailure(e);
      }
      if (closing && unsynced.isEmpty() && queue.isEmpty()) {
        break;
      }
    }
    closeFile();
  }

  // Moves queued lines into unsynced; waits for the first one only while no fsync is pending.
  // Returns true once CLOSE was taken.
  private boolean awaitLines(boolean closing) {
    List<byte[]> taken = new ArrayList<>();
    try {
      byte[] first;
      if (closing) {
        first = queue.poll();
      } else if (unsynced.isEmpty()) {
        first = queue.take();
      } else {
        long waitNanos = firstUnsyncedNanos + syncInterval.toNanos() - System.nanoTime();
        first = waitNanos > 0 ? queue.poll(waitNanos, TimeUnit.NANOSECONDS) : queue.poll();
      }
      if (first == null) {
        return false;
      }
      taken.add(first);
      queue.drainTo(taken, 4 * syncRecords);
    } catch (InterruptedException e) {
      // Nobody interrupts the writer; treat it as a request to close.
      return true;
    }
    boolean sawClose = false;
    for (byte[] line : taken) {
      if (line == CLOSE) {
        sawClose = true;
        continue;
      }
      if (unsynced.isEmpty()) {
        firstUnsyncedNanos = System.nanoTime();
      }
      unsynced.add(line);
    }
    return sawClose;
  }

  private boolean syncIsDue() {
    return unsynced.size() >= syncRecords
        || System.nanoTime() - firstUnsyncedNanos >= syncInterval.toNanos();
  }

  private void writeLine(byte[] line) throws IOException {
    if (out == null) {
      openNewFile();
    }
    out.write(line);
    out.write(NEWLINE);
  }

  private void sync() throws IOException {
    out.flush();
    channel.force(false);
    unsynced.clear();
    written = 0;
    if (failing) {
      failing = false;
      log.info("audit spool {}: writing again", directory);
    }
    if (channel.size() >= maxFileBytes) {
      closeFile();
    }
  }

  private void openNewFile() throws IOException {
    Files.createDirectories(directory);
    while (true) {
      String name =
          "spool-"
              + FILE_TIME.format(Instant.now())
              + "-"
              + String.format("%06d", ++fileSeq)
              + ".jsonl";
      try {
        channel =
            FileChannel.open(
                directory.resolve(name), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        break;
      } catch (FileAlreadyExistsException taken) {
        // Another sink on the same directory in the same millisecond: take the next number.
      }
    }
    out = new BufferedOutputStream(Channels.newOutputStream(channel), 64 * 1024);
    // The new name must survive a crash as well as the lines in it.
    try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
      dir.force(true);
    }
  }

  private void onWriteFailure(Exception e) {
    if (!failing) {
      log.error(
          "audit spool {}: write failed; keeping {} records in memory and retrying in a new file",
          directory,
          unsynced.size(),
          e);
    }
    failing = true;
    closeFile();
    written = 0;
    try {
      Thread.sleep(RETRY_PAUSE.toMillis());
    } catch (InterruptedException interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private void closeFile() {
    if (channel == null) {
      return;
    }
    try {
      out.close();
    } catch (IOException e) {
      // Everything that counts was fsynced or is still in unsynced for a retry.
      log.debug("audit spool {}: closing a file failed", directory, e);
    }
    channel = null;
    out = null;
  }
}
