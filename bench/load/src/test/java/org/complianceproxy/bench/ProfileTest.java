package org.complianceproxy.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import jdk.jfr.Recording;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProfileTest {
  @TempDir Path dir;

  @Test
  void summarisesARecordingInFourShareTables() throws Exception {
    Path file = dir.resolve("test.jfr");
    try (Recording recording = new Recording()) {
      recording.enable("jdk.ExecutionSample").withPeriod(Duration.ofMillis(10));
      recording.start();
      long sum = 0;
      long until = System.nanoTime() + Duration.ofMillis(300).toNanos();
      while (System.nanoTime() < until) {
        sum += Long.toString(sum).hashCode();
      }
      assertThat(sum).isNotNull();
      recording.stop();
      recording.dump(file);
    }

    String markdown = Profile.read(file).markdown();

    assertThat(markdown)
        .containsPattern("^\\d+ execution samples of the proxy")
        .contains(
            "By component (the innermost frame outside the JDK):\n\n| share | component |\n|---:|---|\n",
            "\nBy thread:\n\n| share | thread |\n|---:|---|\n",
            "\nProxy methods on the stack (inclusive), top 25:\n\n| share | method |\n",
            "\nOn CPU (self), top 25:\n\n| share | method |\n");
  }
}
