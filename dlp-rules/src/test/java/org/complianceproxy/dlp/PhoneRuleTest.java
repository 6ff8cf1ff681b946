package org.complianceproxy.dlp;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class PhoneRuleTest {

  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "call +1 415-555-2671 now         | +1 415-555-2671",
        "(415) 555-2671                   | (415) 555-2671",
        "london +44 20 7946 0958          | +44 20 7946 0958",
        "415-555-2671                     | 415-555-2671",
        "415.555.2671                     | 415.555.2671",
        "415 555 2671                     | 415 555 2671",
        "1-415-555-2671                   | 1-415-555-2671",
        "+1 (415) 555-2671                | +1 (415) 555-2671",
        "+14155552671                     | +14155552671",
        "paris +33 1 42 68 53 00          | +33 1 42 68 53 00",
        "tokyo +81 3-1234-5678            | +81 3-1234-5678",
        "sydney +61 2 9876 5432           | +61 2 9876 5432",
        "mobile +4915123456789            | +4915123456789",
        "call (212) 555-0143.             | (212) 555-0143",
        "{\"tel\":\"+49 30 901820\"}      | +49 30 901820",
        "+44 20 7946 0958 12 times        | +44 20 7946 0958",
      })
  void validPhoneIsFoundWithExactSpan(String text, String phone) {
    assertThat(Found.in(text)).containsExactly("PHONE:" + phone);
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @ValueSource(
      strings = {
        "date 2024-01-15",
        "timestamp 2024-01-15T10:30:00Z",
        "date 12/31/2024",
        "ssn 123-45-6789",
        "card 4111 1111 1111 1111",
        "card 4111-1111-1111-1111",
        "amount 1,234,567.89",
        "zip 94105-1234",
        "version v10.0.19041.1234",
        "ip 192.168.100.200",
        "seven digits 555-1234",
        "area 1xx (123) 456-7890",
        "invalid number +1 123 456 7890",
        "too long 415-555-26710",
        "no such country +999 1234 5678",
        "bare ten digits 4155552671",
        "uuid 123e4567-e89b-12d3-a456-426614174000",
        "version 415.555.2671.3",
      })
  void decoyIsNotAPhone(String text) {
    assertThat(Found.ofType(EntityType.PHONE, text)).isEmpty();
  }
}
