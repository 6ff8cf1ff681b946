package org.complianceproxy.dlp;

import java.util.Map;

/** IBAN checks of ISO 13616: length per country and the ISO 7064 mod 97-10 check digits. */
final class Iban {

  /** IBAN length by country, from the SWIFT IBAN registry. */
  private static final Map<String, Integer> LENGTHS =
      Map.ofEntries(
          Map.entry("AD", 24),
          Map.entry("AE", 23),
          Map.entry("AL", 28),
          Map.entry("AT", 20),
          Map.entry("AZ", 28),
          Map.entry("BA", 20),
          Map.entry("BE", 16),
          Map.entry("BG", 22),
          Map.entry("BH", 22),
          Map.entry("BI", 27),
          Map.entry("BR", 29),
          Map.entry("BY", 28),
          Map.entry("CH", 21),
          Map.entry("CR", 22),
          Map.entry("CY", 28),
          Map.entry("CZ", 24),
          Map.entry("DE", 22),
          Map.entry("DJ", 27),
          Map.entry("DK", 18),
          Map.entry("DO", 28),
          Map.entry("EE", 20),
          Map.entry("EG", 29),
          Map.entry("ES", 24),
          Map.entry("FI", 18),
          Map.entry("FK", 18),
          Map.entry("FO", 18),
          Map.entry("FR", 27),
          Map.entry("GB", 22),
          Map.entry("GE", 22),
          Map.entry("GI", 23),
          Map.entry("GL", 18),
          Map.entry("GR", 27),
          Map.entry("GT", 28),
          Map.entry("HN", 28),
          Map.entry("HR", 21),
          Map.entry("HU", 28),
          Map.entry("IE", 22),
          Map.entry("IL", 23),
          Map.entry("IQ", 23),
          Map.entry("IS", 26),
          Map.entry("IT", 27),
          Map.entry("JO", 30),
          Map.entry("KW", 30),
          Map.entry("KZ", 20),
          Map.entry("LB", 28),
          Map.entry("LC", 32),
          Map.entry("LI", 21),
          Map.entry("LT", 20),
          Map.entry("LU", 20),
          Map.entry("LV", 21),
          Map.entry("LY", 25),
          Map.entry("MC", 27),
          Map.entry("MD", 24),
          Map.entry("ME", 22),
          Map.entry("MK", 19),
          Map.entry("MN", 20),
          Map.entry("MR", 27),
          Map.entry("MT", 31),
          Map.entry("MU", 30),
          Map.entry("NI", 28),
          Map.entry("NL", 18),
          Map.entry("NO", 15),
          Map.entry("OM", 23),
          Map.entry("PK", 24),
          Map.entry("PL", 28),
          Map.entry("PS", 29),
          Map.entry("PT", 25),
          Map.entry("QA", 29),
          Map.entry("RO", 24),
          Map.entry("RS", 22),
          Map.entry("RU", 33),
          Map.entry("SA", 24),
          Map.entry("SC", 31),
          Map.entry("SD", 18),
          Map.entry("SE", 24),
          Map.entry("SI", 19),
          Map.entry("SK", 24),
          Map.entry("SM", 27),
          Map.entry("SO", 23),
          Map.entry("ST", 25),
          Map.entry("SV", 28),
          Map.entry("TL", 23),
          Map.entry("TN", 24),
          Map.entry("TR", 26),
          Map.entry("UA", 29),
          Map.entry("VA", 22),
          Map.entry("VG", 24),
          Map.entry("XK", 20),
          Map.entry("YE", 30));

  /** Shortest and longest IBAN of any country, for countries missing from the table. */
  private static final int MIN_LENGTH = 15;

  private static final int MAX_LENGTH = 34;

  private Iban() {}

  /**
   * Whether {@code candidate}, with spaces ignored, is an IBAN: two letters, two check digits,
   * letters and digits after, the registered length for a known country (15 to 34 otherwise), and
   * mod 97 equal to 1 after moving the first four characters to the end.
   */
  static boolean valid(CharSequence candidate) {
    StringBuilder iban = new StringBuilder(candidate.length());
    for (int i = 0; i < candidate.length(); i++) {
      char c = candidate.charAt(i);
      if (c == ' ') {
        continue;
      }
      if (!isAsciiAlnum(c)) {
        return false;
      }
      iban.append(Character.toUpperCase(c));
    }
    int length = iban.length();
    if (length < MIN_LENGTH
        || length > MAX_LENGTH
        || !isAsciiLetter(iban.charAt(0))
        || !isAsciiLetter(iban.charAt(1))
        || !isDigit(iban.charAt(2))
        || !isDigit(iban.charAt(3))) {
      return false;
    }
    Integer expected = LENGTHS.get(iban.substring(0, 2));
    if (expected != null && expected != length) {
      return false;
    }
    int remainder = 0;
    for (int i = 0; i < length; i++) {
      char c = iban.charAt((i + 4) % length);
      int value = isDigit(c) ? c - '0' : c - 'A' + 10;
      remainder = value < 10 ? (remainder * 10 + value) % 97 : (remainder * 100 + value) % 97;
    }
    return remainder == 1;
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private static boolean isAsciiLetter(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
  }

  private static boolean isAsciiAlnum(char c) {
    return isDigit(c) || isAsciiLetter(c);
  }
}
