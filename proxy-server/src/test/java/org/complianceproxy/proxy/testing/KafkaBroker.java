package org.complianceproxy.proxy.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;
import org.complianceproxy.localkafka.LocalKafka;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real Kafka broker for integration tests, shared by every test class of the JVM: started by the
 * first class that needs it ({@code @ExtendWith(KafkaBroker.class)}, or a call to {@link
 * #bootstrapServers()}), stopped and deleted by a shutdown hook when the JVM exits. Starting it
 * takes a few seconds, so classes share it and keep apart by using topics and consumer groups of
 * their own.
 *
 * <p>Tests that stop or restart a broker start a {@link LocalKafka} of their own instead.
 */
public final class KafkaBroker implements BeforeAllCallback {

  // Started on first use; guarded by KafkaBroker.class.
  private static LocalKafka broker;

  @Override
  public void beforeAll(ExtensionContext context) {
    bootstrapServers();
  }

  /** The shared broker's {@code bootstrap.servers}, starting it if this is the first use. */
  public static synchronized String bootstrapServers() {
    if (broker == null) {
      broker = startInTempDir();
    }
    return broker.bootstrapServers();
  }

  /** The shared broker's {@code bootstrap.servers} if a test started it, without starting it. */
  public static synchronized Optional<String> startedBootstrapServers() {
    return broker == null ? Optional.empty() : Optional.of(broker.bootstrapServers());
  }

  private static LocalKafka startInTempDir() {
    Path dir;
    try {
      dir = Files.createTempDirectory("kafka-broker-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a directory for the test Kafka broker", e);
    }
    LocalKafka kafka = LocalKafka.start(dir);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  kafka.close();
                  deleteRecursively(dir);
                },
                "kafka-broker-shutdown"));
    return kafka;
  }

  private static void deleteRecursively(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      // A leftover temporary directory is not worth failing the JVM's exit for.
    }
  }
}
