package org.complianceproxy.standin;

import java.nio.file.Path;

/**
 * How an {@link OpenAiStandIn} behaves. Immutable; start from {@link #defaults()} and change one
 * setting at a time with the {@code with...} methods.
 *
 * @param port TCP port on 127.0.0.1; 0 picks a free ephemeral port
 * @param apiKey when not null, every request must carry {@code Authorization: Bearer <apiKey>}
 * @param seed when not null, seeds the random cuts of every response; when null, each request's
 *     body seeds its own cuts, so the same request always streams the same way
 * @param fragmentBytes 0 = off; otherwise the response bytes are cut into random pieces of 1 to
 *     this many bytes, each written and flushed on its own
 * @param logFile when not null, every received request is appended to it as one JSON line
 * @param maxRecorded how many received requests are kept in memory; the oldest are dropped first,
 *     so a long load test cannot exhaust the heap
 */
public record StandInOptions(
    int port, String apiKey, Long seed, int fragmentBytes, Path logFile, int maxRecorded) {

  /** Default for {@link #maxRecorded()}: plenty for tests, bounded for load tests. */
  public static final int DEFAULT_MAX_RECORDED = 10_000;

  public StandInOptions {
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException("port: " + port + " (expected: 0..65535)");
    }
    if (apiKey != null && apiKey.isBlank()) {
      throw new IllegalArgumentException("apiKey: blank (expected: null or a non-blank key)");
    }
    if (fragmentBytes < 0) {
      throw new IllegalArgumentException("fragmentBytes: " + fragmentBytes + " (expected: >= 0)");
    }
    if (maxRecorded < 0) {
      throw new IllegalArgumentException("maxRecorded: " + maxRecorded + " (expected: >= 0)");
    }
  }

  /** Ephemeral port, no auth, seeds derived from requests, no fragmentation, no log file. */
  public static StandInOptions defaults() {
    return new StandInOptions(0, null, null, 0, null, DEFAULT_MAX_RECORDED);
  }

  public StandInOptions withPort(int port) {
    return new StandInOptions(port, apiKey, seed, fragmentBytes, logFile, maxRecorded);
  }

  /** {@code null} turns authentication off. */
  public StandInOptions withApiKey(String apiKey) {
    return new StandInOptions(port, apiKey, seed, fragmentBytes, logFile, maxRecorded);
  }

  /** {@code null} goes back to seeds derived from each request. */
  public StandInOptions withSeed(Long seed) {
    return new StandInOptions(port, apiKey, seed, fragmentBytes, logFile, maxRecorded);
  }

  public StandInOptions withFragmentBytes(int fragmentBytes) {
    return new StandInOptions(port, apiKey, seed, fragmentBytes, logFile, maxRecorded);
  }

  /** {@code null} turns the log file off. */
  public StandInOptions withLogFile(Path logFile) {
    return new StandInOptions(port, apiKey, seed, fragmentBytes, logFile, maxRecorded);
  }

  public StandInOptions withMaxRecorded(int maxRecorded) {
    return new StandInOptions(port, apiKey, seed, fragmentBytes, logFile, maxRecorded);
  }
}
