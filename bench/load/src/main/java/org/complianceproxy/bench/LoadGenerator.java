package org.complianceproxy.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Sends a {@link Workload} to one HTTP/1.1 endpoint on loopback, open loop at a fixed rate or
 * closed loop as fast as a fixed number of connections go.
 *
 * <p>Open loop: request {@code i} is due at {@code start + i / rate}; its latency counts from that
 * instant, not from when a connection became free to send it, so a stall of the system under test
 * shows up in every request it delayed (no coordinated omission). Requests that find every
 * connection busy wait in a queue, and that wait is part of their latency.
 */
final class LoadGenerator implements AutoCloseable {
  private static final long HIGHEST_MICROS = TimeUnit.MINUTES.toMicros(10);

  private final EventLoopGroup group;
  private final Bootstrap bootstrap;

  LoadGenerator(InetSocketAddress target, int threads) {
    this.group =
        new MultiThreadIoEventLoopGroup(
            threads, new DefaultThreadFactory("load", true), NioIoHandler.newFactory());
    this.bootstrap =
        new Bootstrap()
            .group(group)
            .channel(NioSocketChannel.class)
            .option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
            .remoteAddress(target);
  }

  /**
   * Sends {@code rate * duration} requests at {@code rate} per second over at most {@code
   * connections} connections, then waits up to {@code drain} for the last answers.
   */
  RunResult openLoop(
      Workload workload, double rate, Duration duration, int connections, Duration drain)
      throws InterruptedException {
    long total = Math.max(1, Math.round(rate * duration.toNanos() / 1e9));
    double periodNanos = 1e9 / rate;
    Tally tally = new Tally(total);
    ConcurrentLinkedQueue<Long> due = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<Connection> idle = new ConcurrentLinkedQueue<>();
    List<Connection> all = newConnections(connections);
    idle.addAll(all);
    Connection.Listener[] next = new Connection.Listener[1];
    next[0] =
        (connection, intended, firstByte, ok) -> {
          tally.record(intended, firstByte, ok);
          dispatch(connection, due, idle, workload, tally, next[0]);
        };
    long start = System.nanoTime();
    for (long i = 0; i < total; i++) {
      long intended = start + (long) (i * periodNanos);
      long wait = intended - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
      }
      due.add(intended);
      Connection free = idle.poll();
      if (free != null) {
        dispatch(free, due, idle, workload, tally, next[0]);
      }
    }
    boolean drained = tally.await(drain);
    long end = drained ? tally.lastDoneNanos() : System.nanoTime();
    all.forEach(Connection::close);
    return tally.result(drained ? 0 : total - tally.finished(), (end - start) / 1e9);
  }

  /**
   * Keeps {@code connections} exchanges in flight for {@code duration}: each connection sends its
   * next request as soon as its last answer is in, until the duration is over; the run ends when
   * the last answer is in. Latency counts from each actual send.
   */
  RunResult closedLoop(Workload workload, int connections, Duration duration)
      throws InterruptedException {
    Tally tally = new Tally(Long.MAX_VALUE);
    long start = System.nanoTime();
    long stopAt = start + duration.toNanos();
    AtomicInteger running = new AtomicInteger(connections);
    CountDownLatch stopped = new CountDownLatch(1);
    Connection.Listener[] next = new Connection.Listener[1];
    next[0] =
        (connection, intended, firstByte, ok) -> {
          tally.record(intended, firstByte, ok);
          long now = System.nanoTime();
          if (now - stopAt < 0) {
            tally.sent();
            connection.send(workload, now, next[0]);
          } else if (running.decrementAndGet() == 0) {
            stopped.countDown();
          }
        };
    List<Connection> all = newConnections(connections);
    for (Connection connection : all) {
      tally.sent();
      connection.send(workload, System.nanoTime(), next[0]);
    }
    boolean finished = stopped.await(duration.toMillis() + 30_000, TimeUnit.MILLISECONDS);
    long end = finished ? tally.lastDoneNanos() : System.nanoTime();
    all.forEach(Connection::close);
    return tally.result(running.get(), (end - start) / 1e9);
  }

  private static void dispatch(
      Connection connection,
      ConcurrentLinkedQueue<Long> due,
      ConcurrentLinkedQueue<Connection> idle,
      Workload workload,
      Tally tally,
      Connection.Listener listener) {
    Long intended = due.poll();
    if (intended != null) {
      tally.sent();
      connection.send(workload, intended, listener);
      return;
    }
    idle.add(connection);
    // The scheduler may have queued a request after our poll and before our add, finding no idle
    // connection: look again so that it does not wait for the next arrival.
    if (!due.isEmpty()) {
      Connection free = idle.poll();
      if (free != null) {
        dispatch(free, due, idle, workload, tally, listener);
      }
    }
  }

  private List<Connection> newConnections(int count) {
    List<Connection> connections = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      connections.add(new Connection(bootstrap, group.next()));
    }
    return connections;
  }

  @Override
  public void close() {
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
  }

  /** Counts and histograms of one run; recorded from every event loop. */
  private static final class Tally {
    private final Histogram latency = new ConcurrentHistogram(HIGHEST_MICROS, 3);
    private final Histogram firstByte = new ConcurrentHistogram(HIGHEST_MICROS, 3);
    private final AtomicLong completed = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger peakInFlight = new AtomicInteger();
    private final AtomicLong lastDone = new AtomicLong();
    private final long expected;
    private final CountDownLatch all;

    Tally(long expected) {
      this.expected = expected;
      this.all = new CountDownLatch(1);
    }

    void sent() {
      peakInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
    }

    void record(long intended, long firstByteNanos, boolean ok) {
      long now = System.nanoTime();
      inFlight.decrementAndGet();
      if (ok) {
        latency.recordValue(micros(now - intended));
        if (firstByteNanos != 0) {
          firstByte.recordValue(micros(firstByteNanos - intended));
        }
        completed.incrementAndGet();
      } else {
        errors.incrementAndGet();
      }
      lastDone.set(now);
      if (finished() == expected) {
        all.countDown();
      }
    }

    long finished() {
      return completed.get() + errors.get();
    }

    long lastDoneNanos() {
      return lastDone.get();
    }

    boolean await(Duration timeout) throws InterruptedException {
      return all.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    RunResult result(long unanswered, double seconds) {
      return new RunResult(
          latency,
          firstByte,
          completed.get(),
          errors.get() + unanswered,
          seconds,
          peakInFlight.get());
    }

    private static long micros(long nanos) {
      return Math.min(HIGHEST_MICROS, Math.max(0, nanos / 1000));
    }
  }
}
