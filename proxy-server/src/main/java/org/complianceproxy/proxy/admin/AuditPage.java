package org.complianceproxy.proxy.admin;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;
import org.complianceproxy.proxy.audit.AuditKafkaReader;
import org.complianceproxy.proxy.audit.AuditQuery;
import org.complianceproxy.proxy.audit.AuditVerifier;
import org.complianceproxy.proxy.audit.SpoolAuditSink;
import org.complianceproxy.proxy.config.ProxyConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The officers' read-only audit page on the admin listener: {@code GET /audit} (the page), {@code
 * GET
 * /audit/api/records?kind=&entity_type=&tenant=&request_id=&action=&model=&region=&since=&until=&limit=}
 * (matching records, newest last), {@code GET /audit/api/timeline?request_id=} (one request's
 * records in the order written) and {@code GET /audit/api/chain} (every instance's chain status).
 *
 * <p>Reads the audit topic when Kafka is configured, else the local spool, on a thread of its own
 * (never the event loop), at most every 2 s (answers in between share one snapshot). Everything it
 * shows is already in the audit trail, which holds no clear PII. Only GET; it changes nothing.
 */
public final class AuditPage implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(AuditPage.class);
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Duration SNAPSHOT_AGE = Duration.ofSeconds(2);
  private static final int DEFAULT_LIMIT = 500;

  /** Reads every record of the trail into the query and the verifier. */
  @FunctionalInterface
  public interface Trail {
    void read(AuditQuery query, AuditVerifier verifier);
  }

  private record Snapshot(long takenNanos, AuditQuery query, AuditVerifier.Report chain) {}

  private final Trail trail;
  private final ExecutorService reader =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "audit-page-reader");
            t.setDaemon(true);
            return t;
          });
  // Reader thread only.
  private Snapshot snapshot;

  public AuditPage(Trail trail) {
    this.trail = requireNonNull(trail, "trail");
  }

  /** The page over the trail an {@code audit} configuration writes: Kafka, or else the spool. */
  public static AuditPage of(ProxyConfig.Audit audit, Path dataDir) {
    Optional<String> kafka =
        audit.kafkaBootstrapServers().map(String::strip).filter(s -> !s.isEmpty());
    if (kafka.isPresent()) {
      return new AuditPage(kafkaTrail(kafka.get(), audit.topic()));
    }
    return new AuditPage(spoolTrail(dataDir));
  }

  /** A trail read from a Kafka topic (read_committed, no consumer group). */
  public static Trail kafkaTrail(String bootstrapServers, String topic) {
    return (query, verifier) -> {
      try (AuditKafkaReader kafka = new AuditKafkaReader(bootstrapServers, topic)) {
        kafka.readAll(
            line -> {
              query.add(line.key(), line.value());
              verifier.accept(line.stream(), line.offset(), line.value());
            },
            null);
      }
    };
  }

  /** A trail read from the spool files under {@code dataDir/audit}. */
  public static Trail spoolTrail(Path dataDir) {
    return (query, verifier) -> {
      long position = 0;
      for (Path file : SpoolAuditSink.spoolFiles(dataDir)) {
        List<String> lines;
        try {
          lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
          throw new UncheckedIOException("cannot read " + file.getFileName(), e);
        }
        for (String line : lines) {
          if (line.isBlank()) {
            continue;
          }
          byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
          query.add(null, bytes);
          verifier.accept("spool", position++, bytes);
        }
      }
    };
  }

  /** True for the paths this page answers. */
  public static boolean handles(String path) {
    return path.equals("/audit") || path.startsWith("/audit/");
  }

  /** Answers one GET; the response is written later, from the reader thread via the event loop. */
  void handle(ChannelHandlerContext ctx, String uri, boolean keepAlive) {
    QueryStringDecoder decoded = new QueryStringDecoder(uri);
    String path = decoded.path();
    Map<String, List<String>> params = decoded.parameters();
    if (path.equals("/audit") || path.equals("/audit/")) {
      respond(
          ctx,
          keepAlive,
          HttpResponseStatus.OK,
          "text/html; charset=utf-8",
          AuditPageHtml.PAGE.getBytes(StandardCharsets.UTF_8));
      return;
    }
    Function<Snapshot, Object> answer =
        switch (path) {
          case "/audit/api/records" -> s -> records(s, params);
          case "/audit/api/timeline" -> s -> timeline(s, param(params, "request_id"));
          case "/audit/api/chain" -> AuditPage::chain;
          default -> null;
        };
    if (answer == null) {
      respond(
          ctx,
          keepAlive,
          HttpResponseStatus.NOT_FOUND,
          "text/plain; charset=utf-8",
          "not found\n".getBytes(StandardCharsets.UTF_8));
      return;
    }
    try {
      reader.execute(
          () -> {
            HttpResponseStatus status = HttpResponseStatus.OK;
            byte[] body;
            try {
              body = MAPPER.writeValueAsBytes(answer.apply(snapshot()));
            } catch (IllegalArgumentException e) {
              status = HttpResponseStatus.BAD_REQUEST;
              body = error(e.getMessage());
            } catch (IOException | RuntimeException e) {
              log.warn("audit page: cannot read the audit trail", e);
              status = HttpResponseStatus.SERVICE_UNAVAILABLE;
              body = error("the audit trail cannot be read right now");
            }
            HttpResponseStatus finalStatus = status;
            byte[] finalBody = body;
            ctx.executor()
                .execute(() -> respond(ctx, keepAlive, finalStatus, "application/json", finalBody));
          });
    } catch (RejectedExecutionException closed) {
      respond(
          ctx,
          keepAlive,
          HttpResponseStatus.SERVICE_UNAVAILABLE,
          "application/json",
          error("shutting down"));
    }
  }

  private Snapshot snapshot() {
    Snapshot s = snapshot;
    if (s == null || System.nanoTime() - s.takenNanos() > SNAPSHOT_AGE.toNanos()) {
      AuditQuery query = new AuditQuery();
      AuditVerifier verifier = new AuditVerifier(false);
      trail.read(query, verifier);
      s = new Snapshot(System.nanoTime(), query, verifier.report());
      snapshot = s;
    }
    return s;
  }

  private static Object records(Snapshot s, Map<String, List<String>> params) {
    AuditQuery.Filter filter =
        new AuditQuery.Filter(
            instant(param(params, "since")),
            instant(param(params, "until")),
            param(params, "tenant"),
            param(params, "key"),
            param(params, "request_id"),
            param(params, "entity_type"),
            param(params, "action"),
            param(params, "model"),
            param(params, "region"),
            param(params, "kind"));
    int limit = DEFAULT_LIMIT;
    String limitParam = param(params, "limit");
    if (limitParam != null) {
      try {
        limit = Math.max(1, Math.min(10_000, Integer.parseInt(limitParam)));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("limit: '" + limitParam + "' (expected: 1-10000)");
      }
    }
    List<AuditQuery.Item> items = s.query().matching(filter);
    ObjectNode out = MAPPER.createObjectNode();
    out.put("total", items.size());
    ArrayNode records = out.putArray("records");
    items
        .subList(Math.max(0, items.size() - limit), items.size())
        .forEach(i -> records.add(i.json()));
    return out;
  }

  private static Object timeline(Snapshot s, String requestId) {
    if (requestId == null) {
      throw new IllegalArgumentException("request_id: none (expected: a request id)");
    }
    ObjectNode out = MAPPER.createObjectNode();
    out.put("request_id", requestId);
    ArrayNode records = out.putArray("records");
    s.query().timeline(requestId).forEach(i -> records.add(i.json()));
    return out;
  }

  private static Object chain(Snapshot s) {
    ObjectNode out = MAPPER.createObjectNode();
    AuditVerifier.Report report = s.chain();
    out.put("ok", report.ok());
    out.put("records", report.records());
    ArrayNode instances = out.putArray("instances");
    for (AuditVerifier.InstanceStatus c : report.instances()) {
      instances.add(MAPPER.valueToTree(c));
    }
    ArrayNode problems = out.putArray("problems");
    report.problems().forEach(problems::add);
    return out;
  }

  private static String param(Map<String, List<String>> params, String name) {
    List<String> values = params.get(name);
    if (values == null || values.isEmpty() || values.get(0).isBlank()) {
      return null;
    }
    return values.get(0).strip();
  }

  private static Instant instant(String value) {
    if (value == null) {
      return null;
    }
    try {
      return Instant.parse(value);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "time: '" + value + "' (expected: ISO-8601 such as 2025-01-31T09:00:00Z)");
    }
  }

  private static byte[] error(String message) {
    try {
      return MAPPER.writeValueAsBytes(Map.of("error", message));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void respond(
      ChannelHandlerContext ctx,
      boolean keepAlive,
      HttpResponseStatus status,
      String contentType,
      byte[] body) {
    ByteBuf buf = Unpooled.wrappedBuffer(body);
    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, buf);
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
    response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
    response.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
    response.headers().set("x-content-type-options", "nosniff");
    response
        .headers()
        .set(
            "content-security-policy",
            "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline';"
                + " connect-src 'self'");
    HttpUtil.setKeepAlive(response, keepAlive);
    var future = ctx.writeAndFlush(response);
    if (!keepAlive) {
      future.addListener(ChannelFutureListener.CLOSE);
    }
  }

  @Override
  public void close() {
    reader.shutdownNow();
  }
}
