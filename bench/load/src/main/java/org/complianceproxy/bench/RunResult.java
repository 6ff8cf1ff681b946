package org.complianceproxy.bench;

import org.HdrHistogram.Histogram;

/**
 * What one load run measured.
 *
 * @param latency microseconds from each exchange's intended start (open loop) or actual start
 *     (closed loop) to its last byte, successful exchanges only
 * @param firstByte microseconds from the intended start to the first body byte (time to first token
 *     for streams), successful exchanges only
 * @param completed successful exchanges
 * @param errors failed exchanges: a status other than 200, a stream without {@code [DONE]}, a
 *     connection that failed or closed mid-exchange, or no answer before the run's deadline
 * @param seconds the run's measured wall time
 * @param peakInFlight the most exchanges in flight at once
 */
record RunResult(
    Histogram latency,
    Histogram firstByte,
    long completed,
    long errors,
    double seconds,
    int peakInFlight) {

  double throughput() {
    return completed / seconds;
  }

  static double millis(Histogram histogram, double percentile) {
    return histogram.getTotalCount() == 0
        ? Double.NaN
        : histogram.getValueAtPercentile(percentile) / 1000.0;
  }
}
