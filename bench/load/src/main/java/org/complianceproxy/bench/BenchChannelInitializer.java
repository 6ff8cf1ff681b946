package org.complianceproxy.bench;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;

/** The pipeline of one load connection: HTTP/1.1 client codec, then the response reader. */
final class BenchChannelInitializer extends ChannelInitializer<SocketChannel> {
  private final Connection connection;

  BenchChannelInitializer(Connection connection) {
    this.connection = connection;
  }

  @Override
  protected void initChannel(SocketChannel channel) {
    channel.pipeline().addLast("http-codec", new HttpClientCodec());
    channel.pipeline().addLast("response-reader", new Connection.ResponseReader(connection));
  }
}
