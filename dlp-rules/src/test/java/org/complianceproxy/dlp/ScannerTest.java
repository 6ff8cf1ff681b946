package org.complianceproxy.dlp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class ScannerTest {

  private static final String CHAT =
      "Hi, I'm Jane (jane.roe@example.org, +44 20 7946 0958). Please refund card "
          + "4111 1111 1111 1111 to IBAN GB82 WEST 1234 5698 7654 32; my SSN is 123-45-6789. "
          + "Order 4111111111111112 from 2024-01-15T10:30:00Z, total 1,234,567.89.";

  @Test
  void chatMessageGivesEveryFindingInOrder() {
    assertThat(Found.in(CHAT))
        .containsExactly(
            "NAME:Jane",
            "EMAIL:jane.roe@example.org",
            "PHONE:+44 20 7946 0958",
            "CARD:4111 1111 1111 1111",
            "IBAN:GB82 WEST 1234 5698 7654 32",
            "SSN:123-45-6789");
  }

  @Test
  void findingCarriesRuleActionAndConfidence() {
    assertThat(Scanner.defaults().scan("ssn 123-45-6789"))
        .containsExactly(new Finding(4, 15, EntityType.SSN, "ssn-dashed", Action.TOKENIZE, 0.9));
  }

  @Test
  void emptyTextHasNoFindings() {
    assertThat(Scanner.defaults().scan("")).isEmpty();
  }

  @Test
  void defaultsAreLoadedOnce() {
    assertThat(Scanner.defaults()).isSameAs(Scanner.defaults());
  }

  @Test
  void mutableCharSequenceIsScannedAsItWasWhenPassed() {
    StringBuilder text = new StringBuilder("card 4111111111111111");
    assertThat(Scanner.defaults().scan(text)).hasSize(1);
  }

  @Test
  void concurrentScansGiveTheSameFindings() throws Exception {
    List<Finding> expected = Scanner.defaults().scan(CHAT);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<List<Finding>>> results = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        results.add(pool.submit(() -> Scanner.defaults().scan(CHAT)));
      }
      for (Future<List<Finding>> result : results) {
        assertThat(result.get()).isEqualTo(expected);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void unpairedSurrogatesAndControlCharactersAreScannedWithoutError() {
    String text = "\uD800 4111111111111111 \uDC00\u0000john@example.com\uFFFF";
    assertThat(Found.in(text)).containsExactly("CARD:4111111111111111", "EMAIL:john@example.com");
  }
}
