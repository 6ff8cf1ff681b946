package org.complianceproxy.dlp;

/** The small checks behind {@link Validator}: Luhn, SSN ranges, e-mail shape. */
final class Checksums {

  /** RFC 5321: 64 octets of local part. */
  private static final int MAX_EMAIL_LOCAL = 64;

  /** RFC 1035: 63 octets per label. */
  private static final int MAX_DNS_LABEL = 63;

  /** RFC 5321 path limit minus the angle brackets. */
  private static final int MAX_EMAIL = 254;

  private Checksums() {}

  static boolean luhnValid(CharSequence candidate) {
    int digits = 0;
    int sum = 0;
    for (int i = candidate.length() - 1; i >= 0; i--) {
      char c = candidate.charAt(i);
      if (c == ' ' || c == '-' || c == '.') {
        continue;
      }
      if (c < '0' || c > '9') {
        return false;
      }
      int d = c - '0';
      if ((digits & 1) == 1) {
        d *= 2;
        if (d > 9) {
          d -= 9;
        }
      }
      sum += d;
      digits++;
    }
    return digits >= 13 && digits <= 19 && sum % 10 == 0;
  }

  static boolean ssnValid(CharSequence candidate) {
    if (candidate.length() != 11 || candidate.charAt(3) != '-' || candidate.charAt(6) != '-') {
      return false;
    }
    for (int i = 0; i < 11; i++) {
      char c = candidate.charAt(i);
      if (i != 3 && i != 6 && (c < '0' || c > '9')) {
        return false;
      }
    }
    int area = number(candidate, 0, 3);
    int group = number(candidate, 4, 6);
    int serial = number(candidate, 7, 11);
    return area != 0 && area != 666 && area < 900 && group != 0 && serial != 0;
  }

  static boolean emailValid(CharSequence candidate) {
    String s = candidate.toString();
    int at = s.lastIndexOf('@');
    if (s.length() > MAX_EMAIL || at < 1 || at > MAX_EMAIL_LOCAL || at == s.length() - 1) {
      return false;
    }
    String local = s.substring(0, at);
    if (local.startsWith(".") || local.endsWith(".") || local.contains("..")) {
      return false;
    }
    for (String label : s.substring(at + 1).split("\\.", -1)) {
      if (label.isEmpty()
          || label.length() > MAX_DNS_LABEL
          || label.startsWith("-")
          || label.endsWith("-")) {
        return false;
      }
    }
    return true;
  }

  private static int number(CharSequence s, int from, int to) {
    int n = 0;
    for (int i = from; i < to; i++) {
      n = n * 10 + (s.charAt(i) - '0');
    }
    return n;
  }
}
