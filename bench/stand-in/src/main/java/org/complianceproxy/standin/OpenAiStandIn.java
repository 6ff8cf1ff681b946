package org.complianceproxy.standin;

import static java.util.Objects.requireNonNull;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A local stand-in for OpenAI's chat completions API that speaks its exact wire format (JSON and
 * server-sent events) and answers with the text of the request's user messages, for tests, demos
 * and benchmarks. The model name selects the behaviour: {@code echo} (and any unknown name), {@code
 * echo-tool}, {@code fail-500}, {@code fail-429}, {@code hang}, {@code slow-<ms>}, {@code
 * reset-mid-stream}; a name containing {@code say:} and a base64url text adds that text to the
 * echo, as if the model produced it by itself ({@code echo-say:...}, see {@link #sayModel}).
 *
 * <pre>{@code
 * try (OpenAiStandIn openAi = OpenAiStandIn.start(StandInOptions.defaults().withApiKey("k"))) {
 *   client.baseUrl(openAi.baseUrl());
 *   ...
 *   assertThat(openAi.received().get(0).body()).doesNotContain("4111");
 * }
 * }</pre>
 *
 * <p>Listens on 127.0.0.1 only. All stand-ins of a JVM share one daemon event loop group.
 */
public final class OpenAiStandIn implements AutoCloseable {
  private final StandInOptions options;
  private final RequestRecorder recorder;
  private final Channel serverChannel;
  private final ChannelGroup connections;
  private final AtomicBoolean closed = new AtomicBoolean();

  private OpenAiStandIn(
      StandInOptions options,
      RequestRecorder recorder,
      Channel serverChannel,
      ChannelGroup connections) {
    this.options = options;
    this.recorder = recorder;
    this.serverChannel = serverChannel;
    this.connections = connections;
  }

  /**
   * Binds and starts serving; returns once the port is bound.
   *
   * @throws IllegalStateException if the port cannot be bound
   * @throws java.io.UncheckedIOException if the log file cannot be opened
   */
  public static OpenAiStandIn start(StandInOptions options) {
    requireNonNull(options, "options");
    RequestRecorder recorder = RequestRecorder.open(options.maxRecorded(), options.logFile());
    ChannelGroup connections = new DefaultChannelGroup("stand-in", GlobalEventExecutor.INSTANCE);
    ServerBootstrap bootstrap =
        new ServerBootstrap()
            .group(SharedEventLoop.group())
            .channel(NioServerSocketChannel.class)
            .option(ChannelOption.SO_BACKLOG, 1024)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(new StandInChannelInitializer(options, recorder, connections));
    ChannelFuture bound =
        bootstrap
            .bind(new InetSocketAddress(NetUtil.LOCALHOST4, options.port()))
            .awaitUninterruptibly();
    if (!bound.isSuccess()) {
      recorder.close();
      throw new IllegalStateException(
          "port: " + options.port() + " (cannot bind 127.0.0.1: " + bound.cause() + ")",
          bound.cause());
    }
    return new OpenAiStandIn(options, recorder, bound.channel(), connections);
  }

  /** The bound port; the actual one when {@link StandInOptions#port()} was 0. */
  public int port() {
    return ((InetSocketAddress) serverChannel.localAddress()).getPort();
  }

  /**
   * A model name that echoes, then says {@code text} as if the model produced it by itself: {@code
   * prefix} (e.g. {@code "echo-"}), {@code say:} and {@code text} in base64url.
   */
  public static String sayModel(String prefix, String text) {
    return Say.model(prefix, text);
  }

  /** {@code http://127.0.0.1:PORT/v1}, what OpenAI clients take as their base URL. */
  public String baseUrl() {
    return "http://127.0.0.1:" + port() + "/v1";
  }

  public StandInOptions options() {
    return options;
  }

  /**
   * The requests received so far, oldest first, including refused ones; a snapshot, at most {@link
   * StandInOptions#maxRecorded()} long.
   */
  public List<ReceivedRequest> received() {
    return recorder.snapshot();
  }

  /** Forgets the requests received so far (the log file keeps them). */
  public void clear() {
    recorder.clear();
  }

  /** Stops listening, closes every connection and the log file. Idempotent. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    serverChannel.close().awaitUninterruptibly();
    connections.close().awaitUninterruptibly();
    recorder.close();
  }
}
