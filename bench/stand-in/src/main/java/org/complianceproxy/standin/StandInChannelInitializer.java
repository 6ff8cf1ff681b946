package org.complianceproxy.standin;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;

/** The pipeline of one client connection, stage by stage. */
final class StandInChannelInitializer extends ChannelInitializer<SocketChannel> {
  /**
   * Request bodies are aggregated up to this size; larger ones get 413 from the aggregator. Above
   * the proxy's own default limit (10 MiB), so that the proxy's limit is what tests observe.
   */
  static final int MAX_REQUEST_BYTES = 32 * 1024 * 1024;

  private final StandInOptions options;
  private final RequestRecorder recorder;
  // Every open connection, so that close() can end them all.
  private final ChannelGroup connections;

  StandInChannelInitializer(
      StandInOptions options, RequestRecorder recorder, ChannelGroup connections) {
    this.options = options;
    this.recorder = recorder;
    this.connections = connections;
  }

  @Override
  protected void initChannel(SocketChannel channel) {
    connections.add(channel);
    ChannelPipeline pipeline = channel.pipeline();
    addHttp1Handlers(pipeline);
    addChatCompletions(pipeline);
  }

  private static void addHttp1Handlers(ChannelPipeline pipeline) {
    pipeline.addLast("http-codec", new HttpServerCodec());
    pipeline.addLast("keep-alive", new HttpServerKeepAliveHandler());
    pipeline.addLast("aggregator", new HttpObjectAggregator(MAX_REQUEST_BYTES));
  }

  private void addChatCompletions(ChannelPipeline pipeline) {
    pipeline.addLast("chat-completions", new ChatCompletionsHandler(options, recorder));
  }
}
