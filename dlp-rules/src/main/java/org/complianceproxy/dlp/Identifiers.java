package org.complianceproxy.dlp;

import java.util.Set;

/**
 * Check digits and ranges of the identifiers behind {@link Validator}: card issuer ranges, ABA
 * routing numbers, ISIN, CUSIP, LEI, Canadian SIN, UK NINO, ITIN, EIN, BIC, IP addresses, dates,
 * JWTs and the entropy of secrets. Every check is total: it returns false for any string it cannot
 * read.
 */
final class Identifiers {

  private Identifiers() {}

  /** ISO 3166-1 alpha-2 codes, for the country part of a BIC and the prefix of an ISIN. */
  static final Set<String> COUNTRIES =
      Set.of(
          ("AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO"
                  + " BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY"
                  + " CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG"
                  + " GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ"
                  + " IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT"
                  + " LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ"
                  + " NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW"
                  + " PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX"
                  + " SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC"
                  + " VE VG VI VN VU WF WS XK YE YT ZA ZM ZW")
              .split(" "));

  /** ISIN prefixes that are not countries: international (XS), EU (EU) and CUSIP-based (XC...). */
  private static final Set<String> ISIN_EXTRA = Set.of("XS", "EU", "XA", "XB", "XC", "XD", "XF");

  /**
   * Digits of {@code s}, separators {@code ' '}, {@code '-'} and {@code '.'} skipped; else null.
   */
  static String digitsOnly(CharSequence s) {
    StringBuilder out = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= '0' && c <= '9') {
        out.append(c);
      } else if (c != ' ' && c != '-' && c != '.') {
        return null;
      }
    }
    return out.toString();
  }

  /**
   * A payment card number: Luhn, and a length the issuer uses for its range: Visa 4 (13, 16, 19),
   * Mastercard 51-55 and 2221-2720 (16), Amex 34/37 (15), Discover 6011, 644-649, 65 (16-19), JCB
   * 3528-3589 (16-19), older JCB and Diners 3000-3399 (14-19), Diners 300-305, 3095, 36, 38-39
   * (14-19), UnionPay 62 and 81 (16-19).
   */
  static boolean card(CharSequence candidate) {
    String d = digitsOnly(candidate);
    if (d == null || !Checksums.luhnValid(d)) {
      return false;
    }
    int n = d.length();
    int p2 = Integer.parseInt(d.substring(0, 2));
    int p3 = Integer.parseInt(d.substring(0, 3));
    int p4 = Integer.parseInt(d.substring(0, 4));
    if (d.charAt(0) == '4') {
      return n == 13 || n == 16 || n == 19;
    }
    if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) {
      return n == 16;
    }
    if (p2 == 34 || p2 == 37) {
      return n == 15;
    }
    if (p4 == 6011 || (p3 >= 644 && p3 <= 649) || p2 == 65) {
      return n >= 16 && n <= 19;
    }
    if (p4 >= 3528 && p4 <= 3589) {
      return n >= 16 && n <= 19;
    }
    // JCB's and Diners' older 30xx-33xx ranges, still in test data and old cards.
    if (p4 >= 3000 && p4 <= 3399) {
      return n >= 14 && n <= 19;
    }
    if ((p3 >= 300 && p3 <= 305) || p4 == 3095 || p2 == 36 || p2 == 38 || p2 == 39) {
      return n >= 14 && n <= 19;
    }
    if (p2 == 62 || p2 == 81) {
      return n >= 16 && n <= 19;
    }
    return false;
  }

  /** ABA routing number: 9 digits, weights 3-7-1, first two digits a Federal Reserve range. */
  static boolean aba(CharSequence candidate) {
    String d = digitsOnly(candidate);
    if (d == null || d.length() != 9) {
      return false;
    }
    int prefix = Integer.parseInt(d.substring(0, 2));
    boolean range =
        prefix <= 12
            || (prefix >= 21 && prefix <= 32)
            || (prefix >= 61 && prefix <= 72)
            || prefix == 80;
    if (!range || d.equals("000000000")) {
      return false;
    }
    int sum = 0;
    int[] weights = {3, 7, 1};
    for (int i = 0; i < 9; i++) {
      sum += (d.charAt(i) - '0') * weights[i % 3];
    }
    return sum % 10 == 0;
  }

  /** ISIN: a country (or XS/EU) prefix, nine alphanumerics, and a Luhn check over letter values. */
  static boolean isin(CharSequence candidate) {
    String s = candidate.toString();
    if (s.length() != 12
        || !isUpper(s.charAt(0))
        || !isUpper(s.charAt(1))
        || !isDigit(s.charAt(11))) {
      return false;
    }
    String country = s.substring(0, 2);
    if (!COUNTRIES.contains(country) && !ISIN_EXTRA.contains(country)) {
      return false;
    }
    StringBuilder digits = new StringBuilder(24);
    boolean hasDigit = false;
    for (int i = 0; i < 12; i++) {
      char c = s.charAt(i);
      if (isDigit(c)) {
        digits.append(c);
        hasDigit |= i >= 2 && i < 11;
      } else if (isUpper(c)) {
        digits.append(c - 'A' + 10);
      } else {
        return false;
      }
    }
    return hasDigit && luhnAny(digits);
  }

  /** Luhn over any number of digits (ISINs expand to 12 to 24 digits). */
  static boolean luhnAny(CharSequence digits) {
    int sum = 0;
    for (int i = digits.length() - 1, k = 0; i >= 0; i--, k++) {
      int d = digits.charAt(i) - '0';
      if ((k & 1) == 1) {
        d *= 2;
        if (d > 9) {
          d -= 9;
        }
      }
      sum += d;
    }
    return sum % 10 == 0;
  }

  /** CUSIP: eight alphanumerics (with at least three digits) and a modulus-10 check digit. */
  static boolean cusip(CharSequence candidate) {
    String s = candidate.toString();
    if (s.length() != 9 || !isDigit(s.charAt(8))) {
      return false;
    }
    int sum = 0;
    int digits = 0;
    for (int i = 0; i < 8; i++) {
      char c = s.charAt(i);
      int v;
      if (isDigit(c)) {
        v = c - '0';
        digits++;
      } else if (isUpper(c)) {
        v = c - 'A' + 10;
      } else if (c == '*' || c == '@' || c == '#') {
        v = c == '*' ? 36 : c == '@' ? 37 : 38;
      } else {
        return false;
      }
      if ((i & 1) == 1) {
        v *= 2;
      }
      sum += v / 10 + v % 10;
    }
    return digits >= 3 && (10 - sum % 10) % 10 == s.charAt(8) - '0';
  }

  /** LEI: 18 alphanumerics and two check digits, mod 97 over letter values equal to 1. */
  static boolean lei(CharSequence candidate) {
    String s = candidate.toString();
    if (s.length() != 20 || !isDigit(s.charAt(18)) || !isDigit(s.charAt(19))) {
      return false;
    }
    int remainder = 0;
    int digits = 0;
    for (int i = 0; i < 20; i++) {
      char c = s.charAt(i);
      if (isDigit(c)) {
        remainder = (remainder * 10 + (c - '0')) % 97;
        digits++;
      } else if (isUpper(c)) {
        remainder = (remainder * 100 + (c - 'A' + 10)) % 97;
      } else {
        return false;
      }
    }
    return remainder == 1 && digits >= 6;
  }

  /** Canadian SIN: nine digits (separators allowed), Luhn, first digit not 0 or 8. */
  static boolean sin(CharSequence candidate) {
    String d = digitsOnly(candidate);
    return d != null && d.length() == 9 && d.charAt(0) != '0' && d.charAt(0) != '8' && luhnAny(d);
  }

  /**
   * UK NINO: two prefix letters (not D, F, I, Q, U, V; second not O; not BG, GB, KN, NK, NT, TN,
   * ZZ), six digits, suffix A-D; spaces between pairs allowed.
   */
  static boolean nino(CharSequence candidate) {
    StringBuilder s = new StringBuilder(9);
    for (int i = 0; i < candidate.length(); i++) {
      char c = candidate.charAt(i);
      if (c != ' ') {
        s.append(Character.toUpperCase(c));
      }
    }
    if (s.length() != 9) {
      return false;
    }
    char a = s.charAt(0);
    char b = s.charAt(1);
    if (!isUpper(a) || !isUpper(b) || "DFIQUV".indexOf(a) >= 0 || "DFIQUVO".indexOf(b) >= 0) {
      return false;
    }
    String prefix = s.substring(0, 2);
    if (Set.of("BG", "GB", "KN", "NK", "NT", "TN", "ZZ").contains(prefix)) {
      return false;
    }
    for (int i = 2; i < 8; i++) {
      if (!isDigit(s.charAt(i))) {
        return false;
      }
    }
    return "ABCD".indexOf(s.charAt(8)) >= 0;
  }

  /** ITIN: 9xx-GG-xxxx with group 50-65, 70-88 (not 89), 90-92 or 94-99. */
  static boolean itin(CharSequence candidate) {
    String d = digitsOnly(candidate);
    if (d == null || d.length() != 9 || d.charAt(0) != '9') {
      return false;
    }
    int group = Integer.parseInt(d.substring(3, 5));
    return (group >= 50 && group <= 65)
        || (group >= 70 && group <= 88)
        || (group >= 90 && group <= 92)
        || (group >= 94);
  }

  /** EIN: nine digits with an IRS campus prefix (not 00, 07-09, 17-19, 28, 29, 49, 69, 70, ...). */
  static boolean ein(CharSequence candidate) {
    String d = digitsOnly(candidate);
    if (d == null || d.length() != 9) {
      return false;
    }
    int prefix = Integer.parseInt(d.substring(0, 2));
    return !Set.of(0, 7, 8, 9, 17, 18, 19, 28, 29, 49, 69, 70, 78, 79, 89, 96, 97).contains(prefix);
  }

  /** US SSN written without dashes (or with spaces): the ranges of {@link Checksums#ssnValid}. */
  static boolean ssnDigits(CharSequence candidate) {
    String d = digitsOnly(candidate);
    if (d == null || d.length() != 9) {
      return false;
    }
    return Checksums.ssnValid(d.substring(0, 3) + "-" + d.substring(3, 5) + "-" + d.substring(5));
  }

  /** BIC: four bank letters, a country, two location and optionally three branch alphanumerics. */
  static boolean bic(CharSequence candidate) {
    String s = candidate.toString();
    if (s.length() != 8 && s.length() != 11) {
      return false;
    }
    for (int i = 0; i < 6; i++) {
      if (!isUpper(s.charAt(i))) {
        return false;
      }
    }
    for (int i = 6; i < s.length(); i++) {
      if (!isUpper(s.charAt(i)) && !isDigit(s.charAt(i))) {
        return false;
      }
    }
    // Location "0" as second char marks a test BIC; still a BIC.
    return COUNTRIES.contains(s.substring(4, 6));
  }

  /** IPv4 dotted quad, each part 0-255 without leading zeros, not 0.0.0.0. */
  static boolean ipv4(CharSequence candidate) {
    String[] parts = candidate.toString().split("\\.", -1);
    if (parts.length != 4) {
      return false;
    }
    int zeros = 0;
    for (String part : parts) {
      if (part.isEmpty() || part.length() > 3 || (part.length() > 1 && part.charAt(0) == '0')) {
        return false;
      }
      for (int i = 0; i < part.length(); i++) {
        if (!isDigit(part.charAt(i))) {
          return false;
        }
      }
      int v = Integer.parseInt(part);
      if (v > 255) {
        return false;
      }
      zeros += v == 0 ? 1 : 0;
    }
    return zeros < 4;
  }

  /**
   * IPv6 (RFC 4291 text forms): eight groups of 1-4 hex digits, or fewer with one {@code ::}, an
   * optional embedded IPv4 tail; at least three groups or a {@code ::} so that times are not taken.
   */
  static boolean ipv6(CharSequence candidate) {
    String s = candidate.toString();
    if (s.length() < 3 || s.length() > 45) {
      return false;
    }
    int doubleColon = s.indexOf("::");
    if (doubleColon >= 0 && s.indexOf("::", doubleColon + 1) >= 0) {
      return false;
    }
    String tail = null;
    int lastColon = s.lastIndexOf(':');
    if (s.indexOf('.') >= 0) {
      tail = s.substring(lastColon + 1);
      if (!ipv4(tail)) {
        return false;
      }
      s = s.substring(0, lastColon + 1) + "0:0";
    }
    String[] groups;
    if (doubleColon >= 0) {
      String left = s.substring(0, doubleColon);
      String right = s.substring(doubleColon + 2);
      String both = left.isEmpty() || right.isEmpty() ? left + right : left + ":" + right;
      groups = both.isEmpty() ? new String[0] : both.split(":", -1);
    } else {
      groups = s.split(":", -1);
    }
    for (String g : groups) {
      if (g.isEmpty() || g.length() > 4) {
        return false;
      }
      for (int k = 0; k < g.length(); k++) {
        if (Character.digit(g.charAt(k), 16) < 0) {
          return false;
        }
      }
    }
    int count = groups.length;
    if (doubleColon >= 0) {
      // "a::b" is C++ more often than an address; "fe80::1", "2001:db8::1" and "::1" are addresses.
      boolean longHead = doubleColon >= 3;
      return count <= 7 && (count >= 3 || (count >= 1 && longHead) || s.equals("::1"));
    }
    return count == 8;
  }

  /** A date of birth: day, month, year in a plausible range (1900-2030), in the written order. */
  static boolean date(CharSequence candidate) {
    String s = candidate.toString();
    String[] parts = s.split("[./ -]", -1);
    if (parts.length != 3) {
      return false;
    }
    try {
      int a = Integer.parseInt(parts[0]);
      int b = Integer.parseInt(parts[1]);
      int c = Integer.parseInt(parts[2]);
      if (parts[0].length() == 4) {
        return year(a) && month(b) && day(c);
      }
      int year = parts[2].length() == 2 ? 1900 + c : c;
      if (!year(year)) {
        return false;
      }
      return (month(a) && day(b)) || (day(a) && month(b));
    } catch (NumberFormatException e) {
      return false;
    }
  }

  /**
   * A date of birth written with digits ({@link #date}) or with a month name: a day 1-31 and a
   * four-digit year 1900-2030 among its numbers.
   */
  static boolean dob(CharSequence candidate) {
    String s = candidate.toString();
    boolean letters = false;
    for (int i = 0; i < s.length(); i++) {
      letters |= Character.isLetter(s.charAt(i));
    }
    if (!letters) {
      return date(s);
    }
    boolean year = false;
    boolean day = false;
    for (String part : s.split("[^0-9]+")) {
      if (part.isEmpty()) {
        continue;
      }
      int v = Integer.parseInt(part.length() > 4 ? "0" : part);
      if (part.length() == 4 && year(v)) {
        year = true;
      } else if (part.length() <= 2 && day(v)) {
        day = true;
      }
    }
    return year && day;
  }

  /**
   * A document number (passport, driver's licence): 6 to 20 letters, digits and single dashes, with
   * a digit, and not a date.
   */
  static boolean documentNumber(CharSequence candidate) {
    String s = candidate.toString();
    if (s.length() < 5 || s.length() > 20 || s.contains("--")) {
      return false;
    }
    int digits = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (isDigit(c)) {
        digits++;
      } else if (!isUpper(c) && c != '-') {
        return false;
      }
    }
    return digits >= 1 && s.length() >= 6 && !date(s);
  }

  /** Card expiry: MM/YY or MM/YYYY. */
  static boolean expiry(CharSequence candidate) {
    String s = candidate.toString();
    int slash = s.indexOf('/');
    if (slash < 1) {
      slash = s.indexOf('-');
    }
    if (slash < 1) {
      return false;
    }
    try {
      int month = Integer.parseInt(s.substring(0, slash).strip());
      String y = s.substring(slash + 1).strip();
      return month(month) && (y.length() == 2 || (y.length() == 4 && y.startsWith("20")));
    } catch (NumberFormatException e) {
      return false;
    }
  }

  /** A JWT: three base64url parts, the first decoding to a JSON object with an {@code alg}. */
  static boolean jwt(CharSequence candidate) {
    String s = candidate.toString();
    int dot = s.indexOf('.');
    if (dot < 10 || !s.startsWith("eyJ")) {
      return false;
    }
    try {
      byte[] header = java.util.Base64.getUrlDecoder().decode(s.substring(0, dot));
      String json = new String(header, java.nio.charset.StandardCharsets.UTF_8);
      return json.startsWith("{") && json.contains("\"alg\"");
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /**
   * A secret value: at least 8 chars, not a plain word (it mixes at least two of lower case, upper
   * case, digits and symbols) and Shannon entropy of at least 2.5 bits per char.
   */
  static boolean highEntropy(CharSequence candidate) {
    String s = candidate.toString();
    if (s.length() < 8) {
      return false;
    }
    int lower = 0;
    int upper = 0;
    int digit = 0;
    int other = 0;
    int[] counts = new int[128];
    int nonAscii = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= 128) {
        nonAscii++;
        continue;
      }
      counts[c]++;
      if (c >= 'a' && c <= 'z') {
        lower = 1;
      } else if (c >= 'A' && c <= 'Z') {
        upper = 1;
      } else if (isDigit(c)) {
        digit = 1;
      } else {
        other = 1;
      }
    }
    int classes = lower + upper + digit + other;
    if (classes < 3 && !(classes == 2 && s.length() >= 20)) {
      return false;
    }
    double entropy = 0;
    int n = s.length() - nonAscii;
    for (int count : counts) {
      if (count > 0) {
        double p = (double) count / n;
        entropy -= p * Math.log(p) / Math.log(2);
      }
    }
    return entropy >= 2.5;
  }

  private static boolean year(int y) {
    return y >= 1900 && y <= 2030;
  }

  private static boolean month(int m) {
    return m >= 1 && m <= 12;
  }

  private static boolean day(int d) {
    return d >= 1 && d <= 31;
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private static boolean isUpper(char c) {
    return c >= 'A' && c <= 'Z';
  }
}
