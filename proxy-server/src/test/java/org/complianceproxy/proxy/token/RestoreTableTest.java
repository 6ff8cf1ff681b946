package org.complianceproxy.proxy.token;

import static org.assertj.core.api.Assertions.assertThat;

import org.complianceproxy.dlp.EntityType;
import org.complianceproxy.proxy.token.TokenLookup.Restoration;
import org.junit.jupiter.api.Test;

class RestoreTableTest {

  @Test
  void restoresOnlyTheTokensItWasGiven() {
    RestoreTable table =
        RestoreTable.builder()
            .put("<<CARD_7K3QZ9XW2M>>", "4111 1111 1111 1111", EntityType.CARD, "request")
            .build();

    assertThat(table.lookup(new StringBuilder("<<CARD_7K3QZ9XW2M>>")))
        .isEqualTo(new Restoration("4111 1111 1111 1111", EntityType.CARD, "request"));
    assertThat(table.lookup("<<CARD_7K3QZ9XW2N>>")).isNull();
    assertThat(table.toString()).doesNotContain("4111");
  }

  @Test
  void aTokenMintedForTheRequestKeepsSourceRequest() {
    RestoreTable table =
        RestoreTable.builder()
            .put("<<CARD_7K3QZ9XW2M>>", "4111", EntityType.CARD, RestoreTable.SOURCE_REQUEST)
            .put("<<CARD_7K3QZ9XW2M>>", "4111", EntityType.CARD, RestoreTable.SOURCE_VAULT)
            .build();

    assertThat(table.lookup("<<CARD_7K3QZ9XW2M>>").source()).isEqualTo("request");
    assertThat(table.size()).isEqualTo(1);
  }
}
