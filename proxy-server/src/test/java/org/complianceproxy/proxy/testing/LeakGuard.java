package org.complianceproxy.proxy.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Makes Netty's leak detector fail tests instead of only logging. Installed as a JUnit launcher
 * session listener (see META-INF/services), so the factory is in place before any Netty buffer
 * class is loaded; test classes that use it ({@code @ExtendWith(LeakGuard.class)}) fail in {@code
 * afterAll} when a buffer leaked while they ran. Run with {@code
 * -Dio.netty.leakDetection.level=paranoid}.
 */
public final class LeakGuard implements LauncherSessionListener, AfterAllCallback {

  private static final List<String> LEAKS = new CopyOnWriteArrayList<>();

  /** Loading this class installs the factory, once per JVM. */
  private static final boolean INSTALLED = installFactory();

  private static boolean installFactory() {
    ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(
        new ResourceLeakDetectorFactory() {
          @Override
          public <T> ResourceLeakDetector<T> newResourceLeakDetector(
              Class<T> resource, int samplingInterval, long maxActive) {
            return new ResourceLeakDetector<T>(resource, samplingInterval) {
              @Override
              protected void reportTracedLeak(String resourceType, String records) {
                LEAKS.add(resourceType + records);
                super.reportTracedLeak(resourceType, records);
              }

              @Override
              protected void reportUntracedLeak(String resourceType) {
                LEAKS.add(resourceType + " (untraced)");
                super.reportUntracedLeak(resourceType);
              }
            };
          }
        });
    return true;
  }

  @Override
  public void launcherSessionOpened(LauncherSession session) {
    if (!INSTALLED) {
      throw new IllegalStateException("leak detector factory not installed");
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    List<String> leaks = collect();
    if (!leaks.isEmpty()) {
      throw new AssertionError(
          leaks.size()
              + " leaked buffer(s) during "
              + context.getDisplayName()
              + ":\n"
              + leaks.get(0));
    }
  }

  /**
   * Forces collection of unreachable buffers, lets the detector see them, and takes the reports.
   */
  public static List<String> collect() {
    for (int i = 0; i < 5; i++) {
      System.gc();
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      // The detector polls its reference queue when a new buffer is tracked.
      for (int j = 0; j < 64; j++) {
        ByteBuf a = PooledByteBufAllocator.DEFAULT.directBuffer(16);
        a.release();
        ByteBuf b = UnpooledByteBufAllocator.DEFAULT.heapBuffer(16);
        b.release();
      }
    }
    List<String> found = new ArrayList<>(LEAKS);
    LEAKS.clear();
    return found;
  }
}
