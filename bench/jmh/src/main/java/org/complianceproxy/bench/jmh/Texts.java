package org.complianceproxy.bench.jmh;

import java.util.Random;

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

  /**
   * Filler words of the load bench's prompts ({@code bench/load}'s {@code Prompts}), in its order.
   */
  private static final String[] CHAT_WORDS =
      java.util.stream.Stream.concat(
              java.util.Arrays.stream(WORDS),
              java.util.stream.Stream.of(
                  "transfer",
                  "request",
                  "review",
                  "policy",
                  "claim",
                  "date",
                  "amount",
                  "status",
                  "update"))
          .toArray(String[]::new);

  private static final String[] CHAT_IBANS = {
    "DE89 3704 0044 0532 0130 00",
    "GB82 WEST 1234 5698 7654 32",
    "FR14 2004 1010 0505 0001 3M02 606",
  };

  private Texts() {}

  /**
   * The user text of the load bench's closed-loop small chat: what {@code bench/load}'s {@code
   * Prompts(7).text(4000, 4)} generates (the first text QuickSuite draws), character for character.
   * The generation is copied here, since bench/jmh does not depend on bench/load; keep the two in
   * step.
   */
  static String smallChat() {
    return chatText(new Random(7), 4000, 4);
  }

  /** {@code Prompts.text}: about {@code chars} chars of filler with evenly spread items. */
  private static String chatText(Random random, int chars, int piiItems) {
    StringBuilder text = new StringBuilder(chars + 64);
    int gap = piiItems == 0 ? Integer.MAX_VALUE : Math.max(1, chars / (piiItems + 1));
    int nextPii = gap;
    int written = 0;
    while (text.length() < chars) {
      if (written < piiItems && text.length() >= nextPii) {
        text.append(chatPii(random, written)).append(' ');
        written++;
        nextPii += gap;
      } else {
        text.append(CHAT_WORDS[random.nextInt(CHAT_WORDS.length)]).append(' ');
      }
    }
    return text.toString().trim();
  }

  /** {@code Prompts.pii}: card, SSN, e-mail, +44 phone or IBAN, by index. */
  private static String chatPii(Random random, int index) {
    switch (index % 5) {
      case 0:
        return luhnCard(random);
      case 1:
        return "ssn "
            + (100 + random.nextInt(500))
            + "-"
            + (10 + random.nextInt(89))
            + "-"
            + (1000 + random.nextInt(8999));
      case 2:
        return "user" + random.nextInt(100_000) + ".name@example.com";
      case 3:
        return "+44 20 7946 0" + (100 + random.nextInt(900));
      default:
        return CHAT_IBANS[random.nextInt(CHAT_IBANS.length)];
    }
  }

  /** {@code Prompts.card}: a Luhn-valid 16-digit Visa-style number, grouped by four. */
  private static String luhnCard(Random random) {
    int[] digits = new int[16];
    digits[0] = 4;
    for (int i = 1; i < 15; i++) {
      digits[i] = random.nextInt(10);
    }
    int sum = 0;
    for (int i = 0; i < 15; i++) {
      // From the right, the check digit is position 0; positions 1, 3, ... are doubled.
      int d = digits[14 - i];
      if (i % 2 == 0) {
        d *= 2;
        if (d > 9) {
          d -= 9;
        }
      }
      sum += d;
    }
    digits[15] = (10 - sum % 10) % 10;
    StringBuilder card = new StringBuilder(19);
    for (int i = 0; i < 16; i++) {
      if (i > 0 && i % 4 == 0) {
        card.append(' ');
      }
      card.append(digits[i]);
    }
    return card.toString();
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
