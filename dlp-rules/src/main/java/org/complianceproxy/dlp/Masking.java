package org.complianceproxy.dlp;

import static java.util.Objects.requireNonNull;

import java.util.Locale;

/**
 * Irreversible partial masks for the {@link Action#MASK} action and for display. A mask shows at
 * most the last four digits of a number, and only when the number has at least twice as many, so
 * that a mask never shows most of a short value.
 */
public final class Masking {

  /** Digits a mask may show, at the end. */
  private static final int SHOWN_DIGITS = 4;

  /** Fewest digits a value needs before any of them is shown. */
  private static final int MIN_DIGITS_TO_SHOW = 2 * SHOWN_DIGITS;

  private Masking() {}

  /**
   * The mask of {@code value} as an entity of {@code type}:
   *
   * <ul>
   *   <li>card, phone: {@code ****1111};
   *   <li>SSN: {@code ***-**-6789};
   *   <li>IBAN: country code and last four, {@code DE****3000};
   *   <li>e-mail: first char of the local part and the domain, {@code j***@example.com}.
   * </ul>
   *
   * Total: any value gives a mask; a value too short to show anything gives the bare mask.
   */
  public static String mask(EntityType type, CharSequence value) {
    requireNonNull(type, "type");
    requireNonNull(value, "value");
    return switch (type) {
      case CARD, PHONE -> "****" + lastDigits(Normalization.digits(value), "");
      case SSN -> "***-**-" + lastDigits(Normalization.digits(value), "****");
      case IBAN -> maskIban(Normalization.lettersAndDigits(value).toUpperCase(Locale.ROOT));
      case EMAIL -> maskEmail(value.toString().strip());
      case NAME -> maskWords(value.toString().strip());
      case SECRET, ADDRESS, DOB, CARDEXP, CVV -> "****";
      default -> "****" + lastDigits(Normalization.lettersAndDigits(value), "");
    };
  }

  /** The last four digits, or {@code ifTooShort} when there are too few to show any. */
  private static String lastDigits(String digits, String ifTooShort) {
    return digits.length() >= MIN_DIGITS_TO_SHOW
        ? digits.substring(digits.length() - SHOWN_DIGITS)
        : ifTooShort;
  }

  private static String maskIban(String iban) {
    boolean hasCountry =
        iban.length() >= 2
            && Character.isLetter(iban.charAt(0))
            && Character.isLetter(iban.charAt(1));
    String country = hasCountry ? iban.substring(0, 2) : "";
    String rest = hasCountry ? iban.substring(2) : iban;
    String tail =
        rest.length() >= MIN_DIGITS_TO_SHOW ? rest.substring(rest.length() - SHOWN_DIGITS) : "";
    return country + "****" + tail;
  }

  /** The first letter of each word: {@code J*** S***}. */
  private static String maskWords(String words) {
    StringBuilder out = new StringBuilder();
    for (String word : words.split("\\s+")) {
      if (word.isEmpty()) {
        continue;
      }
      if (out.length() > 0) {
        out.append(' ');
      }
      out.appendCodePoint(word.codePointAt(0)).append("***");
    }
    return out.length() == 0 ? "***" : out.toString();
  }

  private static String maskEmail(String email) {
    int at = email.lastIndexOf('@');
    if (at < 0) {
      return "***";
    }
    String local = email.substring(0, at);
    String first = local.length() >= 2 ? local.substring(0, 1) : "";
    return first + "***" + email.substring(at);
  }
}
