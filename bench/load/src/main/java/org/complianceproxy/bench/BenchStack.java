package org.complianceproxy.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.complianceproxy.localkafka.LocalKafka;

/**
 * Everything one bench run measures, started as separate processes on 127.0.0.1: the OpenAI and
 * Bedrock stand-ins, a real Kafka broker for the audit trail, the proxy jar with DLP, tokens, vault
 * and Kafka audit on (and Bedrock pinned to {@value BedrockRequests#REGION}, pointed at its
 * stand-in, with a key pair for tenant {@value #TENANT} at the native front door), and nginx as a
 * plain reverse proxy in front of the OpenAI stand-in. Closing it stops all of them.
 */
final class BenchStack implements AutoCloseable {
  static final String TENANT = "bench";
  static final String API_KEY = "sk-bench-load";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  private final List<AutoCloseable> started = new ArrayList<>();
  private final Path workDir;
  private ChildProcess standIn;
  private ChildProcess bedrock;
  private ChildProcess proxy;
  private ChildProcess nginx;
  private int standInPort;
  private int bedrockPort;
  private int proxyPort;
  private int adminPort;
  private int nginxPort;
  private LocalKafka kafka;
  private String proxyJava;

  private BenchStack(Path workDir) {
    this.workDir = workDir;
  }

  /**
   * @param root the repository root, where the proxy and stand-in jars were built
   * @param proxyJava the {@code java} launcher that runs the proxy
   * @param proxyJavaOptions extra JVM options for the proxy (e.g. to record a JFR profile)
   */
  static BenchStack start(Path root, Path workDir, String proxyJava, List<String> proxyJavaOptions)
      throws InterruptedException {
    BenchStack stack = new BenchStack(workDir);
    stack.proxyJava = proxyJava;
    try {
      Files.createDirectories(workDir);
      Path standInJar = root.resolve("bench/stand-in/target/stand-in.jar");
      stack.standInPort = ChildProcess.freePort();
      stack.standIn =
          stack.startStandIn(
              standInJar, "openai", stack.standInPort, List.of("--max-recorded", "0"));
      stack.bedrockPort = ChildProcess.freePort();
      // Streamed answers in writes of up to 4 KiB: the deltas stay small, the writes few.
      stack.bedrock =
          stack.startStandIn(
              standInJar,
              "bedrock",
              stack.bedrockPort,
              List.of("--max-recorded", "0", "--fragment-bytes", "4096"));
      LocalKafka kafka = LocalKafka.start(workDir.resolve("kafka"));
      stack.kafka = kafka;
      stack.started.add(kafka);
      stack.startProxy(
          root.resolve("proxy-server/target/compliance-proxy.jar"),
          kafka.bootstrapServers(),
          proxyJavaOptions);
      stack.startNginx();
      return stack;
    } catch (IOException e) {
      stack.close();
      throw new UncheckedIOException(e);
    } catch (RuntimeException | InterruptedException e) {
      stack.close();
      throw e;
    }
  }

  /** The Kafka broker's process id (the proxy's audit trail). */
  long kafkaPid() {
    return kafka.pid();
  }

  int standInPort() {
    return standInPort;
  }

  int proxyPort() {
    return proxyPort;
  }

  int nginxPort() {
    return nginxPort;
  }

  ChildProcess proxy() {
    return proxy;
  }

  ChildProcess nginx() {
    return nginx;
  }

  ChildProcess standIn() {
    return standIn;
  }

  int bedrockPort() {
    return bedrockPort;
  }

  ChildProcess bedrock() {
    return bedrock;
  }

  /**
   * The sum of every series of a counter in the proxy's admin {@code /metrics}, or -1 when the
   * proxy does not answer.
   */
  long proxyCounter(String name) throws InterruptedException {
    String metrics;
    try {
      metrics = get("http://127.0.0.1:" + adminPort + "/metrics").body();
    } catch (IOException e) {
      return -1;
    }
    double sum = 0;
    for (String line : metrics.split("\n")) {
      if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return Math.round(sum);
  }

  /** Starts {@code stand-in.jar <kind> --port <port> <options>} and waits until it listens. */
  private ChildProcess startStandIn(Path jar, String kind, int port, List<String> options)
      throws InterruptedException {
    requireFile(jar);
    List<String> command =
        new ArrayList<>(
            List.of(
                javaBin(),
                "-Xms512m",
                "-Xmx512m",
                "-jar",
                jar.toString(),
                kind,
                "--port",
                Integer.toString(port)));
    command.addAll(options);
    String name = "openai".equals(kind) ? "stand-in" : "stand-in-" + kind;
    ChildProcess process =
        ChildProcess.start(name, command, Map.of(), workDir.resolve(name + ".log"));
    started.add(process);
    process.awaitPort(port, START_TIMEOUT);
    return process;
  }

  private void startProxy(Path jar, String kafkaBootstrap, List<String> javaOptions)
      throws IOException, InterruptedException {
    requireFile(jar);
    proxyPort = ChildProcess.freePort();
    adminPort = ChildProcess.freePort();
    Path config = workDir.resolve("proxy.yaml");
    // Enough pooled upstream connections for the many-streams scenario, where every stream holds
    // one upstream connection for its whole length.
    Files.writeString(config, "openai:\n  max_connections_per_loop: 8192\n");
    List<String> command = new ArrayList<>();
    command.add(proxyJava);
    command.addAll(javaOptions);
    command.addAll(List.of("-jar", jar.toString(), "serve", "--config", config.toString()));
    proxy =
        ChildProcess.start(
            "proxy",
            command,
            Map.ofEntries(
                Map.entry("PROXY_LISTEN", "127.0.0.1:" + proxyPort),
                Map.entry("PROXY_ADMIN_LISTEN", "127.0.0.1:" + adminPort),
                Map.entry("PROXY_DATA_DIR", workDir.resolve("proxy-data").toString()),
                Map.entry("PROXY_API_KEYS", TENANT + ":" + API_KEY),
                Map.entry("OPENAI_BASE_URL", "http://127.0.0.1:" + standInPort + "/v1"),
                Map.entry("OPENAI_API_KEY", "sk-bench-upstream"),
                Map.entry("KAFKA_BOOTSTRAP_SERVERS", kafkaBootstrap),
                Map.entry("AWS_REGION", BedrockRequests.REGION),
                Map.entry("BEDROCK_ENDPOINT", "http://127.0.0.1:" + bedrockPort),
                Map.entry(
                    "PROXY_AWS_KEYS",
                    TENANT + ":" + BedrockRequests.ACCESS_KEY_ID + ":" + BedrockRequests.SECRET),
                // the proxy's own credentials toward Bedrock (the AWS default provider chain)
                Map.entry("AWS_ACCESS_KEY_ID", "AKIABENCHUPSTREAM001"),
                Map.entry("AWS_SECRET_ACCESS_KEY", "bench-upstream-secret")),
            workDir.resolve("proxy.log"));
    started.add(proxy);
    proxy.awaitPort(adminPort, START_TIMEOUT);
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (status("http://127.0.0.1:" + adminPort + "/readyz") != 200) {
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException("proxy: not ready after " + START_TIMEOUT);
      }
      Thread.sleep(200);
    }
    proxy.awaitPort(proxyPort, START_TIMEOUT);
  }

  private void startNginx() throws IOException, InterruptedException {
    String nginxBin = Nginx.ensureInstalled();
    nginxPort = ChildProcess.freePort();
    Path conf = Nginx.writeConfig(workDir.resolve("nginx"), nginxPort, standInPort);
    nginx =
        ChildProcess.start(
            "nginx",
            List.of(
                nginxBin,
                "-p",
                conf.getParent().toString(),
                "-c",
                conf.toString(),
                "-e",
                conf.getParent().resolve("error.log").toString()),
            Map.of(),
            workDir.resolve("nginx.log"));
    started.add(nginx);
    nginx.awaitPort(nginxPort, START_TIMEOUT);
  }

  private static HttpResponse<String> get(String url) throws IOException, InterruptedException {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    return client.send(
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** The status of a GET, or 0 while nothing answers. */
  private static int status(String url) throws InterruptedException {
    try {
      return get(url).statusCode();
    } catch (IOException notYet) {
      return 0;
    }
  }

  private static void requireFile(Path jar) {
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(
          jar + ": missing (build first: mvn -B -q package -DskipTests)");
    }
  }

  static String javaBin() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /** The first line {@code java -version} prints, e.g. {@code openjdk version "17.0.15"}. */
  static String javaVersion(String java) {
    try {
      Process process = new ProcessBuilder(java, "-version").redirectErrorStream(true).start();
      String out = new String(process.getInputStream().readAllBytes()).trim();
      process.waitFor();
      return out.isEmpty() ? "unknown" : out.split("\n")[0];
    } catch (IOException e) {
      return "unknown (" + e.getMessage() + ")";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "unknown";
    }
  }

  static List<String> splitOptions(String options) {
    return options == null || options.isBlank()
        ? List.of()
        : Arrays.asList(options.trim().split("\\s+"));
  }

  @Override
  public void close() {
    for (int i = started.size() - 1; i >= 0; i--) {
      try {
        started.get(i).close();
      } catch (Exception e) {
        System.err.println("bench: cannot stop " + started.get(i) + ": " + e);
      }
    }
    started.clear();
  }
}
