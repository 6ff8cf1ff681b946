package org.complianceproxy.localkafka;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A real Apache Kafka broker (KRaft, one combined broker and controller node) running as a child
 * JVM on loopback, for tests, the demo and the benchmarks.
 *
 * <p>The broker runs from the jars that the build copies to {@code target/kafka-lib} (see {@code
 * local-kafka.properties}, or set the system property {@code local.kafka.lib}), so no Kafka class
 * is ever on the caller's class path. Everything lives in the work directory: {@code
 * server.properties}, the data under {@code data/} and the broker's output in {@code broker.log}.
 * {@link #stop()} and {@link #restart()} keep ports and data, so outage tests can take the broker
 * away and bring the same one back.
 *
 * <p>A shutdown hook kills the broker if the JVM that started it exits without closing it. A JVM
 * killed with SIGKILL cannot run hooks and leaves the broker behind.
 */
public final class LocalKafka implements AutoCloseable {

  /** Overrides the directory of the broker's jars. */
  public static final String LIB_DIR_PROPERTY = "local.kafka.lib";

  /** The broker's log level (slf4j-simple); the readiness line is always logged. */
  public static final String LOG_LEVEL_PROPERTY = "local.kafka.log.level";

  private static final String READY_LINE = "Kafka Server started";
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration FORMAT_TIMEOUT = Duration.ofSeconds(60);
  // A combined node's controlled shutdown takes a few seconds; after this it is killed.
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration POLL_INTERVAL = Duration.ofMillis(50);
  private static final int LOG_TAIL_LINES = 40;

  // Holds server.properties, data/, format.log and broker.log.
  private final Path workDir;
  // The broker's jars (kafka_2.13 and its runtime dependencies).
  private final Path libDir;
  // PLAINTEXT listener, the one clients use.
  private final int port;
  // CONTROLLER listener of the KRaft quorum.
  private final int controllerPort;
  // Kills the broker when the JVM exits without close().
  private final Thread shutdownHook;
  // The running broker, or null while stopped; written under the lock, read by the shutdown hook.
  private volatile Process process;
  // Set once by close(); guarded by this.
  private boolean closed;

  private LocalKafka(Path workDir, Path libDir, int port, int controllerPort) {
    this.workDir = workDir;
    this.libDir = libDir;
    this.port = port;
    this.controllerPort = controllerPort;
    this.shutdownHook = new Thread(this::killOnExit, "local-kafka-shutdown-" + port);
  }

  /** Starts a broker on two free loopback ports and waits until it serves clients. */
  public static LocalKafka start(Path workDir) {
    int[] ports = freeLoopbackPorts(2);
    return start(workDir, ports[0], ports[1]);
  }

  /**
   * Starts a broker whose clients connect to {@code port} and whose controller listens on {@code
   * port + 1}, and waits until it serves clients.
   */
  public static LocalKafka start(Path workDir, int port) {
    return start(workDir, port, port + 1);
  }

  private static LocalKafka start(Path workDir, int port, int controllerPort) {
    requireNonNull(workDir, "workDir");
    checkPort("port", port);
    checkPort("controllerPort", controllerPort);
    LocalKafka kafka = new LocalKafka(workDir.toAbsolutePath(), libDir(), port, controllerPort);
    Runtime.getRuntime().addShutdownHook(kafka.shutdownHook);
    try {
      kafka.writeConfig();
      kafka.formatStorageOnce();
      synchronized (kafka) {
        kafka.launch();
      }
      return kafka;
    } catch (RuntimeException e) {
      kafka.close();
      throw e;
    }
  }

  /** {@code 127.0.0.1:port}, for {@code bootstrap.servers}. */
  public String bootstrapServers() {
    return "127.0.0.1:" + port;
  }

  /** The port clients connect to. */
  public int port() {
    return port;
  }

  /** Where the configuration, the data and the broker's log live. */
  public Path workDir() {
    return workDir;
  }

  /** The broker's standard output and error, appended across restarts. */
  public Path logFile() {
    return workDir.resolve("broker.log");
  }

  /** The broker's process id, for its CPU figures; -1 while it is stopped. */
  public long pid() {
    Process p = process;
    return p != null && p.isAlive() ? p.pid() : -1;
  }

  /** True while the broker process is alive. */
  public boolean isRunning() {
    Process p = process;
    return p != null && p.isAlive();
  }

  /**
   * Stops the broker (SIGTERM and a controlled shutdown, killed if it takes longer than 30 s) and
   * keeps its data and ports for {@link #restart()}. Does nothing when it is already stopped.
   */
  public synchronized void stop() {
    Process p = process;
    process = null;
    if (p != null) {
      terminate(p);
    }
  }

  /**
   * Kills the broker at once (SIGKILL: no controlled shutdown, like a crashed machine's process)
   * and keeps its data and ports for {@link #restart()}. Does nothing when it is already stopped.
   */
  public synchronized void kill() {
    Process p = process;
    process = null;
    if (p == null) {
      return;
    }
    p.destroyForcibly();
    try {
      if (!p.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException("local Kafka on port " + port + " did not die on SIGKILL");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while killing local Kafka on port " + port, e);
    }
  }

  /** Stops the broker if it runs, then starts it again on the same ports with the same data. */
  public synchronized void restart() {
    if (closed) {
      throw new IllegalStateException("local Kafka on port " + port + " is closed");
    }
    stop();
    launch();
  }

  /** Stops the broker for good. The work directory is left for the caller to delete. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    stop();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException shutdownInProgress) {
      // The hook is running or about to; it finds no process.
    }
  }

  @Override
  public String toString() {
    return "LocalKafka{" + bootstrapServers() + ", " + workDir + "}";
  }

  // Called with the lock held.
  private void launch() {
    Path log = logFile();
    long logStart = fileSize(log);
    List<String> command = new ArrayList<>(javaCommand("-Xmx512m"));
    command.addAll(List.of("kafka.Kafka", workDir.resolve("server.properties").toString()));
    Process p;
    try {
      p =
          new ProcessBuilder(command)
              .directory(workDir.toFile())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the Kafka broker: " + command, e);
    }
    process = p;
    try {
      awaitReady(p, log, logStart);
    } catch (RuntimeException e) {
      process = null;
      terminate(p);
      throw e;
    }
  }

  private void awaitReady(Process p, Path log, long logStart) {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    // Scans only what this launch wrote; the tail of the previous read covers a split line.
    long offset = logStart;
    String carry = "";
    while (true) {
      byte[] fresh = readLinesFrom(log, offset);
      offset += fresh.length;
      String window = carry + new String(fresh, UTF_8);
      if (window.contains(READY_LINE)) {
        return;
      }
      carry = window.substring(Math.max(0, window.length() - READY_LINE.length()));
      if (!p.isAlive()) {
        throw new IllegalStateException(
            "Kafka broker on port "
                + port
                + " exited with code "
                + p.exitValue()
                + " before it was ready; "
                + logTail(log, logStart));
      }
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException(
            "Kafka broker on port "
                + port
                + " did not log '"
                + READY_LINE
                + "' within "
                + READY_TIMEOUT.toSeconds()
                + " s; "
                + logTail(log, logStart));
      }
      sleep(POLL_INTERVAL);
    }
  }

  private void writeConfig() {
    Properties config = new Properties();
    String controller = "127.0.0.1:" + controllerPort;
    config.setProperty("process.roles", "broker,controller");
    config.setProperty("node.id", "1");
    config.setProperty("controller.quorum.bootstrap.servers", controller);
    config.setProperty(
        "listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://" + controller);
    config.setProperty(
        "advertised.listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://" + controller);
    config.setProperty("controller.listener.names", "CONTROLLER");
    config.setProperty("inter.broker.listener.name", "PLAINTEXT");
    config.setProperty(
        "listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    config.setProperty("log.dirs", workDir.resolve("data").toString());
    // One node: every replication factor and minimum ISR is 1.
    config.setProperty("default.replication.factor", "1");
    config.setProperty("min.insync.replicas", "1");
    config.setProperty("offsets.topic.replication.factor", "1");
    config.setProperty("transaction.state.log.replication.factor", "1");
    config.setProperty("transaction.state.log.min.isr", "1");
    config.setProperty("share.coordinator.state.topic.replication.factor", "1");
    config.setProperty("share.coordinator.state.topic.min.isr", "1");
    // Few partitions for internal topics: the first consumer group starts in a blink.
    config.setProperty("num.partitions", "1");
    config.setProperty("offsets.topic.num.partitions", "1");
    config.setProperty("transaction.state.log.num.partitions", "1");
    config.setProperty("share.coordinator.state.topic.num.partitions", "1");
    config.setProperty("group.initial.rebalance.delay.ms", "0");
    config.setProperty("auto.create.topics.enable", "true");
    try {
      Files.createDirectories(workDir);
      try (var out = Files.newBufferedWriter(workDir.resolve("server.properties"), UTF_8)) {
        config.store(out, "written by " + LocalKafka.class.getName());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write server.properties in " + workDir, e);
    }
  }

  // A directory that a broker has already used keeps its cluster id and data.
  private void formatStorageOnce() {
    if (Files.exists(workDir.resolve("data").resolve("meta.properties"))) {
      return;
    }
    Path log = workDir.resolve("format.log");
    List<String> command = new ArrayList<>(javaCommand("-Xmx256m"));
    command.addAll(
        List.of(
            "kafka.tools.StorageTool",
            "format",
            "--standalone",
            "-t",
            randomClusterId(),
            "-c",
            workDir.resolve("server.properties").toString()));
    try {
      Process p =
          new ProcessBuilder(command)
              .directory(workDir.toFile())
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      if (!p.waitFor(FORMAT_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(
            "kafka.tools.StorageTool format did not finish within "
                + FORMAT_TIMEOUT.toSeconds()
                + " s; "
                + logTail(log, 0));
      }
      if (p.exitValue() != 0) {
        throw new IllegalStateException(
            "kafka.tools.StorageTool format exited with code "
                + p.exitValue()
                + "; "
                + logTail(log, 0));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + command, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while formatting Kafka storage", e);
    }
  }

  private List<String> javaCommand(String heap) {
    String level = System.getProperty(LOG_LEVEL_PROPERTY, "warn");
    return List.of(
        javaExecutable(),
        heap,
        "-Dorg.slf4j.simpleLogger.defaultLogLevel=" + level,
        "-Dorg.slf4j.simpleLogger.log.kafka.server.KafkaRaftServer=info",
        "-Dorg.slf4j.simpleLogger.showDateTime=true",
        "-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS",
        "-cp",
        libDir.resolve("*").toString());
  }

  private void killOnExit() {
    Process p = process;
    if (p != null) {
      terminate(p);
    }
  }

  private static void terminate(Process p) {
    p.destroy();
    try {
      if (!p.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  private static String javaExecutable() {
    return ProcessHandle.current()
        .info()
        .command()
        .filter(c -> Files.isExecutable(Paths.get(c)))
        .orElseGet(() -> Paths.get(System.getProperty("java.home"), "bin", "java").toString());
  }

  private static Path libDir() {
    String configured = System.getProperty(LIB_DIR_PROPERTY);
    String source = "system property " + LIB_DIR_PROPERTY;
    if (configured == null) {
      source = "local-kafka.properties";
      try (InputStream in = LocalKafka.class.getResourceAsStream("/local-kafka.properties")) {
        if (in == null) {
          throw new IllegalStateException(
              "local-kafka.properties is not on the class path (expected: built by Maven into"
                  + " bench/local-kafka/target/classes), and "
                  + LIB_DIR_PROPERTY
                  + " is not set");
        }
        Properties props = new Properties();
        props.load(in);
        configured = props.getProperty("lib.dir");
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read local-kafka.properties", e);
      }
    }
    Path dir = Paths.get(configured == null ? "" : configured).toAbsolutePath();
    try (var files = Files.list(dir)) {
      if (files.noneMatch(f -> f.getFileName().toString().startsWith("kafka_2.13-"))) {
        throw new IllegalStateException(
            "lib.dir: "
                + dir
                + " from "
                + source
                + " (expected: a directory with kafka_2.13-*.jar;"
                + " run `mvn -pl bench/local-kafka package`)");
      }
    } catch (IOException e) {
      throw new IllegalStateException(
          "lib.dir: "
              + dir
              + " from "
              + source
              + " cannot be listed (expected: the broker's jars;"
              + " run `mvn -pl bench/local-kafka package`)",
          e);
    }
    return dir;
  }

  // The broker's cluster id format: 16 random bytes, URL-safe base64 without padding, and (as
  // Kafka's own Uuid.randomUuid) never starting with '-', which command lines take for an option.
  private static String randomClusterId() {
    while (true) {
      UUID uuid = UUID.randomUUID();
      ByteBuffer bytes = ByteBuffer.allocate(16);
      bytes.putLong(uuid.getMostSignificantBits()).putLong(uuid.getLeastSignificantBits());
      String id = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes.array());
      if (!id.startsWith("-")) {
        return id;
      }
    }
  }

  private static int[] freeLoopbackPorts(int count) {
    // All sockets stay open until every port is known, so the ports differ.
    List<ServerSocket> sockets = new ArrayList<>();
    try {
      int[] ports = new int[count];
      for (int i = 0; i < count; i++) {
        ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        sockets.add(socket);
        ports[i] = socket.getLocalPort();
      }
      return ports;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot find free loopback ports", e);
    } finally {
      for (ServerSocket socket : sockets) {
        try {
          socket.close();
        } catch (IOException ignored) {
          // Closing a listening socket that accepted nothing does not fail in practice.
        }
      }
    }
  }

  private static void checkPort(String name, int port) {
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException(name + ": " + port + " (expected: 1-65535)");
    }
  }

  private static long fileSize(Path file) {
    try {
      return Files.exists(file) ? Files.size(file) : 0;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // The complete lines from offset on, at most 1 MiB; never a line (or a character) cut in two.
  private static byte[] readLinesFrom(Path file, long offset) {
    if (!Files.exists(file)) {
      return new byte[0];
    }
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
      long length = raf.length();
      if (length <= offset) {
        return new byte[0];
      }
      byte[] bytes = new byte[(int) Math.min(length - offset, 1 << 20)];
      raf.seek(offset);
      raf.readFully(bytes);
      int end = bytes.length;
      while (end > 0 && bytes[end - 1] != '\n') {
        end--;
      }
      return Arrays.copyOf(bytes, end);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  private static String logTail(Path file, long offset) {
    String text;
    try {
      long size = fileSize(file);
      long from = Math.max(offset, size - 16_384);
      try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
        byte[] bytes = new byte[(int) (size - from)];
        raf.seek(from);
        raf.readFully(bytes);
        text = new String(bytes, UTF_8);
      }
    } catch (IOException | UncheckedIOException e) {
      return "log " + file + " cannot be read: " + e;
    }
    List<String> lines = Arrays.asList(text.split("\n", -1));
    List<String> tail = lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size());
    return "last lines of " + file + ":\n" + String.join("\n", tail);
  }

  private static void sleep(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the Kafka broker", e);
    }
  }

  /**
   * Runs a broker until this JVM is killed: {@code LocalKafka [--port N] [--dir PATH]}. Prints the
   * bootstrap address as the first line of standard output. Without {@code --port} it picks free
   * ports; without {@code --dir} it uses a new temporary directory.
   */
  public static void main(String[] args) throws Exception {
    Integer port = null;
    Path dir = null;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      boolean hasValue = i + 1 < args.length;
      if (arg.equals("--port") && hasValue) {
        port = parsePort(args[++i]);
      } else if (arg.equals("--dir") && hasValue) {
        dir = Paths.get(args[++i]);
      } else {
        System.err.println("usage: LocalKafka [--port N] [--dir PATH]   (unexpected: " + arg + ")");
        System.exit(2);
      }
    }
    if (dir == null) {
      dir = Files.createTempDirectory("local-kafka-");
    }
    LocalKafka kafka = port == null ? start(dir) : start(dir, port);
    System.out.println(kafka.bootstrapServers());
    System.out.flush();
    System.err.println("Kafka broker ready; data and log in " + kafka.workDir());
    Process p = kafka.process;
    int code = p == null ? 1 : p.waitFor();
    System.err.println("Kafka broker exited with code " + code + "; see " + kafka.logFile());
    System.exit(code == 0 ? 1 : code);
  }

  private static int parsePort(String value) {
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--port: " + value + " (expected: 1-65535)", e);
    }
  }
}
