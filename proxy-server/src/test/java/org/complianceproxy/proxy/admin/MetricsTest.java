package org.complianceproxy.proxy.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class MetricsTest {

  @Test
  void latencyHistogramIsCumulativeInTheExposition() {
    Metrics metrics = new Metrics();
    long[] millis = {0, 1, 3, 3, 40, 70_000, 500_000};
    for (long m : millis) {
      metrics.requestStarted();
      metrics.requestEnded("openai.chat.completions", 200, "ok", TimeUnit.MILLISECONDS.toNanos(m));
    }

    String text = metrics.render();

    assertThat(text)
        .contains("proxy_request_duration_seconds_bucket{le=\"5.0E-4\"} 1\n")
        .contains("proxy_request_duration_seconds_bucket{le=\"0.001\"} 2\n")
        .contains("proxy_request_duration_seconds_bucket{le=\"0.0025\"} 2\n")
        .contains("proxy_request_duration_seconds_bucket{le=\"0.005\"} 4\n")
        .contains("proxy_request_duration_seconds_bucket{le=\"0.05\"} 5\n")
        .contains("proxy_request_duration_seconds_bucket{le=\"60.0\"} 5\n")
        .contains("proxy_request_duration_seconds_bucket{le=\"120.0\"} 6\n")
        .contains("proxy_request_duration_seconds_bucket{le=\"+Inf\"} 7\n")
        .contains("proxy_request_duration_seconds_count 7\n")
        .contains("proxy_requests_total{route=\"openai.chat.completions\",status=\"200\"} 7\n")
        .contains("proxy_requests_in_flight 0\n");
  }
}
