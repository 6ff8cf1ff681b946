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
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.complianceproxy.proxy.error.ProxyError;
import org.complianceproxy.proxy.error.ProxyException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A durable local spool: audit records as JSON lines (see {@link AuditJson}), chained ({@link
 * AuditChain}), in {@code <dataDir>/audit/spool-<utc time>-<seq>.jsonl}. It is the sink when no
 * Kafka is configured, and the write-ahead log that {@link KafkaAuditSink} ships to Kafka from.
 *
 * <p>{@link #emit} only queues the record, without a lock (it runs on event loops, see DESIGN.md,
 * performance budget): one writer thread takes records in queue order, chains and serializes them
 * ({@link AuditChain}), appends the lines and fsyncs in groups: when 1,024 lines are waiting for an
 * fsync, when the oldest of them has waited 50 ms, and on close. A record is durable at most about
 * 50 ms plus one fsync after it was emitted. Records of one emitting thread keep their order; chain
 * order is file order.
 *
 * <p>Files are never appended to once closed: each sink writes new files, rolled at 64 MiB, whose
 * names sort in the order they were written ({@link #spoolFiles}), so a replayer can read them
 * oldest first. After an I/O error the writer keeps every line not yet fsynced in memory and
 * rewrites them into a new file after a pause; such a line may then appear twice (once in the
 * failed file), never not at all.
 *
 * <p>Disk use is bounded: the files under the directory (from this and earlier runs) may take at
 * most {@code maxDiskBytes}. A warning is logged when they pass 80% of it; at the limit the writer
 * stops writing and keeps the lines in memory until space is freed (by {@link #delete}, once
 * shipped), and the sink is unhealthy meanwhile. Nothing is dropped.
 *
 * <p>Memory is bounded too: at most {@value #DEFAULT_MAX_PENDING_RECORDS} records (by default; a
 * few tens of MiB) may wait for the writer, which itself holds at most {@code 4 x 1,024} lines.
 * While the disk limit or a failing disk keeps the writer from taking more, records pile up in the
 * queue; from 90% of that cap on {@link #accepting()} is false (the front door refuses new
 * requests, strict or not), and at the cap {@link #emit} fails with {@link
 * ProxyError#AUDIT_UNAVAILABLE} instead of queuing: fail closed, and the process stays up. Both
 * clear as soon as the writer catches up.
 *
 * <p>{@link #emit} neither blocks nor drops; {@link #healthy()} turns false while the writer is
 * failing, the disk limit is reached or more than 100,000 records are waiting, which is the signal
 * for strict mode to refuse traffic.
 */
public final class SpoolAuditSink implements AuditSink {

  private static final Logger log = LoggerFactory.getLogger(SpoolAuditSink.class);

  /** The spool's directory under the data directory. */
  public static final String DIRECTORY = "audit";

  private static final DateTimeFormatter FILE_TIME =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS'Z'").withZone(ZoneOffset.UTC);
  // Set in gate by close(): emit() refuses records from then on.
  private static final int GATE_CLOSED = 1 << 30;
  private static final Duration RETRY_PAUSE = Duration.ofSeconds(1);
  private static final Duration FULL_PAUSE = Duration.ofMillis(50);
  private static final long DEFAULT_MAX_FILE_BYTES = 64L << 20;
  private static final double WARN_FILL = 0.8;
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

  /**
   * The most records that may wait in memory for the writer by default (see the class comment): at
   * a few hundred bytes each, some tens of MiB. Not yet configurable.
   */
  public static final int DEFAULT_MAX_PENDING_RECORDS = 100_000;

  // <dataDir>/audit
  private final Path directory;
  // Writer thread only (its lock is uncontended): the writer chains in queue order.
  private final AuditChain chain;
  // The files under directory may take at most this much disk.
  private final long maxDiskBytes;
  // What the spool files take now: written lines plus earlier files, minus deleted ones.
  private final AtomicLong diskBytes = new AtomicLong();
  // The file the writer appends to, or null; never deleted while current.
  private volatile Path currentFile;
  // True while the disk limit stops the writer.
  private volatile boolean full;
  // True from crossing 80% of the limit until dropping below it again, to warn once per crossing.
  private volatile boolean fillWarned;
  // Counts fsyncs, so readers can wait for new lines.
  private final Object synced = new Object();
  private long syncCount;
  // An fsync is due when the oldest line waiting for one is this old...
  private final Duration syncInterval;
  // ...or when this many lines wait for one.
  private final int syncRecords;
  // A file is closed and a new one started once it reaches this size.
  private final long maxFileBytes;
  // healthy() is false while more lines than this wait in the queue.
  private final int backlogLimit;
  // emit() refuses records while this many wait in the queue...
  private final int maxPendingRecords;
  // ...and accepting() is false from this many on, so that requests under way can still finish.
  private final int acceptLimit;
  // True from reaching acceptLimit until the queue is down to half of it, to log once per crossing.
  private volatile boolean overCap;
  // The writer holds at most this many lines in memory (taken from the queue, not yet fsynced).
  private final int maxHeldLines;
  // Records from emit() to the writer thread, lock-free for the emitting event loops.
  private final Queue<AuditRecord> queue = new ConcurrentLinkedQueue<>();
  // Records in queue (the queue's own size() is linear).
  private final AtomicInteger queued = new AtomicInteger();
  // emit() calls in progress, plus GATE_CLOSED once close() began; close() waits for the calls.
  private final AtomicInteger gate = new AtomicInteger();
  // The writer, while parked, wants to be woken once queued reaches this (1: at the first record).
  private volatile int wakeAt = 1;
  private volatile boolean writerParked;
  private final Thread writer;
  // Set by close(); emit() refuses records afterwards.
  private volatile boolean closed;
  // Set by close() once no emit() is in progress: the writer drains the queue, fsyncs and stops.
  private volatile boolean closeRequested;
  // True from an I/O error until the next successful fsync.
  private volatile boolean failing;

  // Writer thread only from here on.
  // Lines taken from the queue and not yet fsynced, oldest first, each with its newline.
  private final HeldLines unsynced = new HeldLines();
  // How many of unsynced are already in the current file.
  private int written;
  // When unsynced last went from empty to non-empty.
  private long firstUnsyncedNanos;
  private int fileSeq;
  private FileChannel channel;
  private OutputStream out;

  /**
   * A spool under {@code dataDir/audit}, created if missing, of at most 1 GiB; fails if it cannot
   * be written.
   */
  public SpoolAuditSink(Path dataDir, AuditJson json) {
    this(dataDir, json, 1L << 30);
  }

  /** A spool under {@code dataDir/audit} whose files take at most {@code maxDiskBytes}. */
  public SpoolAuditSink(Path dataDir, AuditJson json, long maxDiskBytes) {
    this(dataDir, json, maxDiskBytes, DEFAULT_MAX_PENDING_RECORDS);
  }

  /**
   * A spool under {@code dataDir/audit} whose files take at most {@code maxDiskBytes} and which
   * holds at most {@code maxPendingRecords} records in memory while it cannot write them (see the
   * class comment).
   */
  public SpoolAuditSink(Path dataDir, AuditJson json, long maxDiskBytes, int maxPendingRecords) {
    this(
        dataDir,
        new AuditChain(json),
        Duration.ofMillis(50),
        1024,
        Math.min(DEFAULT_MAX_FILE_BYTES, Math.max(4096, maxDiskBytes / 8)),
        100_000,
        maxDiskBytes,
        maxPendingRecords);
  }

  SpoolAuditSink(
      Path dataDir,
      AuditJson json,
      Duration syncInterval,
      int syncRecords,
      long maxFileBytes,
      int backlogLimit) {
    this(
        dataDir,
        new AuditChain(json),
        syncInterval,
        syncRecords,
        maxFileBytes,
        backlogLimit,
        Long.MAX_VALUE,
        DEFAULT_MAX_PENDING_RECORDS);
  }

  /**
   * The general form.
   *
   * @param maxPendingRecords the most records that may wait in memory for the writer; {@link #emit}
   *     refuses more (see the class comment)
   */
  SpoolAuditSink(
      Path dataDir,
      AuditChain chain,
      Duration syncInterval,
      int syncRecords,
      long maxFileBytes,
      int backlogLimit,
      long maxDiskBytes,
      int maxPendingRecords) {
    requireNonNull(dataDir, "dataDir");
    if (maxPendingRecords <= 0) {
      throw new IllegalArgumentException(
          "maxPendingRecords: " + maxPendingRecords + " (expected: > 0)");
    }
    this.maxPendingRecords = maxPendingRecords;
    this.acceptLimit = maxPendingRecords - maxPendingRecords / 10;
    this.maxHeldLines = 4 * syncRecords;
    this.chain = requireNonNull(chain, "chain");
    if (maxDiskBytes <= 0) {
      throw new IllegalArgumentException("maxDiskBytes: " + maxDiskBytes + " (expected: > 0)");
    }
    this.maxDiskBytes = maxDiskBytes;
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
    long existing = 0;
    for (Path file : spoolFiles(dataDir)) {
      try {
        existing += Files.size(file);
      } catch (IOException e) {
        // Deleted meanwhile (shipped by another sink's shipper): it takes no space.
      }
    }
    diskBytes.set(existing);
    checkFill();
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

  /**
   * Queues the record for the writer, which chains, serializes and writes it; never blocks, takes
   * no lock.
   *
   * @throws ProxyException {@link ProxyError#AUDIT_UNAVAILABLE} when the most records that may wait
   *     in memory already do (the disk limit or a failing disk holds the writer up): the record is
   *     not taken, and the request it belongs to must be refused
   */
  @Override
  public void emit(AuditRecord record) {
    requireNonNull(record, "record");
    if ((gate.getAndIncrement() & GATE_CLOSED) != 0) {
      gate.decrementAndGet();
      throw new IllegalStateException("audit spool " + directory + " is closed");
    }
    try {
      if (queued.get() >= maxPendingRecords) {
        throw refusal();
      }
      queue.add(record);
      int waiting = queued.incrementAndGet();
      if (waiting >= acceptLimit && !overCap) {
        overCap = true;
        log.error(
            "audit spool {}: {} audit records wait in memory for the disk (at most {}); requests"
                + " are refused until they are written",
            directory,
            waiting,
            maxPendingRecords);
      }
      if (writerParked && waiting >= wakeAt) {
        LockSupport.unpark(writer);
      }
    } finally {
      gate.decrementAndGet();
    }
  }

  private static ProxyException refusal() {
    return new ProxyException(
        ProxyError.AUDIT_UNAVAILABLE,
        "The audit trail cannot take more records right now, so the request was refused.");
  }

  /**
   * False from 90% of the records that may wait in memory on (see the class comment), or once
   * closed: new requests are to be refused, whether strict or not.
   */
  @Override
  public boolean accepting() {
    return !closed && queued.get() < acceptLimit;
  }

  @Override
  public boolean healthy() {
    return !closed && !failing && !full && writer.isAlive() && queued.get() <= backlogLimit;
  }

  /** The spool's directory, {@code <dataDir>/audit}. */
  public Path directory() {
    return directory;
  }

  /**
   * A random id created with the spool directory and kept in it ({@code shipper.id}), naming the
   * Kafka transactional id of whoever ships this spool, so a restarted proxy fences its
   * predecessor.
   */
  public String shipperId() {
    Path file = directory.resolve("shipper.id");
    try {
      if (!Files.exists(file)) {
        Path tmp = directory.resolve("shipper.id.tmp");
        Files.writeString(tmp, java.util.UUID.randomUUID() + "\n");
        try {
          Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException raced) {
          Files.deleteIfExists(tmp);
        }
      }
      return Files.readString(file).strip();
    } catch (IOException e) {
      throw new UncheckedIOException("audit spool: cannot read or create " + file, e);
    }
  }

  /** The instance chain this spool writes. */
  public AuditChain chain() {
    return chain;
  }

  /** Bytes the spool files take on disk now. */
  @Override
  public long spoolBytes() {
    return diskBytes.get();
  }

  /** The most the spool files may take. */
  @Override
  public long spoolMaxBytes() {
    return maxDiskBytes;
  }

  /** True while the disk limit keeps the writer from writing. */
  public boolean full() {
    return full;
  }

  /** The file being appended to, or {@code null}; not to be deleted. */
  Path currentFile() {
    return currentFile;
  }

  /** True once closed and everything it took is written and fsynced (or given up on). */
  boolean finished() {
    return closed && !writer.isAlive();
  }

  /**
   * Deletes a spool file whose lines are all delivered elsewhere, and frees its space. Refuses the
   * file being written.
   */
  void delete(Path file) throws IOException {
    if (file.equals(currentFile)) {
      throw new IllegalArgumentException("file: " + file + " (expected: not the file in use)");
    }
    long size = Files.size(file);
    Files.delete(file);
    diskBytes.addAndGet(-size);
    checkFill();
  }

  /** Waits at most {@code timeoutMillis} for the next fsync (or returns at once when closed). */
  void awaitSync(long timeoutMillis) throws InterruptedException {
    synchronized (synced) {
      long seen = syncCount;
      long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
      while (syncCount == seen && !finished()) {
        long left = (deadline - System.nanoTime()) / 1_000_000;
        if (left <= 0) {
          return;
        }
        synced.wait(left);
      }
    }
  }

  private void checkFill() {
    long used = diskBytes.get();
    if (used >= maxDiskBytes * WARN_FILL) {
      if (!fillWarned) {
        fillWarned = true;
        log.warn(
            "audit spool {} is {}% full ({} of {} bytes); audit records are not being shipped"
                + " fast enough",
            directory, used * 100 / maxDiskBytes, used, maxDiskBytes);
      }
    } else {
      fillWarned = false;
    }
  }

  /** Records emitted and not yet taken by the writer. */
  public int backlog() {
    return queued.get();
  }

  /**
   * Writes and fsyncs everything emitted before, then stops the writer. Waits at most 30 s (a
   * failing disk); what is still queued then is reported in the log as lost.
   */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    gate.addAndGet(GATE_CLOSED);
    while (gate.get() != GATE_CLOSED) {
      // An emit() that passed the gate before it closed is adding its record: a few instructions.
      Thread.onSpinWait();
    }
    closeRequested = true;
    LockSupport.unpark(writer);
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
          queued.get());
    }
  }

  private void writeLoop() {
    boolean closing = false;
    while (true) {
      closing |= awaitLines(closing);
      try {
        while (written < unsynced.size()) {
          writeNextLine();
          written++;
        }
        if (!unsynced.isEmpty() && (closing || syncIsDue())) {
          sync();
        }
      } catch (IOException | RuntimeException e) {
        onWriteFailure(e);
      }
      if (closing && unsynced.isEmpty() && queued.get() == 0) {
        break;
      }
    }
    closeFile();
    signalSync();
  }

  private void signalSync() {
    synchronized (synced) {
      syncCount++;
      synced.notifyAll();
    }
  }

  // Chains and serializes queued records into unsynced; parks for the first one only while no fsync
  // is pending, else at most until the fsync is due. Returns true once close() asked to stop.
  private boolean awaitLines(boolean closing) {
    if (!closing && queued.get() == 0) {
      park();
    }
    // Read before draining: every record emitted before close() is in the queue by then. Nobody
    // interrupts the writer; an interrupt counts as a request to close.
    boolean stop = closing || closeRequested || Thread.interrupted();
    // Holds at most maxHeldLines: the rest waits in the queue, where emit() bounds it.
    int limit = maxHeldLines - unsynced.size();
    AuditRecord record;
    while (limit-- > 0 && (record = queue.poll()) != null) {
      int left = queued.decrementAndGet();
      // Logged again only well below the limit, so that a queue hovering at it does not flood.
      if (overCap && left < acceptLimit / 2) {
        overCap = false;
        log.info("audit spool {}: audit records are written again; requests are taken", directory);
      }
      if (unsynced.isEmpty()) {
        firstUnsyncedNanos = System.nanoTime();
      }
      try {
        unsynced.add(chain, record);
      } catch (RuntimeException e) {
        // Not writable as JSON (a bug, not I/O): no retry can help. Logged by kind and exception
        // class only: messages may quote field values.
        log.error(
            "audit spool {}: a {} record cannot be serialized: {}",
            directory,
            record.kind(),
            e.getClass().getName());
      }
    }
    return stop;
  }

  // Parks until a record arrives (or, with lines waiting for an fsync, until enough arrive to make
  // one due, or the oldest line's fsync is due), or close() is called.
  private void park() {
    long waitNanos = -1;
    if (!unsynced.isEmpty()) {
      waitNanos = firstUnsyncedNanos + syncInterval.toNanos() - System.nanoTime();
      if (waitNanos <= 0) {
        return;
      }
      wakeAt = Math.max(1, syncRecords - unsynced.size());
    } else {
      wakeAt = 1;
    }
    writerParked = true;
    // Re-checked after announcing the park, so that an emit() in between is not missed.
    if (queued.get() < wakeAt && !closeRequested) {
      if (waitNanos < 0) {
        LockSupport.park(this);
      } else {
        LockSupport.parkNanos(this, waitNanos);
      }
    }
    writerParked = false;
  }

  private boolean syncIsDue() {
    return unsynced.size() >= syncRecords
        || System.nanoTime() - firstUnsyncedNanos >= syncInterval.toNanos();
  }

  // Appends the first line of unsynced that is not in the file yet (index written), newline
  // included.
  private void writeNextLine() throws IOException {
    int bytes = unsynced.length(written);
    // May drop the lines before it, once fsynced: written then indexes the same line anew.
    awaitSpace(bytes);
    if (out == null) {
      openNewFile();
    }
    out.write(unsynced.array(), unsynced.start(written), bytes);
    diskBytes.addAndGet(bytes);
    checkFill();
  }

  // At the disk limit: fsync what is written (so a shipper can ship it and free space), then wait.
  private void awaitSpace(long bytes) throws IOException {
    while (diskBytes.get() + bytes > maxDiskBytes) {
      if (out != null) {
        out.flush();
        channel.force(false);
        unsynced.removeFirst(written);
        written = 0;
        // Roll, so that what is written can be shipped and deleted.
        closeFile();
        signalSync();
      }
      if (!full) {
        full = true;
        log.error(
            "audit spool {} is full ({} bytes): audit records wait in memory until space is freed;"
                + " strict mode refuses traffic meanwhile",
            directory,
            maxDiskBytes);
      }
      try {
        Thread.sleep(FULL_PAUSE.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while waiting for spool space", e);
      }
    }
    if (full) {
      full = false;
      log.info("audit spool {}: space freed, writing again", directory);
    }
  }

  private void sync() throws IOException {
    out.flush();
    channel.force(false);
    unsynced.clear();
    written = 0;
    signalSync();
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
      // Current before it exists, so that a shipper never takes it for a finished file.
      currentFile = directory.resolve(name);
      try {
        channel =
            FileChannel.open(currentFile, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
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
    currentFile = null;
  }
}
