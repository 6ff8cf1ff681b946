package org.complianceproxy.localkafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalKafkaTest {

  @TempDir Path dir;

  @Test
  void brokerAcceptsConnectionsAndComesBackOnTheSamePortAfterRestart() throws IOException {
    try (LocalKafka kafka = LocalKafka.start(dir.resolve("kafka"))) {
      assertThat(kafka.bootstrapServers()).isEqualTo("127.0.0.1:" + kafka.port());
      assertThat(kafka.isRunning()).isTrue();
      assertThat(accepts(kafka.port())).isTrue();

      kafka.stop();
      assertThat(kafka.isRunning()).isFalse();
      assertThat(accepts(kafka.port())).isFalse();

      kafka.restart();
      assertThat(kafka.isRunning()).isTrue();
      assertThat(accepts(kafka.port())).isTrue();
    }
  }

  @Test
  void brokerThatCannotBindItsPortFailsWithItsLogTail() throws IOException {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      assertThatThrownBy(() -> LocalKafka.start(dir.resolve("kafka"), taken.getLocalPort()))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("exited with code")
          .hasMessageContaining("last lines of");
    }
  }

  private static boolean accepts(int port) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 2_000);
      return true;
    } catch (ConnectException refused) {
      return false;
    }
  }
}
