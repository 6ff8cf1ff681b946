package org.complianceproxy.proxy.error;

import static java.util.Objects.requireNonNull;

/**
 * A failure with its place in the error taxonomy. The message goes to the client as is, so it must
 * never contain request content: name the field or the entity type, never the value.
 */
public final class ProxyException extends RuntimeException {

  private final ProxyError error;

  public ProxyException(ProxyError error, String message) {
    super(requireNonNull(message, "message"), null, false, false);
    this.error = requireNonNull(error, "error");
  }

  public ProxyException(ProxyError error, String message, Throwable cause) {
    super(requireNonNull(message, "message"), cause, false, false);
    this.error = requireNonNull(error, "error");
  }

  public ProxyError error() {
    return error;
  }
}
