package org.complianceproxy.proxy.sse;

/**
 * An upstream event grew past the decoder's limit before its blank line came. The stream cannot be
 * decoded further: the caller ends it as an upstream failure ({@code upstream_bad_response}).
 */
public final class SseEventTooLargeException extends RuntimeException {

  private final int maxEventBytes;

  SseEventTooLargeException(int maxEventBytes) {
    super("SSE event exceeds maxEventBytes: " + maxEventBytes, null, false, false);
    this.maxEventBytes = maxEventBytes;
  }

  public int maxEventBytes() {
    return maxEventBytes;
  }
}
