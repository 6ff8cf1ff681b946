package org.complianceproxy.dlp;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IbanRuleTest {

  @ParameterizedTest(name = "[{index}] {0}")
  @ValueSource(
      strings = {
        "DE89 3704 0044 0532 0130 00",
        "GB82 WEST 1234 5698 7654 32",
        "NL91 ABNA 0417 1643 00",
        "FR14 2004 1010 0505 0001 3M02 606",
        "BE68 5390 0754 7034",
        "CH93 0076 2011 6238 5295 7",
        "ES91 2100 0418 4502 0005 1332",
        "IT60 X054 2811 1010 0000 0123 456",
        "AT61 1904 3002 3457 3201",
        "NO93 8601 1117 947",
        "PL61 1090 1014 0000 0712 1981 2874",
        "SE45 5000 0000 0583 9825 7466",
        "DK50 0040 0440 1162 43",
        "FI21 1234 5600 0007 85",
        "IE29 AIBK 9311 5212 3456 78",
        "GR16 0110 1250 0000 0001 2300 695",
        "PT50 0002 0123 1234 5678 9015 4",
        "MT84 MALT 0110 0001 2345 MTLC AST0 01S",
        "SA03 8000 0000 6080 1016 7519",
      })
  void validIbanIsFoundGroupedAndCompact(String iban) {
    String compact = iban.replace(" ", "");
    assertThat(Found.in("IBAN: " + iban + ", ref")).containsExactly("IBAN:" + iban);
    assertThat(Found.in("pay to " + compact + ".")).containsExactly("IBAN:" + compact);
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @ValueSource(
      strings = {
        "wrong check digits DE88 3704 0044 0532 0130 00",
        "wrong check digits GB82 WEST 1234 5698 7654 33",
        "wrong check digits compact DE88370400440532013000",
        "too short for DE: DE89 3704 0044 0532 0130 0",
        "too short for DE: DE8937040044053201300",
        "too long for NL: NL91 ABNA 0417 1643 001",
        "double space DE89  3704 0044 0532 0130 00",
        "dashes DE89-3704-0044-0532-0130-00",
        "letter glued xDE89370400440532013000",
        "letter glued DE89370400440532013000X",
        "groups of three DE8 937 040 044 053 201 300 0",
        "uuid 123e4567-e89b-12d3-a456-426614174000",
        "version AB12-CD34-EF56",
        "part number ZZ12 3456 7890 1234",
        "timestamp 2024-01-15T10:30:00Z",
        "iso code ISO8601 and RFC3339",
      })
  void decoyIsNotAnIban(String text) {
    assertThat(Found.ofType(EntityType.IBAN, text)).isEmpty();
  }
}
