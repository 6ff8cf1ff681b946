package org.complianceproxy.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;

/**
 * One keep-alive HTTP/1.1 connection of the load generator, doing one exchange at a time. It
 * (re)connects lazily when a send finds it closed. All its state is touched on its event loop only.
 *
 * <p>Pipeline: {@code HttpClientCodec}, then {@link ResponseReader}, which reads the response
 * without aggregating it (only the last bytes are kept, to check that an SSE stream ended with
 * {@code [DONE]}, and an event stream's frames are followed by an {@link EventStreamFollower});
 * {@link io.netty.channel.SimpleChannelInboundHandler} releases every piece.
 */
final class Connection {
  private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);

  /** Told once per exchange, on the connection's event loop. */
  interface Listener {
    /**
     * @param intendedNanos when the exchange was meant to start (open loop) or started (closed)
     * @param firstByteNanos when the first body byte arrived, or 0 if none did
     * @param ok status 200, and a complete answer of the workload's {@link Workload.Answer} kind
     */
    void done(Connection connection, long intendedNanos, long firstByteNanos, boolean ok);
  }

  private final Bootstrap bootstrap;
  private final EventLoop loop;
  private Channel channel;
  // The exchange in flight; listener == null when idle.
  private Workload workload;
  private Listener listener;
  private long intendedNanos;
  private long firstByteNanos;
  private int status;
  private boolean keepAlive;
  private final byte[] tail = new byte[DONE.length];
  private int tailLength;
  private final EventStreamFollower frames = new EventStreamFollower();

  Connection(Bootstrap bootstrap, EventLoop loop) {
    this.bootstrap = bootstrap;
    this.loop = loop;
  }

  /** Starts an exchange; may be called from any thread while the connection is idle. */
  void send(Workload workload, long intendedNanos, Listener listener) {
    loop.execute(() -> start(workload, intendedNanos, listener));
  }

  /** Closes the connection; an exchange in flight ends as failed. */
  void close() {
    loop.execute(
        () -> {
          if (channel != null) {
            channel.close();
          }
        });
  }

  private void start(Workload workload, long intendedNanos, Listener listener) {
    this.workload = workload;
    this.listener = listener;
    this.intendedNanos = intendedNanos;
    this.firstByteNanos = 0;
    this.status = 0;
    this.tailLength = 0;
    frames.reset();
    if (channel != null && channel.isActive()) {
      write();
      return;
    }
    ChannelFuture connect =
        bootstrap.clone(loop).handler(new BenchChannelInitializer(this)).connect();
    channel = connect.channel();
    connect.addListener(
        f -> {
          if (f.isSuccess()) {
            write();
          } else {
            finish(false);
          }
        });
  }

  private void write() {
    channel
        .writeAndFlush(workload.newRequest())
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                channel.close();
              }
            });
  }

  void onResponse(HttpResponse response) {
    status = response.status().code();
    keepAlive = HttpUtil.isKeepAlive(response);
  }

  void onContent(HttpContent content) {
    ByteBuf bytes = content.content();
    int readable = bytes.readableBytes();
    if (readable > 0) {
      if (firstByteNanos == 0) {
        firstByteNanos = System.nanoTime();
      }
      if (workload.answer() == Workload.Answer.EVENT_STREAM) {
        frames.feed(bytes);
      } else {
        keepTail(bytes);
      }
    }
    if (content instanceof LastHttpContent) {
      boolean ok = status == 200 && completeAnswer();
      if (!keepAlive) {
        channel.close();
      }
      finish(ok);
    }
  }

  void onClosed(Channel closed) {
    // A channel closed after a `connection: close` answer may report in after its successor
    // has taken over the next exchange.
    if (closed == channel && listener != null) {
      finish(false);
    }
  }

  private void finish(boolean ok) {
    Listener told = listener;
    if (told == null) {
      return;
    }
    listener = null;
    told.done(this, intendedNanos, firstByteNanos, ok);
  }

  private void keepTail(ByteBuf bytes) {
    int n = Math.min(bytes.readableBytes(), tail.length);
    int keep = Math.min(tailLength, tail.length - n);
    System.arraycopy(tail, tailLength - keep, tail, 0, keep);
    bytes.getBytes(bytes.writerIndex() - n, tail, keep, n);
    tailLength = keep + n;
  }

  private boolean completeAnswer() {
    return switch (workload.answer()) {
      case WHOLE -> true;
      case SSE -> endsWithDone();
      case EVENT_STREAM -> frames.completed();
    };
  }

  private boolean endsWithDone() {
    if (tailLength != DONE.length) {
      return false;
    }
    for (int i = 0; i < DONE.length; i++) {
      if (tail[i] != DONE[i]) {
        return false;
      }
    }
    return true;
  }

  /** Placement: after {@code HttpClientCodec}; releases every message (superclass). */
  static final class ResponseReader extends SimpleChannelInboundHandler<HttpObject> {
    private final Connection connection;

    ResponseReader(Connection connection) {
      this.connection = connection;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
      if (msg instanceof HttpResponse) {
        connection.onResponse((HttpResponse) msg);
      }
      if (msg instanceof HttpContent) {
        connection.onContent((HttpContent) msg);
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      connection.onClosed(ctx.channel());
      ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}
