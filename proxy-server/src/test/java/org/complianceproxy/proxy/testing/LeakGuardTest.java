package org.complianceproxy.proxy.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;

/** The guard itself must be able to fail: a deliberately leaked buffer is reported. */
class LeakGuardTest {

  @Test
  void aLeakedBufferIsReported() {
    LeakGuard.collect();
    leakOne();
    assertThat(LeakGuard.collect()).as("leak reports").isNotEmpty();
  }

  private static void leakOne() {
    ByteBuf leaked = PooledByteBufAllocator.DEFAULT.directBuffer(32);
    leaked.writeInt(42);
  }
}
