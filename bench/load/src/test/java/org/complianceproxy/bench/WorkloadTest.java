package org.complianceproxy.bench;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.FullHttpRequest;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WorkloadTest {

  @Test
  void aFreshPromptDiffersFromThePlainOneInItsSlotOnly() {
    String plain = new Prompts(3).text(4000, 4);
    String fresh = new Prompts(3).text(4000, 4, true);
    int slot = fresh.indexOf(Prompts.FRESH_SLOT);
    assertThat(slot).isPositive();
    assertThat(fresh.indexOf(Prompts.FRESH_SLOT, slot + 1)).isNegative();
    assertThat(plain).doesNotContain(Prompts.FRESH_SLOT);
    // the same items around it: the seeded sequence is not shifted by the slot
    assertThat(fresh.substring(0, slot)).isEqualTo(plain.substring(0, slot));
    String after = fresh.substring(slot + Prompts.FRESH_SLOT.length());
    assertThat(plain).endsWith(after.substring(after.indexOf(' ')));
  }

  @Test
  void everyRequestOfAFreshWorkloadCarriesANewNumberAndTheSameRest() {
    String json = Prompts.chat("echo", new Prompts(3).text(4000, 4, true), false);
    int digits =
        json.indexOf(Prompts.FRESH_SLOT) + Prompts.FRESH_SLOT.length() - Prompts.FRESH_DIGITS;
    int end = digits + Prompts.FRESH_DIGITS;
    Set<String> seen = new HashSet<>();
    try (Workload workload = Workload.of("w", json, "k", false)) {
      for (int i = 0; i < 200; i++) {
        FullHttpRequest request = workload.newRequest();
        String body = request.content().toString(UTF_8);
        request.release();
        assertThat(body.substring(0, digits)).isEqualTo(json.substring(0, digits));
        assertThat(body.substring(end)).isEqualTo(json.substring(end));
        assertThat(body.substring(digits, end)).matches("[0-9]{10}");
        assertThat(seen.add(body.substring(digits, end))).as("a repeated number").isTrue();
      }
    }
  }

  @Test
  void aWorkloadWithoutASlotSendsTheSameBodyEveryTime() {
    String json = Prompts.chat("echo", new Prompts(3).text(4000, 4), false);
    try (Workload workload = Workload.of("w", json, "k", false)) {
      assertThat(workload.freshAt()).isEqualTo(-1);
      for (int i = 0; i < 3; i++) {
        FullHttpRequest request = workload.newRequest();
        assertThat(request.content().toString(UTF_8)).isEqualTo(json);
        request.release();
      }
    }
  }
}
