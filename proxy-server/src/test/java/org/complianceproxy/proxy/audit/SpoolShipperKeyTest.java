package org.complianceproxy.proxy.audit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.complianceproxy.proxy.testing.SeededRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The shipper's Kafka key read in place from a spooled line, against the JSON parser. */
class SpoolShipperKeyTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      value = {
        "request id wins | {\"kind\":\"finding\",\"instance\":\"p-1\",\"request_id\":\"r-1\",\"x\":1} | r-1",
        "null request id gives the instance | {\"kind\":\"lifecycle\",\"instance\":\"p-1\",\"request_id\":null,\"x\":1} | p-1",
        "null request id at the end | {\"instance\":\"p-1\",\"request_id\":null} | p-1",
        "escaped request id | {\"instance\":\"p-1\",\"request_id\":\"r\\u0041\\\"\"} | rA\"",
        "white space | { \"instance\" : \"p-1\" , \"request_id\" : \"r-2\" } | r-2",
        "nested value first | {\"a\":{\"request_id\":\"inner\"},\"request_id\":\"outer\"} | outer",
        "request id in a string value | {\"a\":\"\\\"request_id\\\":\\\"no\",\"request_id\":\"yes\"} | yes",
        "numbers and booleans | {\"seq\":12,\"ok\":true,\"n\":null,\"request_id\":\"r-3\"} | r-3",
        "numeric request id gives the instance | {\"instance\":\"p-1\",\"request_id\":7} | p-1",
        "non-ASCII id | {\"request_id\":\"r-\u00e9\u4e2d\"} | r-\u00e9\u4e2d",
      })
  void keyMatchesTheParser(String name, String line, String expected) {
    byte[] bytes = line.getBytes(UTF_8);

    assertThat(SpoolShipper.keyOf(bytes)).isEqualTo(expected);
    assertThat(SpoolShipper.keyOf(bytes)).isEqualTo(SpoolShipper.parsedKeyOf(bytes));
  }

  @Test
  void linesWithoutAKeyGiveNullLikeTheParser() {
    for (String line :
        List.of("", "[]", "{}", "{\"kind\":\"x\"}", "{\"request_id\":nul", "not json", "{\"a\"")) {
      byte[] bytes = line.getBytes(UTF_8);
      assertThat(SpoolShipper.keyOf(bytes)).as(line).isEqualTo(SpoolShipper.parsedKeyOf(bytes));
    }
  }

  @Test
  void everySpooledRecordKindIsKeyedAsTheParserKeysIt() {
    SeededRandom.Gen<String> ids =
        SeededRandom.strings("abc-019\"\\/\u00e9\u4e2d\n\t{}[],: ", 0, 12);
    AuditJson json = new AuditJson("proxy-7");
    SeededRandom.forEachCase(
        500,
        random -> {
          AuditChain chain = new AuditChain(json);
          for (AuditRecord record : SampleRecords.everyKind(ids.next(random))) {
            byte[] line = chain.next(record);
            String expected = json.keyOf(record);
            assertThat(SpoolShipper.keyOf(line)).isEqualTo(expected);
            assertThat(SpoolShipper.parsedKeyOf(line)).isEqualTo(expected);
          }
        });
  }

  @Test
  void newlinesAreFoundWhereAByteByByteScanFindsThem() {
    SeededRandom.forEachCase(
        2_000,
        random -> {
          byte[] bytes = new byte[random.nextInt(80)];
          for (int i = 0; i < bytes.length; i++) {
            // Newlines, bytes next to it in value, high bytes, and everything else.
            bytes[i] =
                switch (random.nextInt(5)) {
                  case 0 -> (byte) '\n';
                  case 1 -> (byte) (9 + random.nextInt(3));
                  case 2 -> (byte) (0x80 + random.nextInt(0x80));
                  default -> (byte) random.nextInt(256);
                };
          }
          int from = bytes.length == 0 ? 0 : random.nextInt(bytes.length + 1);
          int to = from + random.nextInt(bytes.length - from + 1);
          int expected = -1;
          for (int i = from; i < to; i++) {
            if (bytes[i] == '\n') {
              expected = i;
              break;
            }
          }

          assertThat(SpoolShipper.indexOfNewline(bytes, from, to)).isEqualTo(expected);
        });
  }
}
