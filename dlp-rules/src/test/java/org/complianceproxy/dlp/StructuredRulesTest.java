package org.complianceproxy.dlp;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** One row per detector of issue 3: a text, and the one finding it must give (or none). */
class StructuredRulesTest {

  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "my ssn is 078051121                         | SSN:078051121",
        "ITIN 912-70-1234                            | ITIN:912-70-1234",
        "EIN: 12-3456789                             | EIN:12-3456789",
        "routing number 021000021                    | ABA:021000021",
        "Kontonummer 12345678                        | ACCOUNT:12345678",
        "SWIFT code DEUTDEFF500                      | BIC:DEUTDEFF500",
        "ISIN US0378331005                           | ISIN:US0378331005",
        "CUSIP 037833100                             | CUSIP:037833100",
        "LEI 5493001KJTIIGC8Y1R12                    | LEI:5493001KJTIIGC8Y1R12",
        "from 203.0.113.7 today                      | IPV4:203.0.113.7",
        "host 2001:db8::8a2e:370:7334 down           | IPV6:2001:db8::8a2e:370:7334",
        "date of birth: 14.07.1985                   | DOB:14.07.1985",
        "né le 3 mars 1990                           | DOB:3 mars 1990",
        "passport number X12345678                   | PASSPORT:X12345678",
        "Führerschein B072RRE2I55                    | DRIVERLIC:B072RRE2I55",
        "NINO AB123456C                              | NINO:AB123456C",
        "SIN 130 692 544                             | SIN:130 692 544",
        "key AKIAIOSFODNN7EXAMPLE                    | SECRET:AKIAIOSFODNN7EXAMPLE",
        "Telefon 030 901820                          | PHONE:030 901820",
        "sort code 20-00-00                          | ACCOUNT:20-00-00",
        "card 4111.1111.1111.1111                    | CARD:4111.1111.1111.1111",
      })
  void structuredValueIsFoundWithExactSpan(String text, String found) {
    assertThat(Found.in(text)).containsExactly(found);
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "order 078051121 shipped",
        "tracking 021000021",
        "part 037833100 in the warehouse",
        "upgrade to version 1.2.3.4",
        "at 10:30:00 sharp",
        "std::vector a::b",
        "meeting on 14.07.2025",
        "ISIN US0378331006",
        "SIN 130 692 545",
        "DEUTDEFF is a word here",
        "Passwort vergessen? hunter2",
        "Order 4111111111111112 shipped",
        "IBAN DE88 3704 0044 0532 0130 00",
        "uuid 123e4567-e89b-12d3-a456-426614174000",
      })
  void decoyGivesNoFinding(String text) {
    assertThat(Found.in(text)).isEmpty();
  }

  @org.junit.jupiter.api.Test
  void secretsAreFoundWhole() {
    String pem =
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7\nabc+/=\n-----END RSA PRIVATE KEY-----";
    String jwt =
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
    String openai = "sk-proj-4fT9aQ2LxZ7mN1pR8sV3wY6bC0dE5gH2jK";
    String text = "key:\n" + pem + "\ntoken " + jwt + " and " + openai + "; password: Xy7#kL9!mQ";
    assertThat(Found.ofType(EntityType.SECRET, text))
        .containsExactly("SECRET:" + pem, "SECRET:" + jwt, "SECRET:" + openai, "SECRET:Xy7#kL9!mQ");
  }
}
