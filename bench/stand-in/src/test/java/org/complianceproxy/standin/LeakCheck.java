package org.complianceproxy.standin;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class if Netty's leak detector reported a buffer that was never released. Netty only
 * logs leaks; this collects them instead. It must be installed before the first buffer class is
 * loaded, which holds because the test classes that use it touch Netty only inside their tests.
 */
final class LeakCheck implements AfterAllCallback {
  private static final List<String> LEAKS = new CopyOnWriteArrayList<>();
  private static volatile boolean trackingBuffers;

  static {
    ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(
        new ResourceLeakDetectorFactory() {
          @Override
          public <T> ResourceLeakDetector<T> newResourceLeakDetector(
              Class<T> resource, int samplingInterval, long maxActive) {
            if (resource == ByteBuf.class) {
              trackingBuffers = true;
            }
            return new ResourceLeakDetector<>(resource, samplingInterval) {
              @Override
              protected void reportTracedLeak(String resourceType, String records) {
                LEAKS.add(resourceType + records);
              }

              @Override
              protected void reportUntracedLeak(String resourceType) {
                LEAKS.add(resourceType);
              }
            };
          }
        });
  }

  @Override
  public void afterAll(ExtensionContext context) throws InterruptedException {
    for (int round = 0; round < 3; round++) {
      System.gc();
      Thread.sleep(50);
      // The detector reports collected leaks only when it tracks the next buffer.
      PooledByteBufAllocator.DEFAULT.buffer(1).release();
      UnpooledByteBufAllocator.DEFAULT.buffer(1).release();
    }
    assertThat(trackingBuffers).as("leak detector installed before buffers were used").isTrue();
    assertThat(ResourceLeakDetector.getLevel()).isEqualTo(ResourceLeakDetector.Level.PARANOID);
    assertThat(LEAKS).as("leaked buffers").isEmpty();
  }
}
