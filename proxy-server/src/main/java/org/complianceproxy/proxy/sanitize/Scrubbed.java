package org.complianceproxy.proxy.sanitize;

/**
 * A stand-in cause that keeps where a failure happened but not what it said: messages of exceptions
 * thrown while handling request text may quote that text, and causes end up in logs.
 */
public final class Scrubbed extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private Scrubbed(Throwable original) {
    super(original.getClass().getName() + " (message removed: it may quote request text)");
    setStackTrace(original.getStackTrace());
  }

  public static Scrubbed of(Throwable original) {
    return new Scrubbed(original);
  }
}
