package org.complianceproxy.dlp;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.PhoneNumberUtil.PhoneNumberFormat;
import com.google.i18n.phonenumbers.Phonenumber.PhoneNumber;

/** Phone number checks and formatting through libphonenumber, whose util is thread-safe. */
final class Phones {

  /** Region for numbers written without a {@code +} country code. */
  static final String DEFAULT_REGION = "US";

  /** E.164: at most 15 digits; fewer than 7 is never a diallable subscriber number. */
  private static final int MIN_DIGITS = 7;

  private static final int MAX_DIGITS = 15;

  private static final PhoneNumberUtil UTIL = PhoneNumberUtil.getInstance();

  private Phones() {}

  static boolean valid(CharSequence candidate) {
    int digits = countDigits(candidate);
    // One digit of slack for a written trunk prefix, as in "+44 (0)20 7946 0958".
    if (digits < MIN_DIGITS || digits > MAX_DIGITS + 1) {
      return false;
    }
    PhoneNumber number = parse(candidate);
    return number != null && UTIL.isValidNumber(number);
  }

  /**
   * E.164 form ({@code +14155552671}), or {@code null} when libphonenumber cannot read it as a
   * number of a possible length.
   */
  static String e164(CharSequence value) {
    PhoneNumber number = parse(value);
    return number == null || !UTIL.isPossibleNumber(number)
        ? null
        : UTIL.format(number, PhoneNumberFormat.E164);
  }

  /** Regions tried for national numbers written with context but without a country code. */
  static final java.util.List<String> REGIONS =
      java.util.List.of("US", "GB", "DE", "FR", "ES", "CA");

  static boolean validInAnyRegion(CharSequence candidate) {
    int digits = countDigits(candidate);
    if (digits < MIN_DIGITS || digits > MAX_DIGITS) {
      return false;
    }
    for (String region : REGIONS) {
      try {
        if (UTIL.isValidNumber(UTIL.parse(candidate, region))) {
          return true;
        }
      } catch (NumberParseException e) {
        // not a number of this region; try the next
      }
    }
    return false;
  }

  private static PhoneNumber parse(CharSequence value) {
    try {
      return UTIL.parse(value, DEFAULT_REGION);
    } catch (NumberParseException e) {
      return null;
    }
  }

  private static int countDigits(CharSequence s) {
    int digits = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= '0' && c <= '9') {
        digits++;
      }
    }
    return digits;
  }
}
