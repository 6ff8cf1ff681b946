package org.complianceproxy.dlp;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SsnRuleTest {

  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "ssn 123-45-6789                 | 123-45-6789",
        "SSN: 078-05-1121                | 078-05-1121",
        "001-01-0001                     | 001-01-0001",
        "highest area 899-99-9999        | 899-99-9999",
        "next to 666: 665-12-3456        | 665-12-3456",
        "next to 666: 667-12-3456        | 667-12-3456",
        "ssn=219-09-9998                 | 219-09-9998",
        "(123-45-6789)                   | 123-45-6789",
        "it is 123-45-6789.              | 123-45-6789",
        "a 123-45-6789, b                | 123-45-6789",
        "{\"ssn\":\"772-01-0001\"}       | 772-01-0001",
        "500-50-5000 at the start        | 500-50-5000",
        "group 01: 123-01-4567           | 123-01-4567",
        "serial 0001: 123-45-0001        | 123-45-0001",
        "tab\t321-54-9876\tend           | 321-54-9876",
      })
  void validSsnIsFoundWithExactSpan(String text, String ssn) {
    assertThat(Found.in(text)).containsExactly("SSN:" + ssn);
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @ValueSource(
      strings = {
        "area 000: 000-12-3456",
        "area 666: 666-12-3456",
        "area 900: 900-12-3456",
        "area 999: 999-99-9999",
        "group 00: 123-00-4567",
        "serial 0000: 123-45-0000",
        "undashed 123456789",
        "spaced 123 45 6789",
        "too long 123-45-67890",
        "too long 1123-45-6789",
        "continued 123-45-6789-1",
        "letters glued x123-45-6789",
        "date 2024-01-15",
        "shape 12-345-6789",
        "shape 123-456-789",
        "phone 415-555-2671",
        "uuid 123e4567-e89b-12d3-a456-426614174000",
        "zip 94105-1234",
      })
  void decoyIsNotAnSsn(String text) {
    assertThat(Found.ofType(EntityType.SSN, text)).isEmpty();
  }
}
