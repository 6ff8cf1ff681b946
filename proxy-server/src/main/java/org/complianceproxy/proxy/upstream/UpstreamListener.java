package org.complianceproxy.proxy.upstream;

import io.netty.handler.codec.http.HttpObject;

/**
 * The exchange that currently owns a pooled upstream connection. All calls arrive on the
 * connection's event loop, which is also the client connection's loop.
 */
public interface UpstreamListener {

  /** A response head or body part. The listener owns {@code msg} and must release it. */
  void onUpstreamMessage(HttpObject msg);

  /** Nothing was read from the upstream for the configured idle timeout. */
  void onUpstreamIdle();

  /** The connection closed or failed; {@code cause} is null on a plain close. */
  void onUpstreamClosed(Throwable cause);
}
