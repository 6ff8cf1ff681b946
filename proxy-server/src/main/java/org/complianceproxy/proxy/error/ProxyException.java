package org.complianceproxy.proxy.error;

import static java.util.Objects.requireNonNull;

/**
 * A failure with its place in the error taxonomy. The message goes to the client as is, so it must
 * never contain request content: name the field or the entity type, never the value. Subclasses
 * carry what the audit trail needs to say about a refusal (e.g. which rule blocked a request).
 */
public class ProxyException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final ProxyError error;

  public ProxyException(ProxyError error, String message) {
    super(requireNonNull(message, "message"), null, false, false);
    this.error = requireNonNull(error, "error");
  }

  public ProxyException(ProxyError error, String message, Throwable cause) {
    super(requireNonNull(message, "message"), cause, false, false);
    this.error = requireNonNull(error, "error");
  }

  public final ProxyError error() {
    return error;
  }
}
