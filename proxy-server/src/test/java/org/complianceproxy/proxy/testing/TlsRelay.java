package org.complianceproxy.proxy.testing;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;

/**
 * A TLS terminator in front of a plain upstream, for testing the proxy's https client: it accepts
 * TLS with a certificate made by {@code keytool} for the given subject alternative name and relays
 * the decrypted bytes to {@code target}. Buffers are passed on or released, never kept.
 */
public final class TlsRelay implements AutoCloseable {

  private final EventLoopGroup group;
  private final Channel server;
  private final Path certificatePem;

  private TlsRelay(EventLoopGroup group, Channel server, Path certificatePem) {
    this.group = group;
    this.server = server;
    this.certificatePem = certificatePem;
  }

  /**
   * @param san e.g. {@code ip:127.0.0.1} or {@code dns:example.invalid}
   */
  public static TlsRelay start(Path dir, String san, InetSocketAddress target) throws Exception {
    Path keystore = dir.resolve("relay-" + System.nanoTime() + ".p12");
    Path pem = dir.resolve(keystore.getFileName() + ".pem");
    keytool(
        "-genkeypair",
        "-alias",
        "relay",
        "-keyalg",
        "EC",
        "-groupname",
        "secp256r1",
        "-dname",
        "CN=stand-in",
        "-ext",
        "SAN=" + san,
        "-validity",
        "2",
        "-keystore",
        keystore.toString(),
        "-storetype",
        "PKCS12",
        "-storepass",
        "changeit");
    keytool(
        "-exportcert",
        "-rfc",
        "-alias",
        "relay",
        "-file",
        pem.toString(),
        "-keystore",
        keystore.toString(),
        "-storepass",
        "changeit");
    KeyStore store = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(keystore)) {
      store.load(in, "changeit".toCharArray());
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(store, "changeit".toCharArray());
    SslContext ssl = SslContextBuilder.forServer(kmf).build();

    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    Channel server =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .childOption(ChannelOption.AUTO_READ, false)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    ch.pipeline().addLast(ssl.newHandler(ch.alloc()), new Frontend(target));
                  }
                })
            .bind("127.0.0.1", 0)
            .sync()
            .channel();
    return new TlsRelay(group, server, pem);
  }

  public int port() {
    return ((InetSocketAddress) server.localAddress()).getPort();
  }

  /** The relay's certificate, to trust. */
  public Path certificatePem() {
    return certificatePem;
  }

  @Override
  public void close() {
    server.close().syncUninterruptibly();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  private static void keytool(String... args) throws IOException, InterruptedException {
    Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    List<String> command = new java.util.ArrayList<>(List.of(keytool.toString()));
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes());
    if (process.waitFor() != 0) {
      throw new IllegalStateException("keytool failed: " + output);
    }
  }

  /** Client side: opens the plain connection, then relays both ways. */
  private static final class Frontend extends ChannelInboundHandlerAdapter {
    private final InetSocketAddress target;
    private Channel outbound;

    Frontend(InetSocketAddress target) {
      this.target = target;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      Channel inbound = ctx.channel();
      new Bootstrap()
          .group(inbound.eventLoop())
          .channel(NioSocketChannel.class)
          .handler(new Backend(inbound))
          .connect(target)
          .addListener(
              (ChannelFutureListener)
                  f -> {
                    if (f.isSuccess()) {
                      outbound = f.channel();
                      inbound.read();
                    } else {
                      inbound.close();
                    }
                  });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (outbound == null || !outbound.isActive()) {
        ReferenceCountUtil.release(msg);
        return;
      }
      outbound
          .writeAndFlush(msg)
          .addListener(
              (ChannelFutureListener)
                  f -> {
                    if (f.isSuccess()) {
                      ctx.channel().read();
                    } else {
                      f.channel().close();
                    }
                  });
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      closeOnFlush(outbound);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      closeOnFlush(ctx.channel());
    }
  }

  /** Upstream side: relays answers back to the TLS client. */
  private static final class Backend extends ChannelInboundHandlerAdapter {
    private final Channel inbound;

    Backend(Channel inbound) {
      this.inbound = inbound;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      inbound.writeAndFlush(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      closeOnFlush(inbound);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      closeOnFlush(ctx.channel());
    }
  }

  private static void closeOnFlush(Channel channel) {
    if (channel != null && channel.isActive()) {
      channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }
  }
}
