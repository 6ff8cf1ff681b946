package org.complianceproxy.standin;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * One event loop group for every stand-in in the JVM, accepting and serving alike, so that a test
 * suite starting many stand-ins does not start threads for each. Its threads are daemons: the group
 * lives as long as the JVM and never keeps it alive.
 */
final class SharedEventLoop {
  private SharedEventLoop() {}

  static EventLoopGroup group() {
    return Holder.GROUP;
  }

  private static final class Holder {
    static final EventLoopGroup GROUP =
        new MultiThreadIoEventLoopGroup(
            Math.max(2, Runtime.getRuntime().availableProcessors()),
            new DefaultThreadFactory("stand-in", true),
            NioIoHandler.newFactory());
  }
}
