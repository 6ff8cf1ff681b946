package org.complianceproxy.dlp;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MaskingTest {

  @ParameterizedTest(name = "[{index}] {0} {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "CARD  | 4111 1111 1111 1111         | ****1111",
        "CARD  | 3782-822463-10005           | ****0005",
        "SSN   | 123-45-6789                 | ***-**-6789",
        "PHONE | +44 20 7946 0958            | ****0958",
        "PHONE | (415) 555-2671              | ****2671",
        "IBAN  | DE89 3704 0044 0532 0130 00 | DE****3000",
        "EMAIL | john.doe@example.com        | j***@example.com",
        "EMAIL | j@example.com               | ***@example.com",
        "EMAIL | no-at-sign                  | ***",
        "CARD  | 1234                        | ****",
        "SSN   | 12-34                       | ***-**-****",
        "PHONE | 555-12                      | ****",
        "IBAN  | DE89                        | DE****",
      })
  void maskShowsAtMostTheLastFourDigits(EntityType type, String value, String mask) {
    assertThat(Masking.mask(type, value)).isEqualTo(mask);
  }
}
