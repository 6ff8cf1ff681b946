package org.complianceproxy.proxy.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.complianceproxy.proxy.config.ConfigLoader;
import org.complianceproxy.proxy.server.ProxyServer;

/**
 * A real proxy on ephemeral loopback ports, configured through the same environment variables and
 * YAML file as production, with its own data directory. For integration tests.
 */
public final class ProxyHarness implements AutoCloseable {

  public static final String TENANT = "acme";
  public static final String KEY = "sk-proxy-acme-test-key";
  public static final String OTHER_TENANT = "globex";
  public static final String OTHER_KEY = "sk-proxy-globex-test-key";
  public static final String UPSTREAM_KEY = "sk-upstream-secret-never-to-clients";

  private final ProxyServer server;
  private final Path dataDir;
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  private ProxyHarness(ProxyServer server, Path dataDir) {
    this.server = server;
    this.dataDir = dataDir;
  }

  /**
   * @param upstreamBaseUrl the stand-in's base URL, ending in /v1
   * @param yaml extra configuration (limits, timeouts), may be empty
   * @param extraEnv more environment variables, e.g. KAFKA_BOOTSTRAP_SERVERS
   */
  public static ProxyHarness start(
      String upstreamBaseUrl, String yaml, Map<String, String> extraEnv, Path dataDir) {
    try {
      Files.createDirectories(dataDir);
      AuditPiiGuard.watch(dataDir);
      Map<String, String> env = new HashMap<>();
      env.put("PROXY_LISTEN", "127.0.0.1:0");
      env.put("PROXY_ADMIN_LISTEN", "127.0.0.1:0");
      env.put("PROXY_DATA_DIR", dataDir.toString());
      env.put("PROXY_API_KEYS", TENANT + ":" + KEY + "," + OTHER_TENANT + ":" + OTHER_KEY);
      env.put("OPENAI_BASE_URL", upstreamBaseUrl);
      env.put("OPENAI_API_KEY", UPSTREAM_KEY);
      env.putAll(extraEnv);
      Optional<Path> file = Optional.empty();
      if (!yaml.isBlank()) {
        Path configFile = dataDir.resolve("proxy.yaml");
        Files.writeString(configFile, yaml, StandardCharsets.UTF_8);
        file = Optional.of(configFile);
      }
      return new ProxyHarness(ProxyServer.start(ConfigLoader.load(file, env)), dataDir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public static ProxyHarness start(String upstreamBaseUrl, Path dataDir) {
    return start(upstreamBaseUrl, "", Map.of(), dataDir);
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + server.clientAddress().getPort() + "/v1";
  }

  public String adminUrl() {
    return "http://127.0.0.1:" + server.adminAddress().getPort();
  }

  public Path dataDir() {
    return dataDir;
  }

  public ProxyServer server() {
    return server;
  }

  /** POSTs a chat completions body with the given Authorization value (null: none). */
  public HttpResponse<String> chat(String body, String authorization) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(baseUrl() + "/chat/completions"))
            .timeout(Duration.ofSeconds(30))
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    if (authorization != null) {
      request.header("authorization", authorization);
    }
    return send(request.build());
  }

  public HttpResponse<String> chat(String body) {
    return chat(body, "Bearer " + KEY);
  }

  public HttpResponse<String> get(String url) {
    return send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build());
  }

  public HttpResponse<String> send(HttpRequest request) {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    server.close();
  }
}
