package org.complianceproxy.dlp;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.PhoneNumberUtil.PhoneNumberFormat;
import com.google.i18n.phonenumbers.Phonemetadata.PhoneMetadata;
import com.google.i18n.phonenumbers.Phonenumber.PhoneNumber;
import com.google.i18n.phonenumbers.metadata.DefaultMetadataDependenciesProvider;
import com.google.i18n.phonenumbers.metadata.source.MetadataSource;

/**
 * Phone number checks and formatting through libphonenumber, whose util is thread-safe.
 *
 * <p>Reading a number ({@code PhoneNumberUtil.parse}) costs about four times as much as checking
 * it, mostly in regular expressions for extensions and odd notations. A number written as {@code
 * '+'}, digits and plain separators ({@code " .-()"}) needs none of them: {@link #valid} builds it
 * directly when parse would provably build the same number (see {@link #international}) and asks
 * libphonenumber only whether it is valid.
 */
final class Phones {

  /** Region for numbers written without a {@code +} country code. */
  static final String DEFAULT_REGION = "US";

  /** E.164: at most 15 digits; fewer than 7 is never a diallable subscriber number. */
  private static final int MIN_DIGITS = 7;

  private static final int MAX_DIGITS = 15;

  private static final PhoneNumberUtil UTIL = PhoneNumberUtil.getInstance();

  /** The metadata libphonenumber's util reads, for the national prefix of a country code. */
  private static final MetadataSource METADATA =
      DefaultMetadataDependenciesProvider.getInstance().getPhoneNumberMetadataSource();

  /** Longest country calling code, in digits. */
  private static final int MAX_COUNTRY_CODE = 3;

  /** Shortest and longest national significant number parse accepts, in digits. */
  private static final int MIN_NATIONAL = 2;

  private static final int MAX_NATIONAL = 17;

  private Phones() {}

  static boolean valid(CharSequence candidate) {
    int digits = countDigits(candidate);
    // One digit of slack for a written trunk prefix, as in "+44 (0)20 7946 0958".
    if (digits < MIN_DIGITS || digits > MAX_DIGITS + 1) {
      return false;
    }
    PhoneNumber number = international(candidate);
    if (number == null) {
      number = parse(candidate);
    }
    return number != null && UTIL.isValidNumber(number);
  }

  /**
   * The number parse reads from {@code candidate}, built without parse, or null when that is not
   * certain (then the caller parses). Certain when the candidate is {@code '+'} followed only by
   * digits and {@code " .-()"}: parse then finds no extension (every extension notation needs a
   * letter, {@code '#'}, {@code ','}, {@code ';'} or {@code '~'}), keeps the digits alone, takes
   * the shortest known country code, and strips no national prefix when the country has none or its
   * prefix pattern is plain digit strings ({@code "0|180020"}) the national number does not start
   * with. A national number starting with 0 (Italian leading zeros) is left to parse.
   */
  static PhoneNumber international(CharSequence candidate) {
    if (candidate.length() == 0 || candidate.charAt(0) != '+') {
      return null;
    }
    StringBuilder digits = new StringBuilder(candidate.length());
    for (int i = 1; i < candidate.length(); i++) {
      char c = candidate.charAt(i);
      if (c >= '0' && c <= '9') {
        digits.append(c);
      } else if (" .-()".indexOf(c) < 0) {
        return null;
      }
    }
    if (digits.length() == 0 || digits.charAt(0) == '0') {
      return null;
    }
    for (int length = 1; length <= MAX_COUNTRY_CODE && length < digits.length(); length++) {
      int countryCode = Integer.parseInt(digits, 0, length, 10);
      if (UTIL.getRegionCodesForCountryCode(countryCode).isEmpty()) {
        continue;
      }
      String national = digits.substring(length);
      PhoneMetadata metadata = metadataFor(countryCode);
      if (metadata == null
          || national.length() < MIN_NATIONAL
          || national.length() > MAX_NATIONAL
          || national.charAt(0) == '0'
          || !keepsNationalPrefix(metadata, national)) {
        return null;
      }
      return new PhoneNumber()
          .setCountryCode(countryCode)
          .setNationalNumber(Long.parseLong(national));
    }
    return null;
  }

  /** Whether parse leaves {@code national} as it is: no national prefix it could strip. */
  private static boolean keepsNationalPrefix(PhoneMetadata metadata, String national) {
    String pattern = metadata.getNationalPrefixForParsing();
    if (pattern.isEmpty()) {
      return true;
    }
    for (String prefix : pattern.split("\\|", -1)) {
      if (prefix.isEmpty()
          || !prefix.chars().allMatch(c -> c >= '0' && c <= '9')
          || national.startsWith(prefix)) {
        return false;
      }
    }
    return true;
  }

  /** The metadata parse reads for a number of {@code countryCode}, or null. */
  private static PhoneMetadata metadataFor(int countryCode) {
    String region = UTIL.getRegionCodeForCountryCode(countryCode);
    return PhoneNumberUtil.REGION_CODE_FOR_NON_GEO_ENTITY.equals(region)
        ? METADATA.getMetadataForNonGeographicalRegion(countryCode)
        : METADATA.getMetadataForRegion(region);
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
