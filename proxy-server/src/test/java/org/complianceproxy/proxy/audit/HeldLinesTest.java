package org.complianceproxy.proxy.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.complianceproxy.proxy.testing.SeededRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The spool writer serializes records into {@link HeldLines} instead of an array per record ({@link
 * AuditChain#next}); the lines, and so the spool files and the chain, must be byte for byte the
 * same. Random records of every kind ({@link AuditJsonJacksonEquivalenceTest#record}: quotes,
 * control characters, non-ASCII, lone surrogates, odd numbers).
 */
class HeldLinesTest {

  @TempDir Path dataDir;

  @Test
  void heldLinesAreTheChainsLinesEachWithItsNewline() {
    SeededRandom.forEachCase(
        300,
        random -> {
          AuditJson json = new AuditJson("proxy-1");
          AuditChain held = new AuditChain(json);
          AuditChain reference = new AuditChain(json);
          HeldLines lines = new HeldLines();
          List<byte[]> expected = new ArrayList<>();
          for (int i = SeededRandom.between(random, 1, 40); i > 0; i--) {
            AuditRecord record = AuditJsonJacksonEquivalenceTest.record(random);
            lines.add(held, record);
            expected.add(withNewline(reference.next(record)));
            if (random.nextInt(8) == 0) {
              int written = random.nextInt(lines.size() + 1);
              lines.removeFirst(written);
              expected.subList(0, written).clear();
            }
          }

          assertThat(lines.size()).isEqualTo(expected.size());
          for (int i = 0; i < lines.size(); i++) {
            byte[] line =
                Arrays.copyOfRange(lines.array(), lines.start(i), lines.start(i) + lines.length(i));
            assertThat(line).isEqualTo(expected.get(i));
          }
          assertThat(held.length()).isEqualTo(reference.length());
        });
  }

  @Test
  void theSpoolFileHoldsTheChainsLinesByteForByte() {
    SeededRandom.forEachCase(
        6,
        random -> {
          Path dir = Files.createTempDirectory(dataDir, "case");
          AuditJson json = new AuditJson("proxy-1");
          AuditChain reference = new AuditChain(json);
          ByteArrayOutputStream expected = new ByteArrayOutputStream();
          try (SpoolAuditSink spool = new SpoolAuditSink(dir, json)) {
            for (int i = SeededRandom.between(random, 1, 300); i > 0; i--) {
              AuditRecord record = AuditJsonJacksonEquivalenceTest.record(random);
              spool.emit(record);
              expected.writeBytes(withNewline(reference.next(record)));
            }
          }

          ByteArrayOutputStream spooled = new ByteArrayOutputStream();
          for (Path file : SpoolAuditSink.spoolFiles(dir)) {
            spooled.writeBytes(Files.readAllBytes(file));
            // random text may look like personal data to the suite's audit PII guard
            Files.delete(file);
          }
          assertThat(spooled.toByteArray()).isEqualTo(expected.toByteArray());
        });
  }

  private static byte[] withNewline(byte[] line) {
    byte[] out = Arrays.copyOf(line, line.length + 1);
    out[line.length] = '\n';
    return out;
  }
}
