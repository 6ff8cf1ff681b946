package org.complianceproxy.standin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** How many requests the Bedrock stand-in keeps, as load tests set it. */
class BedrockStandInRecordingTest {
  private static final String CONVERSE =
      "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"hello there\"}]}]}";

  @ParameterizedTest
  @CsvSource({"0, 3, 0", "2, 3, 2", "5, 3, 3"})
  void keepsAtMostMaxRecordedRequests(int maxRecorded, int sent, int kept) throws Exception {
    try (BedrockStandIn bedrock = BedrockStandIn.start(0, 7L, 64, maxRecorded)) {
      HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      for (int i = 0; i < sent; i++) {
        HttpResponse<byte[]> response =
            client.send(
                HttpRequest.newBuilder(URI.create(bedrock.endpoint() + "/model/m/converse-stream"))
                    .POST(HttpRequest.BodyPublishers.ofString(CONVERSE))
                    .build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type"))
            .hasValue("application/vnd.amazon.eventstream");
      }
      assertThat(bedrock.received()).hasSize(kept);
    }
  }

  @Test
  void refusesANegativeMaxRecorded() {
    assertThatThrownBy(() -> BedrockStandIn.start(0, 7L, 64, -1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxRecorded: -1 (expected: >= 0)");
  }
}
