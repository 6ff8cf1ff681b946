package org.complianceproxy.standin;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;

/**
 * Writes one response whose body is a sequence of units (server-sent events, or one JSON body),
 * flushing each unit, or with a {@link Fragmenter} each piece, on its own. Units are pulled only
 * while the channel is writable; the handler calls {@link #resume()} when it becomes writable
 * again, so a long stream to a slow reader holds a bounded amount of memory.
 *
 * <p>Runs on the channel's event loop only. Every buffer it allocates is handed to a write, which
 * owns it from then on.
 */
final class ResponsePump {

  /** How the response ends once its units are written. */
  enum Ending {
    /** Terminate the body properly ({@code LastHttpContent}); the connection may be reused. */
    FINISH,
    /** Reset the connection (TCP RST) without terminating the body. */
    RESET
  }

  /**
   * Time between the last write and the reset, so that the written bytes reach the peer before the
   * RST makes its stack drop what it has not read yet.
   */
  private static final long RESET_GRACE_MILLIS = 50;

  private final ChannelHandlerContext ctx;
  private final Iterator<byte[]> units;
  // Null when fragmentation is off.
  private final Fragmenter fragmenter;
  private final Ending ending;
  // Runs on the event loop once a FINISH response is fully written (successfully or not).
  private final Runnable onFinished;
  // Time between two units; 0 = as fast as the channel takes them.
  private final long intervalNanos;
  private ChannelFuture lastWrite;
  private boolean ended;
  // When the first unit went out, and how many units went out since; for pacing.
  private long startNanos;
  private long unitsWritten;
  // True while a paced resume() is scheduled.
  private boolean waitingForTick;

  ResponsePump(
      ChannelHandlerContext ctx,
      Iterator<byte[]> units,
      Fragmenter fragmenter,
      Ending ending,
      Runnable onFinished) {
    this(ctx, units, fragmenter, ending, onFinished, 0);
  }

  /**
   * @param intervalNanos when positive, unit {@code i} goes out no earlier than {@code i} intervals
   *     after the first, so a stream runs at a steady rate (a slow reader only delays it further)
   */
  ResponsePump(
      ChannelHandlerContext ctx,
      Iterator<byte[]> units,
      Fragmenter fragmenter,
      Ending ending,
      Runnable onFinished,
      long intervalNanos) {
    this.ctx = ctx;
    this.intervalNanos = intervalNanos;
    this.units = units;
    this.fragmenter = fragmenter;
    this.ending = ending;
    this.onFinished = onFinished;
  }

  void start(HttpResponse head) {
    lastWrite = ctx.writeAndFlush(head);
    startNanos = System.nanoTime();
    resume();
  }

  void resume() {
    if (waitingForTick) {
      return;
    }
    while (!ended && ctx.channel().isActive() && ctx.channel().isWritable() && units.hasNext()) {
      if (intervalNanos > 0) {
        long wait = startNanos + unitsWritten * intervalNanos - System.nanoTime();
        if (wait > 0) {
          waitingForTick = true;
          ctx.executor().schedule(this::tick, wait, TimeUnit.NANOSECONDS);
          return;
        }
      }
      unitsWritten++;
      byte[] unit = units.next();
      if (fragmenter == null) {
        writePiece(unit);
      } else {
        fragmenter.cut(unit, this::writePiece);
      }
    }
    if (!ended && ctx.channel().isActive() && !units.hasNext()) {
      end();
    }
  }

  private void tick() {
    waitingForTick = false;
    resume();
  }

  private void writePiece(byte[] bytes) {
    lastWrite =
        ctx.writeAndFlush(
            new DefaultHttpContent(ctx.alloc().ioBuffer(bytes.length).writeBytes(bytes)));
  }

  private void end() {
    ended = true;
    if (fragmenter != null) {
      fragmenter.flush(this::writePiece);
    }
    if (ending == Ending.FINISH) {
      ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(f -> onFinished.run());
    } else {
      lastWrite.addListener(
          f -> ctx.executor().schedule(this::reset, RESET_GRACE_MILLIS, TimeUnit.MILLISECONDS));
    }
  }

  private void reset() {
    // A zero linger time makes close() send RST instead of FIN.
    ctx.channel().config().setOption(ChannelOption.SO_LINGER, 0);
    ctx.channel().close();
  }
}
