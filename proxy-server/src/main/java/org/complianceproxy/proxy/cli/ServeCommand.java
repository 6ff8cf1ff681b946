package org.complianceproxy.proxy.cli;

import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.complianceproxy.proxy.config.ConfigException;
import org.complianceproxy.proxy.config.ConfigLoader;
import org.complianceproxy.proxy.config.ProxyConfig;
import org.complianceproxy.proxy.server.ProxyServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code serve}: runs the proxy until SIGTERM or SIGINT, then drains and flushes audit. */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = {
      "Starts the proxy. Configuration: embedded defaults, then --config, then the environment",
      "(PROXY_LISTEN, PROXY_ADMIN_LISTEN, PROXY_API_KEYS, PROXY_DATA_DIR, OPENAI_BASE_URL,",
      "OPENAI_API_KEY, KAFKA_BOOTSTRAP_SERVERS, AUDIT_TOPIC, AUDIT_STRICT, KMS_KEY_ID, KMS_ENDPOINT,",
      "KMS_REGION, VAULT_JDBC_URL, AWS_REGION, BEDROCK_ENDPOINT, PROXY_AWS_KEYS, PROXY_ADMIN_KEYS,",
      "DLP_RULES_FILE)."
    })
public final class ServeCommand implements Callable<Integer> {

  private static final Logger log = LoggerFactory.getLogger(ServeCommand.class);

  @Option(names = "--config", paramLabel = "FILE", description = "YAML configuration file.")
  private Path config;

  @Override
  public Integer call() throws Exception {
    ProxyServer server;
    try {
      ProxyConfig cfg = ConfigLoader.load(Optional.ofNullable(config), System.getenv());
      // start validates too: a rules file may have changed since it was loaded
      server = ProxyServer.start(cfg);
    } catch (ConfigException e) {
      System.err.println("compliance-proxy: " + e.getMessage());
      return 2;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  log.info("shutting down: draining in-flight requests");
                  server.close();
                  stopped.countDown();
                },
                "proxy-shutdown"));
    stopped.await();
    return 0;
  }
}
