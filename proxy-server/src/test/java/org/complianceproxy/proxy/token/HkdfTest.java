package org.complianceproxy.proxy.token;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class HkdfTest {

  private static final HexFormat HEX = HexFormat.of();

  /** RFC 5869 appendix A, the SHA-256 cases. */
  static Stream<Arguments> rfc5869() {
    return Stream.of(
        Arguments.of(
            "A.1 basic",
            "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
            "000102030405060708090a0b0c",
            "f0f1f2f3f4f5f6f7f8f9",
            42,
            "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5",
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"),
        Arguments.of(
            "A.3 empty salt and info",
            "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
            "",
            "",
            42,
            "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04",
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rfc5869")
  void matchesTheRfcTestVectors(
      String name, String ikm, String salt, String info, int length, String prk, String okm) {
    byte[] pseudorandomKey = Hkdf.extract(HEX.parseHex(salt), HEX.parseHex(ikm));

    assertThat(HEX.formatHex(pseudorandomKey)).isEqualTo(prk);
    assertThat(HEX.formatHex(Hkdf.expand(pseudorandomKey, HEX.parseHex(info), length)))
        .isEqualTo(okm);
    assertThat(
            HEX.formatHex(
                Hkdf.derive(HEX.parseHex(salt), HEX.parseHex(ikm), HEX.parseHex(info), length)))
        .isEqualTo(okm);
  }
}
