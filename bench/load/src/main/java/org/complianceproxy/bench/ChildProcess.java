package org.complianceproxy.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A process the bench starts (stand-in, proxy, nginx), with its output in a log file of the work
 * directory. Closing it stops it (SIGTERM, then SIGKILL after a grace period) with every process it
 * started in turn.
 */
final class ChildProcess implements AutoCloseable {
  private static final Duration STOP_GRACE = Duration.ofSeconds(10);

  private final String name;
  private final Process process;
  private final Path log;

  private ChildProcess(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
  }

  static ChildProcess start(String name, List<String> command, Map<String, String> env, Path log) {
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    builder.environment().putAll(env);
    try {
      ChildProcess child = new ChildProcess(name, builder.start(), log);
      Runtime.getRuntime().addShutdownHook(new Thread(child::close, "stop-" + name));
      return child;
    } catch (IOException e) {
      throw new UncheckedIOException(name + ": cannot start " + command.get(0), e);
    }
  }

  long pid() {
    return process.pid();
  }

  String name() {
    return name;
  }

  /** Waits until something accepts connections on {@code port} of 127.0.0.1. */
  void awaitPort(int port, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() - deadline < 0) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            name + ": exited with " + process.exitValue() + " before listening (see " + log + ")");
      }
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return;
      } catch (IOException notYet) {
        Thread.sleep(100);
      }
    }
    throw new IllegalStateException(name + ": not listening on " + port + " after " + timeout);
  }

  @Override
  public void close() {
    if (!process.isAlive()) {
      return;
    }
    List<ProcessHandle> descendants = process.descendants().toList();
    process.destroy();
    try {
      if (!process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly().waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    descendants.forEach(ProcessHandle::destroyForcibly);
  }

  /** A port that was free a moment ago on 127.0.0.1. */
  static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port on 127.0.0.1", e);
    }
  }
}
