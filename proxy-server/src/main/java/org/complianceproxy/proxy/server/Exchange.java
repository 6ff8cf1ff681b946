package org.complianceproxy.proxy.server;

/** One request of a front door in flight; {@link FrontDoorHandler} runs one at a time. */
interface Exchange {

  /** The client can take more: resume reading the upstream. */
  void clientWritable();

  /** The client connection closed before the answer was complete. */
  void clientClosed();
}
