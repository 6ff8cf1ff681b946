package org.complianceproxy.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MachineTest {
  @TempDir Path dir;

  @Test
  void theSyncProbeGivesItsPercentilesAndLeavesNoFile() throws IOException {
    String sentence = Machine.syncLatency(dir);

    assertThat(sentence)
        .matches(
            "(?s).*p50 \\d+\\.\\d\\d ms, p99 \\d+\\.\\d\\d ms, max \\d+\\.\\d ms over "
                + Machine.SYNC_PROBES
                + " appends.*");
    try (Stream<Path> left = Files.list(dir)) {
      assertThat(left).isEmpty();
    }
  }

  @Test
  void aDirectoryThatCannotBeWrittenIsSaidSo() {
    String sentence = Machine.syncLatency(dir.resolve("missing"));

    assertThat(sentence).startsWith("The disk's sync latency could not be probed");
  }
}
