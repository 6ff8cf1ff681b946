package org.complianceproxy.bench.jmh;

import java.util.Random;
import org.complianceproxy.bench.Prompts;

/** Seeded benchmark inputs: prose with synthetic personal data, as the load scenarios send. */
final class Texts {
  private static final String[] WORDS = {
    "the",
    "invoice",
    "customer",
    "please",
    "summarise",
    "account",
    "payment",
    "refund",
    "order",
    "delivery",
    "address",
    "contract",
    "renewal",
    "ticket",
    "support",
    "balance",
    "statement",
  };
  private static final String[] PII = {
    "4111 1111 1111 1111",
    "ssn 123-45-6789",
    "ann.lee@example.com",
    "+44 20 7946 0958",
    "DE89 3704 0044 0532 0130 00",
  };

  private Texts() {}

  /**
   * The user text of the load bench's closed-loop small chat: {@code Prompts(7).text(4000, 4)}, the
   * first text QuickSuite draws (the suite numbers one e-mail address per request; this is the text
   * without that slot).
   */
  static String smallChat() {
    return new Prompts(7).text(4000, 4);
  }

  /** About {@code chars} characters of prose with {@code piiItems} items spread evenly. */
  static String prose(long seed, int chars, int piiItems) {
    Random random = new Random(seed);
    StringBuilder text = new StringBuilder(chars + 64);
    int gap = piiItems == 0 ? Integer.MAX_VALUE : Math.max(1, chars / (piiItems + 1));
    int next = gap;
    int written = 0;
    while (text.length() < chars) {
      if (written < piiItems && text.length() >= next) {
        text.append(PII[written % PII.length]).append(' ');
        written++;
        next += gap;
      } else {
        text.append(WORDS[random.nextInt(WORDS.length)]).append(' ');
      }
    }
    return text.toString();
  }
}
