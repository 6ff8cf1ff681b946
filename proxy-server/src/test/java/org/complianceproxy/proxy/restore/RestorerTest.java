package org.complianceproxy.proxy.restore;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.stream.Stream;
import org.complianceproxy.dlp.EntityType;
import org.complianceproxy.proxy.token.TokenLookup;
import org.complianceproxy.proxy.token.TokenLookup.Restoration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RestorerTest {

  private static final TokenLookup LOOKUP =
      token ->
          Map.of(
                  "<<CARD_7K3QZ9XW2M>>",
                  new Restoration("4111-1111-1111-1111", EntityType.CARD, "request"))
              .get(token.toString());

  static Stream<Arguments> texts() {
    return Stream.of(
        Arguments.of("plain", "plain"),
        Arguments.of("<<CARD_7K3QZ9XW2M>>", "4111-1111-1111-1111"),
        Arguments.of(
            "a<<CARD_7K3QZ9XW2M>>b<<CARD_7K3QZ9XW2M>>", "a4111-1111-1111-1111b4111-1111-1111-1111"),
        Arguments.of("other tenant <<CARD_0000000000>>", "other tenant <<CARD_0000000000>>"),
        Arguments.of("look-alike <<card_7k3qz9xw2m>>", "look-alike <<card_7k3qz9xw2m>>"),
        Arguments.of("cut <<CARD_7K3Q", "cut <<CARD_7K3Q"));
  }

  @ParameterizedTest
  @MethodSource("texts")
  void restoreAllReplacesOnlyKnownTokens(String text, String expected) {
    assertThat(Restorer.restoreAll(text, LOOKUP, RestoreListener.NONE)).isEqualTo(expected);
  }

  @Test
  void textWithoutKnownTokensIsReturnedAsTheSameInstance() {
    String text = "other tenant <<CARD_0000000000>>";
    assertThat(Restorer.restoreAll(text, LOOKUP, RestoreListener.NONE)).isSameAs(text);
  }
}
