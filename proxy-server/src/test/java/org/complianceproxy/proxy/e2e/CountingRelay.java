package org.complianceproxy.proxy.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A plain TCP relay on loopback between the proxy and an upstream stand-in that counts the
 * connections it accepted and the bytes the proxy sent through them: the proof that nothing (not
 * even a TCP connection) went upstream, which a stand-in that records only complete requests cannot
 * give.
 */
final class CountingRelay implements AutoCloseable {

  private final ServerSocket server;
  private final InetSocketAddress target;
  private final AtomicLong connections = new AtomicLong();
  private final AtomicLong bytesUpstream = new AtomicLong();
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();

  private CountingRelay(ServerSocket server, InetSocketAddress target) {
    this.server = server;
    this.target = target;
  }

  /** Relays connections to {@code 127.0.0.1:targetPort}. */
  static CountingRelay start(int targetPort) {
    try {
      ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      CountingRelay relay =
          new CountingRelay(
              server, new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort));
      Thread accept = new Thread(relay::acceptLoop, "counting-relay-accept");
      accept.setDaemon(true);
      accept.start();
      return relay;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  int port() {
    return server.getLocalPort();
  }

  /** Connections the proxy opened so far. */
  long connections() {
    return connections.get();
  }

  /** Bytes the proxy sent upstream so far. */
  long bytesUpstream() {
    return bytesUpstream.get();
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        connections.incrementAndGet();
        Socket upstream = new Socket();
        upstream.connect(target, 5_000);
        sockets.add(client);
        sockets.add(upstream);
        pump(client, upstream, bytesUpstream);
        pump(upstream, client, new AtomicLong());
      } catch (IOException e) {
        // closed, or the target is gone: the test sees it as a failed request
      }
    }
  }

  private static void pump(Socket from, Socket to, AtomicLong counter) {
    Thread thread =
        new Thread(
            () -> {
              byte[] buffer = new byte[8192];
              try (InputStream in = from.getInputStream();
                  OutputStream out = to.getOutputStream()) {
                for (int n; (n = in.read(buffer)) >= 0; ) {
                  counter.addAndGet(n);
                  out.write(buffer, 0, n);
                  out.flush();
                }
              } catch (IOException e) {
                // one side closed
              } finally {
                closeQuietly(from);
                closeQuietly(to);
              }
            },
            "counting-relay-pump");
    thread.setDaemon(true);
    thread.start();
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      // already closed
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    sockets.forEach(CountingRelay::closeQuietly);
  }
}
