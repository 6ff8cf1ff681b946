package org.complianceproxy.standin;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A local stand-in for the Bedrock runtime API over HTTP/1.1: Converse, ConverseStream, InvokeModel
 * and InvokeModelWithResponseStream (Anthropic messages bodies), with real event-stream framing
 * (CRCs included), echoing the user's text; see {@link BedrockHandler}. It does not check
 * signatures: it stands for AWS, which the proxy signs for with its own credentials.
 *
 * <pre>{@code
 * try (BedrockStandIn bedrock = BedrockStandIn.start(0, 7L, 5)) {
 *   proxyEnv.put("BEDROCK_ENDPOINT", bedrock.endpoint().toString());
 *   ...
 *   assertThat(bedrock.received().get(0).body()).doesNotContain("4111");
 * }
 * }</pre>
 */
public final class BedrockStandIn implements AutoCloseable {

  private final RequestRecorder recorder;
  private final Channel serverChannel;
  private final ChannelGroup connections;
  private final AtomicBoolean closed = new AtomicBoolean();

  private BedrockStandIn(
      RequestRecorder recorder, Channel serverChannel, ChannelGroup connections) {
    this.recorder = recorder;
    this.serverChannel = serverChannel;
    this.connections = connections;
  }

  /**
   * A model id that echoes, then says {@code text} as if the model produced it by itself: {@code
   * prefix} (e.g. {@code "anthropic.claude-"}), {@code say:} and {@code text} in base64url.
   */
  public static String sayModel(String prefix, String text) {
    return Say.model(prefix, text);
  }

  /**
   * Binds 127.0.0.1 and starts serving.
   *
   * @param port 0 for an ephemeral port
   * @param seed seeds the piece sizes of streamed answers (each connection derives its own)
   * @param fragmentBytes streamed bytes go out in writes of 1 to this many bytes
   */
  public static BedrockStandIn start(int port, long seed, int fragmentBytes) {
    return start(port, seed, fragmentBytes, StandInOptions.DEFAULT_MAX_RECORDED);
  }

  /**
   * As {@link #start(int, long, int)}, keeping at most {@code maxRecorded} requests in memory (0
   * for load tests, which never read them).
   */
  public static BedrockStandIn start(int port, long seed, int fragmentBytes, int maxRecorded) {
    if (fragmentBytes < 1) {
      throw new IllegalArgumentException("fragmentBytes: " + fragmentBytes + " (expected: > 0)");
    }
    if (maxRecorded < 0) {
      throw new IllegalArgumentException("maxRecorded: " + maxRecorded + " (expected: >= 0)");
    }
    RequestRecorder recorder = RequestRecorder.open(maxRecorded, null);
    ChannelGroup connections =
        new DefaultChannelGroup("bedrock-stand-in", GlobalEventExecutor.INSTANCE);
    AtomicLong connectionSeeds = new AtomicLong(seed);
    ChannelFuture bound =
        new ServerBootstrap()
            .group(SharedEventLoop.group())
            .channel(NioServerSocketChannel.class)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    connections.add(ch);
                    ch.pipeline()
                        .addLast("http-codec", new HttpServerCodec())
                        .addLast("keep-alive", new HttpServerKeepAliveHandler())
                        .addLast(
                            "aggregator",
                            new HttpObjectAggregator(StandInChannelInitializer.MAX_REQUEST_BYTES))
                        .addLast(
                            "bedrock",
                            new BedrockHandler(
                                recorder, connectionSeeds.getAndIncrement(), fragmentBytes));
                  }
                })
            .bind(new InetSocketAddress(NetUtil.LOCALHOST4, port))
            .awaitUninterruptibly();
    if (!bound.isSuccess()) {
      throw new IllegalStateException(
          "port: " + port + " (cannot bind 127.0.0.1: " + bound.cause() + ")", bound.cause());
    }
    return new BedrockStandIn(recorder, bound.channel(), connections);
  }

  public int port() {
    return ((InetSocketAddress) serverChannel.localAddress()).getPort();
  }

  /** {@code http://127.0.0.1:PORT}, what Bedrock clients take as their endpoint override. */
  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + port());
  }

  /** The requests received so far, oldest first; a snapshot. */
  public List<ReceivedRequest> received() {
    return recorder.snapshot();
  }

  public void clear() {
    recorder.clear();
  }

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
