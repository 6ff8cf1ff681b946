package org.complianceproxy.dlp;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class CardRuleTest {

  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "card 4111111111111111 exp in December       | 4111111111111111",
        "4012888888881881                            | 4012888888881881",
        "pay with 5555555555554444.                  | 5555555555554444",
        "mc 5105105105105100, thanks                 | 5105105105105100",
        "amex 378282246310005                        | 378282246310005",
        "amex:371449635398431                        | 371449635398431",
        "discover 6011111111111117                   | 6011111111111117",
        "jcb (3530111333300000)                      | 3530111333300000",
        "diners 30569309025904                       | 30569309025904",
        "13-digit visa 4222222222222 ok              | 4222222222222",
        "mastercard 2-series 2223003122003222        | 2223003122003222",
        "unionpay 6200000000000005                   | 6200000000000005",
        "19 digits 4111111111111111110               | 4111111111111111110",
        "spaced 4111 1111 1111 1111 please           | 4111 1111 1111 1111",
        "amex spaced 3782 822463 10005               | 3782 822463 10005",
        "diners spaced 3056 930902 5904              | 3056 930902 5904",
        "dashed 5555-5555-5555-4444                  | 5555-5555-5555-4444",
        "amex dashed 3714-496353-98431               | 3714-496353-98431",
        "visa 13 spaced 4222 2222 2222 2             | 4222 2222 2222 2",
        "{\"card\":\"6011000990139424\"}             | 6011000990139424",
      })
  void validCardIsFoundWithExactSpan(String text, String card) {
    assertThat(Found.in(text)).containsExactly("CARD:" + card);
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "card 4111 1111 1111 1111 123 exp soon   | 4111 1111 1111 1111",
        "card 4111-1111-1111-1111-123            | 4111-1111-1111-1111",
        "5555 4111 1111 1111 1111                | 4111 1111 1111 1111",
        "1234 5555 5555 5555 4444 321            | 5555 5555 5555 4444",
      })
  void cardNextToOtherDigitGroupsIsStillFound(String text, String card) {
    assertThat(Found.in(text)).containsExactly("CARD:" + card);
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @ValueSource(
      strings = {
        "order 4111111111111112",
        "luhn-failing 5555555555554445",
        "luhn-valid but no card network 1234567812345670",
        "twenty digits 00004111111111111111",
        "embedded 99999999994111111111111111999",
        "letters glued ref4111111111111111",
        "letters glued 4111111111111111abc",
        "mixed separators 4111 1111-1111 1111",
        "double space 4111  1111 1111 1111",
        "five dashed groups 4111-1111-1111-1111-1111",
        "twelve digits 411111111111",
        "decimal 0.4111111111111111",
        "decimal 4111111111111111.25",
        "uuid 123e4567-e89b-12d3-a456-426614174000",
        "timestamp 2024-01-15T10:30:00.123456789Z",
        "amount 1,234,567.89",
        "zip 94105-1234",
        "version 4.1111.1111.1111",
        "phone +1 415-555-2671",
        "ssn 123-45-6789",
      })
  void decoyIsNotACard(String text) {
    assertThat(Found.ofType(EntityType.CARD, text)).isEmpty();
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "card 4111111111111111 exp 12/27, CVV 123   | CARD:4111111111111111 | CARDEXP:12/27 | CVV:123",
        "Karte 4111.1111.1111.1111 gültig bis 03/2029, Prüfnummer 987 | CARD:4111.1111.1111.1111 | CARDEXP:03/2029 | CVV:987",
      })
  void expiryAndCvvAreFoundNextToACard(String text, String card, String expiry, String cvv) {
    assertThat(Found.in(text)).containsExactly(card, expiry, cvv);
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @ValueSource(
      strings = {"meeting on 12/27 at noon", "code 123 is wrong", "page 12/27 of the report"})
  void expiryAndCvvShapesWithoutCardContextAreNotFound(String text) {
    assertThat(Found.in(text)).isEmpty();
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "4111111111111111,5555555555554444     | 4111111111111111   | 5555555555554444",
        "4111 1111 1111 1111 5555 5555 5555 4444 | 4111 1111 1111 1111 | 5555 5555 5555 4444",
        "a 4111-1111-1111-1111 b 378282246310005 | 4111-1111-1111-1111 | 378282246310005",
      })
  void adjacentCardsAreFoundSeparately(String text, String first, String second) {
    assertThat(Found.in(text)).containsExactly("CARD:" + first, "CARD:" + second);
  }
}
