package org.complianceproxy.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's nginx as a plain reverse proxy (no inspection) in front of the stand-in: the baseline
 * the proxy's throughput is compared with. Installed with apt-get when missing; run in the
 * foreground as a child of the bench with a generated configuration on loopback.
 */
final class Nginx {
  private static final List<String> CANDIDATES = List.of("/usr/sbin/nginx", "/usr/bin/nginx");

  private Nginx() {}

  /** The nginx binary, installing Debian's package first when there is none. */
  static String ensureInstalled() throws IOException, InterruptedException {
    for (String candidate : CANDIDATES) {
      if (Files.isExecutable(Path.of(candidate))) {
        return candidate;
      }
    }
    System.out.println("bench: nginx missing, installing Debian's nginx with apt-get");
    if (run("apt-get", "install", "-y", "-q", "nginx") != 0) {
      run("apt-get", "update", "-q");
      run("apt-get", "install", "-y", "-q", "nginx");
    }
    for (String candidate : CANDIDATES) {
      if (Files.isExecutable(Path.of(candidate))) {
        return candidate;
      }
    }
    throw new IllegalStateException("nginx: not installed and apt-get could not install it");
  }

  /**
   * Writes {@code nginx.conf} into {@code dir}: one server on {@code port} proxying everything to
   * the stand-in over pooled keep-alive connections, responses unbuffered so that streams pass
   * event by event, as many workers as cores.
   */
  static Path writeConfig(Path dir, int port, int upstreamPort) throws IOException {
    Files.createDirectories(dir.resolve("tmp"));
    String runAs = "root".equals(System.getProperty("user.name")) ? "user root;\n" : "";
    String conf =
        runAs
            + "worker_processes auto;\n"
            + "worker_rlimit_nofile 40000;\n"
            + "daemon off;\n"
            + "pid "
            + dir.resolve("nginx.pid")
            + ";\n"
            + "error_log "
            + dir.resolve("error.log")
            + " warn;\n"
            + "events { worker_connections 20000; multi_accept on; }\n"
            + "http {\n"
            + "  access_log off;\n"
            + "  client_body_temp_path "
            + dir.resolve("tmp/body")
            + ";\n"
            + "  proxy_temp_path "
            + dir.resolve("tmp/proxy")
            + ";\n"
            + "  fastcgi_temp_path "
            + dir.resolve("tmp/fastcgi")
            + ";\n"
            + "  uwsgi_temp_path "
            + dir.resolve("tmp/uwsgi")
            + ";\n"
            + "  scgi_temp_path "
            + dir.resolve("tmp/scgi")
            + ";\n"
            + "  client_max_body_size 16m;\n"
            + "  client_body_buffer_size 1m;\n"
            + "  keepalive_requests 10000000;\n"
            + "  keepalive_timeout 300s;\n"
            + "  upstream standin {\n"
            + "    server 127.0.0.1:"
            + upstreamPort
            + ";\n"
            + "    keepalive 1024;\n"
            + "    keepalive_requests 10000000;\n"
            + "  }\n"
            + "  server {\n"
            + "    listen 127.0.0.1:"
            + port
            + " backlog=4096;\n"
            + "    location / {\n"
            + "      proxy_pass http://standin;\n"
            + "      proxy_http_version 1.1;\n"
            + "      proxy_set_header Connection \"\";\n"
            + "      proxy_buffering off;\n"
            + "      proxy_read_timeout 300s;\n"
            + "    }\n"
            + "  }\n"
            + "}\n";
    Path file = dir.resolve("nginx.conf");
    Files.writeString(file, conf);
    return file;
  }

  private static int run(String... command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).inheritIO().start();
    if (!process.waitFor(10, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      return -1;
    }
    return process.exitValue();
  }
}
