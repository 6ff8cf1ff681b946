package org.complianceproxy.dlp;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.PhoneNumberUtil.PhoneNumberFormat;
import com.google.i18n.phonenumbers.PhoneNumberUtil.PhoneNumberType;
import com.google.i18n.phonenumbers.Phonenumber.PhoneNumber;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link Phones#valid} builds international numbers without libphonenumber's parse; its decision
 * must stay the one parse and {@code isValidNumber} give, for numbers of every country code.
 */
class PhonesTest {

  private static final PhoneNumberUtil UTIL = PhoneNumberUtil.getInstance();

  private static final String SEPARATORS = " .-()";

  @Test
  void decidesAsParseDoesOnExampleNumbersOfEveryRegionAndTheirVariants() {
    Random random = new Random(SeededCases.SEED);
    List<String> numbers = new ArrayList<>();
    for (String region : UTIL.getSupportedRegions()) {
      for (PhoneNumberType type : PhoneNumberType.values()) {
        PhoneNumber example = UTIL.getExampleNumberForType(region, type);
        if (example != null) {
          numbers.add(UTIL.format(example, PhoneNumberFormat.INTERNATIONAL));
        }
      }
    }
    for (int code : UTIL.getSupportedGlobalNetworkCallingCodes()) {
      numbers.add(UTIL.format(UTIL.getExampleNumberForNonGeoEntity(code), PhoneNumberFormat.E164));
    }
    int fast = 0;
    int checked = 0;
    for (String number : numbers) {
      for (int variant = 0; variant < 12; variant++) {
        String candidate = variant == 0 ? number : mutate(number, random);
        assertThat(Phones.valid(candidate)).as(candidate).isEqualTo(reference(candidate));
        fast += Phones.international(candidate) != null ? 1 : 0;
        checked++;
      }
    }
    // The direct path must actually carry most international numbers, or it is only overhead.
    assertThat(fast).isGreaterThan(checked / 2);
  }

  @Test
  void decidesAsParseDoesOnRandomInternationalNumbers() {
    SeededCases.forEachCase(
        20_000,
        random -> {
          StringBuilder candidate = new StringBuilder("+");
          int digits = SeededCases.between(random, 1, 18);
          for (int i = 0; i < digits; i++) {
            candidate.append((char) ('0' + random.nextInt(10)));
            if (random.nextInt(4) == 0) {
              candidate.append(SEPARATORS.charAt(random.nextInt(SEPARATORS.length())));
            }
          }
          String text = candidate.toString();
          assertThat(Phones.valid(text)).as(text).isEqualTo(reference(text));
        });
  }

  @Test
  void theBenchmarkNumbersTakeTheDirectPath() {
    for (String number : List.of("+44 20 7946 0958", "+1 (415) 555-2671", "+33 1 42 68 53 00")) {
      PhoneNumber built = Phones.international(number);
      assertThat(built).as(number).isNotNull();
      assertThat(UTIL.isValidNumber(built)).as(number).isTrue();
    }
    assertThat(Phones.international("415-555-2671")).isNull();
    assertThat(Phones.international("+44 (0)20 7946 0958")).isNull();
    assertThat(Phones.international("+1 415 555 2671 ext 12")).isNull();
  }

  /** What {@link Phones#valid} decided before it built numbers itself: parse as US, then check. */
  private static boolean reference(String candidate) {
    long digits = candidate.chars().filter(c -> c >= '0' && c <= '9').count();
    if (digits < 7 || digits > 16) {
      return false;
    }
    try {
      return UTIL.isValidNumber(UTIL.parse(candidate, Phones.DEFAULT_REGION));
    } catch (NumberParseException e) {
      return false;
    }
  }

  /** A digit changed, added or dropped, separators moved, or a trunk 0 after the country code. */
  private static String mutate(String number, Random random) {
    StringBuilder out = new StringBuilder(number);
    int at = 1 + random.nextInt(Math.max(1, out.length() - 1));
    switch (random.nextInt(6)) {
      case 0 -> out.setCharAt(at, (char) ('0' + random.nextInt(10)));
      case 1 -> out.insert(at, (char) ('0' + random.nextInt(10)));
      case 2 -> out.deleteCharAt(at);
      case 3 -> out.insert(at, SEPARATORS.charAt(random.nextInt(SEPARATORS.length())));
      case 4 -> {
        int space = out.indexOf(" ");
        out.insert(space < 0 ? Math.min(3, out.length()) : space + 1, '0');
      }
      default -> {
        String plain = out.toString().replaceAll("[^0-9+]", "");
        out.setLength(0);
        out.append(plain);
      }
    }
    return out.toString();
  }
}
