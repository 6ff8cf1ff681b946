package org.complianceproxy.bench;

import java.util.Random;

/**
 * Chat request bodies of the scenarios: filler prose with synthetic personal data (Luhn-valid card
 * numbers, SSNs, e-mail addresses, phone numbers, IBANs) sprinkled in. Seeded, so every run sends
 * the same bytes, but for the fresh slot that {@link Workload} numbers per request. The text needs
 * no JSON escaping.
 */
public final class Prompts {
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
    "transfer",
    "request",
    "review",
    "policy",
    "claim",
    "date",
    "amount",
    "status",
    "update",
  };
  private static final String[] IBANS = {
    "DE89 3704 0044 0532 0130 00",
    "GB82 WEST 1234 5698 7654 32",
    "FR14 2004 1010 0505 0001 3M02 606",
  };

  /** Digits of {@link #FRESH_SLOT}, which {@link Workload} replaces with a counter per request. */
  static final int FRESH_DIGITS = 10;

  /** The local part of the e-mail address that {@link #text(int, int, boolean)} makes fresh. */
  static final String FRESH_SLOT = "fresh" + "0".repeat(FRESH_DIGITS);

  private final Random random;

  public Prompts(long seed) {
    this.random = new Random(seed);
  }

  /**
   * A user text of about {@code chars} characters with {@code piiItems} personal data items spread
   * evenly through it.
   */
  public String text(int chars, int piiItems) {
    return text(chars, piiItems, false);
  }

  /**
   * As {@link #text(int, int)}; with {@code fresh}, the first e-mail address (the third item) has
   * the local part {@link #FRESH_SLOT}, so that every request of its {@link Workload} carries a
   * value never sent before.
   */
  public String text(int chars, int piiItems, boolean fresh) {
    boolean freshPending = fresh;
    StringBuilder text = new StringBuilder(chars + 64);
    int gap = piiItems == 0 ? Integer.MAX_VALUE : Math.max(1, chars / (piiItems + 1));
    int nextPii = gap;
    int written = 0;
    while (text.length() < chars) {
      if (written < piiItems && text.length() >= nextPii) {
        String item = pii(written);
        if (freshPending && written % 5 == 2) {
          item = FRESH_SLOT + "@example.com";
          freshPending = false;
        }
        text.append(item).append(' ');
        written++;
        nextPii += gap;
      } else {
        text.append(WORDS[random.nextInt(WORDS.length)]).append(' ');
      }
    }
    return text.toString().trim();
  }

  /** {@code {"model":...,"messages":[system, user]}} with the given user text. */
  public static String chat(String model, String userText, boolean stream) {
    return "{\"model\":\""
        + model
        + "\",\"stream\":"
        + stream
        + ",\"messages\":[{\"role\":\"system\",\"content\":\"You are a helpful assistant.\"},"
        + "{\"role\":\"user\",\"content\":\""
        + userText
        + "\"}]}";
  }

  private String pii(int index) {
    switch (index % 5) {
      case 0:
        return card();
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
        return IBANS[random.nextInt(IBANS.length)];
    }
  }

  /** A Luhn-valid 16-digit Visa-style number, grouped by four. */
  private String card() {
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
}
