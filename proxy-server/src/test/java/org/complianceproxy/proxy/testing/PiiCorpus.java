package org.complianceproxy.proxy.testing;

import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.Phonenumber;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A seeded corpus of chat messages carrying card numbers, SSNs, emails, phone numbers and IBANs in
 * varied formats, with the PII values each message holds. The same seed gives the same corpus.
 * Every value generated is also added to {@link PiiValues#shared()}, so that {@link AuditPiiGuard}
 * looks for it in every audit record the tests produce.
 */
public final class PiiCorpus {

  /** One message and the sensitive values it contains, exactly as they appear in it. */
  public record Message(String text, List<String> piiValues) {}

  private static final String[] FIRST = {
    "anna", "li", "omar", "sofia", "jürgen", "chloé", "mateo", "zoe"
  };
  private static final String[] LAST = {"schmidt", "nguyen", "garcia", "dubois", "okafor", "rossi"};
  private static final String[] DOMAINS = {
    "example.com", "mail.example.org", "bank.example.co.uk", "corp.example.de"
  };
  private static final int[] AREA_CODES = {212, 415, 646, 312, 617, 202, 305, 713, 206, 503};
  private static final String[] OPENERS = {
    "Please update my file.",
    "Hi there, quick question about my account <urgent>.",
    "Grüße aus München!",
    "Can you summarise this for me? 🙂",
    "Ticket #4821 — re: refund of $1,234.56 on 2024-03-15.",
    "Note: use the form at a<b>c, version 2.4.1.",
    "",
  };

  private final Random random;
  private final PhoneNumberUtil phones = PhoneNumberUtil.getInstance();

  public PiiCorpus(long seed) {
    this.random = new Random(seed);
  }

  public List<Message> messages(int count) {
    List<Message> out = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      out.add(message());
    }
    return out;
  }

  public Message message() {
    List<String> values = new ArrayList<>();
    StringBuilder text = new StringBuilder(OPENERS[random.nextInt(OPENERS.length)]);
    int items = 1 + random.nextInt(3);
    for (int i = 0; i < items; i++) {
      String value;
      String sentence;
      switch (random.nextInt(5)) {
        case 0 -> {
          value = card();
          sentence = " My card is " + value + ", expiring soon.";
        }
        case 1 -> {
          value = ssn();
          sentence = " SSN: " + value + ".";
        }
        case 2 -> {
          value = email();
          sentence = " Write to " + value + " please.";
        }
        case 3 -> {
          value = phone();
          sentence = " Call me at " + value + " after 5pm.";
        }
        default -> {
          value = iban();
          sentence = " Transfer to IBAN " + value + " today.";
        }
      }
      values.add(value);
      text.append(sentence);
    }
    return new Message(text.toString().trim(), values);
  }

  public String card() {
    int brand = random.nextInt(3);
    String prefix =
        switch (brand) {
          case 0 -> "4" + digits(5);
          case 1 -> "5" + (1 + random.nextInt(5)) + digits(4);
          default -> "3" + (random.nextBoolean() ? "4" : "7") + digits(4);
        };
    int length = brand == 2 ? 15 : 16;
    String body = prefix + digits(length - prefix.length() - 1);
    String number = body + luhnCheckDigit(body);
    int format = random.nextInt(3);
    if (format == 0) {
      return issued(number, "CARD");
    }
    String sep = format == 1 ? " " : "-";
    if (length == 15) {
      return issued(
          number.substring(0, 4) + sep + number.substring(4, 10) + sep + number.substring(10),
          "CARD");
    }
    return issued(
        number.substring(0, 4)
            + sep
            + number.substring(4, 8)
            + sep
            + number.substring(8, 12)
            + sep
            + number.substring(12),
        "CARD");
  }

  public String ssn() {
    int area;
    do {
      area = 1 + random.nextInt(899);
    } while (area == 666);
    int group = 1 + random.nextInt(99);
    int serial = 1 + random.nextInt(9999);
    return issued(String.format("%03d-%02d-%04d", area, group, serial), "SSN");
  }

  public String email() {
    String local =
        FIRST[random.nextInt(FIRST.length)].replace("ü", "u").replace("é", "e")
            + "."
            + LAST[random.nextInt(LAST.length)];
    if (random.nextBoolean()) {
      local += "+" + (char) ('a' + random.nextInt(26)) + random.nextInt(100);
    }
    return issued(local + "@" + DOMAINS[random.nextInt(DOMAINS.length)], "EMAIL");
  }

  public String phone() {
    while (true) {
      int area = AREA_CODES[random.nextInt(AREA_CODES.length)];
      int exchange = 200 + random.nextInt(800);
      if (exchange % 100 == 11 || exchange == 555) {
        continue;
      }
      int line = random.nextInt(10000);
      Phonenumber.PhoneNumber number = new Phonenumber.PhoneNumber();
      number.setCountryCode(1);
      number.setNationalNumber(Long.parseLong(String.format("%d%03d%04d", area, exchange, line)));
      if (!phones.isValidNumber(number)) {
        continue;
      }
      return issued(
          switch (random.nextInt(3)) {
            case 0 -> String.format("+1 %d-%03d-%04d", area, exchange, line);
            case 1 -> String.format("(%d) %03d-%04d", area, exchange, line);
            default -> String.format("+1 (%d) %03d-%04d", area, exchange, line);
          },
          "PHONE");
    }
  }

  public String iban() {
    String country;
    String bban;
    switch (random.nextInt(3)) {
      case 0 -> {
        country = "DE";
        bban = digits(18);
      }
      case 1 -> {
        country = "GB";
        bban = letters(4) + digits(14);
      }
      default -> {
        country = "FR";
        bban = digits(23);
      }
    }
    String check = ibanCheckDigits(country, bban);
    String compact = country + check + bban;
    if (random.nextBoolean()) {
      return issued(compact, "IBAN");
    }
    StringBuilder grouped = new StringBuilder();
    for (int i = 0; i < compact.length(); i += 4) {
      if (i > 0) {
        grouped.append(' ');
      }
      grouped.append(compact, i, Math.min(i + 4, compact.length()));
    }
    return issued(grouped.toString(), "IBAN");
  }

  private static String issued(String value, String entityType) {
    PiiValues.shared().add(value, entityType);
    return value;
  }

  private static String ibanCheckDigits(String country, String bban) {
    String rearranged = bban + country + "00";
    StringBuilder numeric = new StringBuilder();
    for (char c : rearranged.toCharArray()) {
      numeric.append(Character.isDigit(c) ? String.valueOf(c) : String.valueOf(c - 'A' + 10));
    }
    int check = 98 - new BigInteger(numeric.toString()).mod(BigInteger.valueOf(97)).intValue();
    return String.format("%02d", check);
  }

  private static int luhnCheckDigit(String body) {
    int sum = 0;
    boolean doubleIt = true;
    for (int i = body.length() - 1; i >= 0; i--) {
      int d = body.charAt(i) - '0';
      if (doubleIt) {
        d *= 2;
        if (d > 9) {
          d -= 9;
        }
      }
      sum += d;
      doubleIt = !doubleIt;
    }
    return (10 - sum % 10) % 10;
  }

  private String digits(int n) {
    StringBuilder sb = new StringBuilder(n);
    for (int i = 0; i < n; i++) {
      sb.append((char) ('0' + random.nextInt(10)));
    }
    return sb.toString();
  }

  private String letters(int n) {
    StringBuilder sb = new StringBuilder(n);
    for (int i = 0; i < n; i++) {
      sb.append((char) ('A' + random.nextInt(26)));
    }
    return sb.toString();
  }
}
