package org.complianceproxy.dlp;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class EmailRuleTest {

  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "mail john.doe@example.com today       | john.doe@example.com",
        "j@x.io                                | j@x.io",
        "first+tag@sub.example.co.uk           | first+tag@sub.example.co.uk",
        "USER_NAME@EXAMPLE.COM                 | USER_NAME@EXAMPLE.COM",
        "a.b-c%d@my-domain.org                 | a.b-c%d@my-domain.org",
        "<john@example.com>                    | john@example.com",
        "mailto:john@example.com               | john@example.com",
        "\"john@example.com\"                  | john@example.com",
        "write to john@example.com.            | john@example.com",
        "(john@example.com)                    | john@example.com",
        "x1@123.com                            | x1@123.com",
        "name@xn--bcher-kva.example            | name@xn--bcher-kva.example",
        "{\"to\":\"ops-team@corp.example.net\"} | ops-team@corp.example.net",
        "1234567890@numbers.example            | 1234567890@numbers.example",
        "a_b@c-d.museum, please                | a_b@c-d.museum",
      })
  void validEmailIsFoundWithExactSpan(String text, String email) {
    assertThat(Found.in(text)).containsExactly("EMAIL:" + email);
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @ValueSource(
      strings = {
        "@example.com",
        "john@",
        "john@localhost",
        "john@@example.com",
        "john.@example.com",
        ".john@example.com",
        "john..doe@example.com",
        "john@-example.com",
        "john@example-.com",
        "john@example.c",
        "john@exa_mple.com",
        "user@10.0.0.1",
        "@@@@ @ @@",
        "john at example dot com",
        "john@example.com1",
        "handle @john on chat",
      })
  void decoyIsNotAnEmail(String text) {
    assertThat(Found.ofType(EntityType.EMAIL, text)).isEmpty();
  }

  @Test
  void listOfEmailsGivesOneFindingEach() {
    assertThat(Found.in("john@example.com, jane@example.org;ops@x.io"))
        .containsExactly("EMAIL:john@example.com", "EMAIL:jane@example.org", "EMAIL:ops@x.io");
  }
}
