package org.complianceproxy.dlp;

import static java.util.Objects.requireNonNull;

import java.util.Locale;

/**
 * Canonical forms of found values, so that one value written in different ways gets one audit
 * fingerprint and one token: {@code "4111 1111 1111 1111"} and {@code "4111-1111-1111-1111"} both
 * become {@code "4111111111111111"}. The proxy restores the characters the client actually sent;
 * the canonical form is never shown to anyone.
 */
public final class Normalization {

  private Normalization() {}

  /**
   * The canonical form of {@code value} as an entity of {@code type}:
   *
   * <ul>
   *   <li>card, SSN, IBAN: letters and digits only, upper case;
   *   <li>e-mail: lower case, surrounding white space removed;
   *   <li>phone: E.164 ({@code +14155552671}), read as a US number unless it starts with {@code +};
   *       when libphonenumber cannot read it, {@code +} (if the value starts with one) and the
   *       digits.
   * </ul>
   *
   * Total: any value gives a string, possibly empty.
   */
  public static String normalize(EntityType type, CharSequence value) {
    requireNonNull(type, "type");
    requireNonNull(value, "value");
    return switch (type) {
      case EMAIL, IPV6 -> value.toString().strip().toLowerCase(Locale.ROOT);
      case NAME, ADDRESS -> collapseSpaces(value.toString().strip()).toLowerCase(Locale.ROOT);
      case SECRET, IPV4, DOB, CARDEXP -> value.toString().strip();
      case PHONE -> {
        String e164 = Phones.e164(value);
        yield e164 != null ? e164 : plusAndDigits(value);
      }
      default -> lettersAndDigits(value).toUpperCase(Locale.ROOT);
    };
  }

  /**
   * {@code value} with each run of the white space {@code \s} of java.util.regex (space, tab, line
   * feed, vertical tab, form feed, carriage return) replaced by one space.
   */
  private static String collapseSpaces(String value) {
    StringBuilder out = new StringBuilder(value.length());
    boolean inRun = false;
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      boolean space = c == ' ' || (c >= '\t' && c <= '\r');
      if (!space) {
        out.append(c);
      } else if (!inRun) {
        out.append(' ');
      }
      inRun = space;
    }
    return out.toString();
  }

  /** ASCII letters and digits of {@code value}, in order. */
  static String lettersAndDigits(CharSequence value) {
    StringBuilder out = new StringBuilder(value.length());
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) {
        out.append(c);
      }
    }
    return out.toString();
  }

  /** ASCII digits of {@code value}, in order. */
  static String digits(CharSequence value) {
    StringBuilder out = new StringBuilder(value.length());
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c >= '0' && c <= '9') {
        out.append(c);
      }
    }
    return out.toString();
  }

  private static String plusAndDigits(CharSequence value) {
    String trimmed = value.toString().strip();
    return (trimmed.startsWith("+") ? "+" : "") + digits(trimmed);
  }
}
