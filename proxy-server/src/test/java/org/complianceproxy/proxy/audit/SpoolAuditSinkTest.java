package org.complianceproxy.proxy.audit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.complianceproxy.proxy.error.ProxyError;
import org.complianceproxy.proxy.error.ProxyException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpoolAuditSinkTest {

  private final AuditJson json = new AuditJson("proxy-1");
  @TempDir Path dataDir;

  @Test
  void recordsAreWrittenAsJsonLinesInEmitOrder() {
    List<AuditRecord> records = new ArrayList<>();
    for (int r = 0; r < 200; r++) {
      records.addAll(SampleRecords.request("req-" + r, 2, 1));
    }

    try (SpoolAuditSink spool = new SpoolAuditSink(dataDir, json)) {
      records.forEach(spool::emit);
    }

    assertThat(spooledLines()).containsExactlyElementsOf(jsonOf(records));
    assertThat(SpoolAuditSink.spoolFiles(dataDir))
        .singleElement()
        .satisfies(f -> assertThat(f.getParent()).isEqualTo(dataDir.resolve("audit")))
        .satisfies(
            f ->
                assertThat(f.getFileName().toString())
                    .matches("spool-\\d{8}T\\d{9}Z-\\d{6}\\.jsonl"));
  }

  @Test
  void recordsSurviveCloseAndAReopenedSpoolWritesAFileThatSortsAfter() {
    List<AuditRecord> first = SampleRecords.request("req-a", 3, 2);
    List<AuditRecord> second = SampleRecords.request("req-b", 1, 1);

    try (SpoolAuditSink spool = new SpoolAuditSink(dataDir, json)) {
      first.forEach(spool::emit);
    }
    List<String> afterFirstClose = spooledLines();
    try (SpoolAuditSink reopened = new SpoolAuditSink(dataDir, json)) {
      second.forEach(reopened::emit);
    }

    assertThat(afterFirstClose).containsExactlyElementsOf(jsonOf(first));
    assertThat(SpoolAuditSink.spoolFiles(dataDir)).hasSize(2);
    assertThat(readLines(SpoolAuditSink.spoolFiles(dataDir).get(0)))
        .containsExactlyElementsOf(jsonOf(first));
    assertThat(readLines(SpoolAuditSink.spoolFiles(dataDir).get(1)))
        .containsExactlyElementsOf(jsonOf(second));
  }

  @Test
  void recordsReachTheFileWithinTheSyncIntervalWithoutClose() throws Exception {
    try (SpoolAuditSink spool = new SpoolAuditSink(dataDir, json)) {
      spool.emit(SampleRecords.finding("req-1", 0));

      long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
      while (spooledLines().isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }

      assertThat(spooledLines())
          .containsExactlyElementsOf(jsonOf(List.of(SampleRecords.finding("req-1", 0))));
    }
  }

  @Test
  void concurrentEmittersKeepTheirOwnOrderAndNothingIsLost() throws Exception {
    int threads = 4;
    int perThread = 500;
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> emitters = new ArrayList<>();
    try (SpoolAuditSink spool = new SpoolAuditSink(dataDir, json)) {
      for (int t = 0; t < threads; t++) {
        String requestId = "req-" + t;
        Thread emitter =
            new Thread(
                () -> {
                  awaitQuietly(start);
                  for (int i = 0; i < perThread; i++) {
                    spool.emit(SampleRecords.finding(requestId, i));
                  }
                });
        emitter.start();
        emitters.add(emitter);
      }
      start.countDown();
      for (Thread emitter : emitters) {
        emitter.join();
      }
    }

    List<String> lines = spooledLines();
    assertThat(lines).hasSize(threads * perThread);
    for (int t = 0; t < threads; t++) {
      String requestId = "req-" + t;
      List<String> own = unchainedOf(lines, requestId);
      List<String> expected = new ArrayList<>();
      for (int i = 0; i < perThread; i++) {
        expected.add(
            withoutChain(
                new String(
                    json.toJsonBytes(SampleRecords.finding(requestId, i), 0, AuditChain.GENESIS),
                    UTF_8)));
      }
      assertThat(own).containsExactlyElementsOf(expected);
    }
    assertIsOneUnbrokenChain(lines);
  }

  @Test
  void atTheDiskLimitTheSpoolTurnsUnhealthyKeepsRecordsInMemoryAndResumesWhenSpaceIsFreed()
      throws Exception {
    List<AuditRecord> records = new ArrayList<>();
    for (int r = 0; r < 40; r++) {
      records.addAll(SampleRecords.request("req-" + r, 2, 1));
    }
    SpoolAuditSink spool =
        new SpoolAuditSink(
            dataDir,
            new AuditChain(json),
            Duration.ofMillis(10),
            8,
            2048,
            100_000,
            8192,
            SpoolAuditSink.DEFAULT_MAX_PENDING_RECORDS);
    try {
      records.forEach(spool::emit);
      awaitTrue(spool::full);

      assertThat(spool.healthy()).isFalse();
      assertThat(spool.spoolBytes()).isLessThanOrEqualTo(8192).isGreaterThan(8192 - 1024);
      long onDisk = 0;
      for (Path file : SpoolAuditSink.spoolFiles(dataDir)) {
        onDisk += Files.size(file);
      }
      assertThat(onDisk).isEqualTo(spool.spoolBytes());

      // What a shipper does: read the finished files, then delete them.
      List<String> shipped = new ArrayList<>();
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (shipped.size() + spooledLines().size() < records.size()) {
        assertThat(System.nanoTime()).as("waited 20 s").isLessThan(deadline);
        for (Path file : SpoolAuditSink.spoolFiles(dataDir)) {
          if (!file.equals(spool.currentFile())) {
            shipped.addAll(readLines(file));
            spool.delete(file);
          }
        }
        Thread.sleep(5);
      }
      spool.close();
      for (Path file : SpoolAuditSink.spoolFiles(dataDir)) {
        shipped.addAll(readLines(file));
      }
      assertThat(shipped).containsExactlyElementsOf(jsonOf(records));
      assertThat(spool.full()).isFalse();
    } finally {
      spool.close();
    }
  }

  @Test
  void
      whileTheDiskIsFullAtMostTheCapWaitsInMemoryBeyondItEmitFailsClosedAndAllTakenIsWrittenOnceSpaceIsFreed()
          throws Exception {
    int cap = 50;
    // Disk for about 20 lines, syncs of 4 lines: the writer holds at most 16 lines in memory.
    SpoolAuditSink spool =
        new SpoolAuditSink(
            dataDir, new AuditChain(json), Duration.ofMillis(10), 4, 2048, 100_000, 8192, cap);
    List<AuditRecord> taken = new ArrayList<>();
    int refused = 0;
    try {
      assertThat(spool.accepting()).isTrue();
      for (int i = 0; i < 400; i++) {
        AuditRecord record = SampleRecords.finding("req-" + i, i);
        try {
          spool.emit(record);
          taken.add(record);
        } catch (ProxyException e) {
          assertThat(e.error()).isEqualTo(ProxyError.AUDIT_UNAVAILABLE);
          assertThat(e.getMessage()).contains("audit trail").doesNotContain("req-");
          refused++;
        }
        if (i == 40) {
          // The writer has met the disk limit and stopped taking records from the queue.
          awaitTrue(spool::full);
        }
      }

      assertThat(refused).isPositive();
      assertThat(spool.backlog()).isLessThanOrEqualTo(cap);
      // Besides the queue, the writer holds at most 4 x 4 lines; the rest is on disk.
      assertThat(taken.size()).isLessThanOrEqualTo(cap + 16 + spooledLines().size());
      assertThat(spool.accepting()).as("at the cap, new requests are refused").isFalse();
      assertThat(spool.healthy()).isFalse();

      // A shipper frees space: the writer catches up and the sink takes records again.
      List<String> shipped = new ArrayList<>();
      shipWhile(spool, shipped, () -> !spool.accepting() || spool.backlog() > 0);
      AuditRecord afterwards = SampleRecords.summary("req-after", 0);
      spool.emit(afterwards);
      taken.add(afterwards);
      shipAll(spool, shipped, taken.size());
      assertThat(shipped)
          .as("every record taken, once, in order, in one chain")
          .containsExactlyElementsOf(jsonOf(taken));
    } finally {
      spool.close();
    }
  }

  @Test
  void underTheCapConcurrentEmittersNeverQueueMoreThanItAndTheRefusedAreTheOnlyOnesMissing()
      throws Exception {
    int cap = 100;
    SpoolAuditSink spool =
        new SpoolAuditSink(
            dataDir, new AuditChain(json), Duration.ofMillis(10), 4, 1024, 100_000, 4096, cap);
    int threads = 4;
    int perThread = 300;
    List<List<AuditRecord>> takenByThread = new ArrayList<>();
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> emitters = new ArrayList<>();
    java.util.concurrent.atomic.AtomicInteger maxBacklog =
        new java.util.concurrent.atomic.AtomicInteger();
    try {
      for (int t = 0; t < threads; t++) {
        List<AuditRecord> taken = new ArrayList<>();
        takenByThread.add(taken);
        String requestId = "req-" + t;
        Thread emitter =
            new Thread(
                () -> {
                  awaitQuietly(start);
                  for (int i = 0; i < perThread; i++) {
                    AuditRecord record = SampleRecords.finding(requestId, i);
                    try {
                      spool.emit(record);
                      taken.add(record);
                    } catch (ProxyException e) {
                      // Refused: the request it belongs to would be refused.
                    }
                    maxBacklog.accumulateAndGet(spool.backlog(), Math::max);
                  }
                });
        emitter.start();
        emitters.add(emitter);
      }
      start.countDown();
      for (Thread emitter : emitters) {
        emitter.join();
      }
      // Each emitter may pass the check in the same instant as the others.
      assertThat(maxBacklog.get()).isLessThanOrEqualTo(cap + threads);

      List<String> shipped = new ArrayList<>();
      int total = takenByThread.stream().mapToInt(List::size).sum();
      shipAll(spool, shipped, total);
      assertThat(shipped).hasSize(total);
      assertIsOneUnbrokenChain(shipped);
      for (int t = 0; t < threads; t++) {
        String requestId = "req-" + t;
        List<String> own = unchainedOf(shipped, requestId);
        assertThat(own)
            .containsExactlyElementsOf(
                takenByThread.get(t).stream()
                    .map(
                        r ->
                            withoutChain(
                                new String(json.toJsonBytes(r, 0, AuditChain.GENESIS), UTF_8)))
                    .toList());
      }
    } finally {
      spool.close();
    }
  }

  // What a shipper does, while the condition holds: reads the finished files, then deletes them.
  private static void shipWhile(
      SpoolAuditSink spool, List<String> shipped, java.util.function.BooleanSupplier condition)
      throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("waited 20 s").isLessThan(deadline);
      for (Path file : SpoolAuditSink.spoolFiles(spool.directory().getParent())) {
        if (!file.equals(spool.currentFile())) {
          shipped.addAll(readLines(file));
          spool.delete(file);
        }
      }
      Thread.sleep(5);
    }
  }

  // Ships until each of the expected lines is shipped or written, then closes the spool and adds
  // what is left in its files.
  private void shipAll(SpoolAuditSink spool, List<String> shipped, int expected) throws Exception {
    shipWhile(spool, shipped, () -> shipped.size() + spooledLines().size() < expected);
    spool.close();
    for (Path file : SpoolAuditSink.spoolFiles(dataDir)) {
      shipped.addAll(readLines(file));
    }
  }

  @Test
  void existingFilesCountAgainstTheLimitAfterARestart() {
    try (SpoolAuditSink spool = new SpoolAuditSink(dataDir, json)) {
      SampleRecords.request("req-a", 3, 2).forEach(spool::emit);
    }
    long written =
        SpoolAuditSink.spoolFiles(dataDir).stream().mapToLong(SpoolAuditSinkTest::size).sum();

    try (SpoolAuditSink reopened = new SpoolAuditSink(dataDir, json, 1 << 20)) {
      assertThat(reopened.spoolBytes()).isEqualTo(written).isPositive();
      assertThat(reopened.spoolMaxBytes()).isEqualTo(1 << 20);
    }
  }

  @Test
  void theCurrentFileCannotBeDeleted() throws Exception {
    try (SpoolAuditSink spool = new SpoolAuditSink(dataDir, json)) {
      spool.emit(SampleRecords.finding("req-1", 0));
      awaitTrue(() -> spool.currentFile() != null);

      assertThatThrownBy(() -> spool.delete(spool.currentFile()))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  private static long size(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void awaitTrue(java.util.function.BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("waited 10 s").isLessThan(deadline);
      Thread.sleep(5);
    }
  }

  // The lines of one request, in their order, without their links in the chain.
  private static List<String> unchainedOf(List<String> lines, String requestId) {
    return lines.stream()
        .filter(l -> l.contains("\"request_id\":\"" + requestId + "\""))
        .map(SpoolAuditSinkTest::withoutChain)
        .toList();
  }

  static String withoutChain(String line) {
    return line.replaceFirst("\"seq\":\\d+,\"prev_hash\":\"[0-9a-f]{64}\",", "");
  }

  static void assertIsOneUnbrokenChain(List<String> lines) {
    String prev = AuditChain.GENESIS;
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      assertThat(line).contains("\"seq\":" + i + ",\"prev_hash\":\"" + prev + "\"");
      prev = AuditChain.hash(line.getBytes(UTF_8));
    }
  }

  @Test
  void filesRollAtTheSizeLimitAndTogetherKeepTheOrder() {
    List<AuditRecord> records = new ArrayList<>();
    for (int r = 0; r < 50; r++) {
      records.addAll(SampleRecords.request("req-" + r, 1, 1));
    }

    try (SpoolAuditSink spool =
        new SpoolAuditSink(dataDir, json, Duration.ofMillis(50), 4, 1024, 100_000)) {
      records.forEach(spool::emit);
    }

    assertThat(SpoolAuditSink.spoolFiles(dataDir)).hasSizeGreaterThan(3);
    assertThat(spooledLines()).containsExactlyElementsOf(jsonOf(records));
  }

  @Test
  void nothingIsWrittenAndNoFileIsCreatedWhenNothingIsEmitted() {
    new SpoolAuditSink(dataDir, json).close();

    assertThat(SpoolAuditSink.spoolFiles(dataDir)).isEmpty();
  }

  @Test
  void closedSpoolIsUnhealthyAndRefusesRecords() {
    SpoolAuditSink spool = new SpoolAuditSink(dataDir, json);
    assertThat(spool.healthy()).isTrue();

    spool.close();

    assertThat(spool.healthy()).isFalse();
    assertThatThrownBy(() -> spool.emit(SampleRecords.finding("req-1", 0)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
  }

  @Test
  void dataDirThatIsAFileFailsAtConstruction() throws IOException {
    Path file = Files.writeString(dataDir.resolve("not-a-dir"), "x");

    assertThatThrownBy(() -> new SpoolAuditSink(file, json))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("not-a-dir");
  }

  private List<String> spooledLines() {
    List<String> lines = new ArrayList<>();
    for (Path file : SpoolAuditSink.spoolFiles(dataDir)) {
      lines.addAll(readLines(file));
    }
    return lines;
  }

  private static List<String> readLines(Path file) {
    try {
      return Files.readAllLines(file, UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private List<String> jsonOf(List<AuditRecord> records) {
    return SampleRecords.chained(json, records);
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
