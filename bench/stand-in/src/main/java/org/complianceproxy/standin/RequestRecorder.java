package org.complianceproxy.standin;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Keeps the most recent received requests in memory and, optionally, appends each one to a log file
 * as a JSON line ({@code received_at, method, uri, headers, body}). Called from event loops:
 * recording only takes a short lock; the file is written by a thread of its own.
 */
final class RequestRecorder implements AutoCloseable {
  private static final JsonFactory JSON =
      JsonFactory.builder().disable(StreamWriteFeature.AUTO_CLOSE_TARGET).build();

  private final int maxRecorded;
  // Guarded by itself; oldest first.
  private final ArrayDeque<ReceivedRequest> recent = new ArrayDeque<>();
  // Null without a log file; otherwise owns and is the only user of `log`.
  private final ExecutorService logWriter;
  private final BufferedWriter log;

  private RequestRecorder(int maxRecorded, BufferedWriter log) {
    this.maxRecorded = maxRecorded;
    this.log = log;
    this.logWriter =
        log == null
            ? null
            : Executors.newSingleThreadExecutor(
                runnable -> {
                  Thread thread = new Thread(runnable, "stand-in-request-log");
                  thread.setDaemon(true);
                  return thread;
                });
  }

  static RequestRecorder open(int maxRecorded, Path logFile) {
    if (logFile == null) {
      return new RequestRecorder(maxRecorded, null);
    }
    try {
      Path parent = logFile.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      return new RequestRecorder(
          maxRecorded,
          Files.newBufferedWriter(
              logFile,
              StandardCharsets.UTF_8,
              StandardOpenOption.CREATE,
              StandardOpenOption.WRITE,
              StandardOpenOption.APPEND));
    } catch (IOException e) {
      throw new UncheckedIOException("logFile: " + logFile + " (cannot open for appending)", e);
    }
  }

  void record(ReceivedRequest request) {
    synchronized (recent) {
      if (maxRecorded > 0) {
        if (recent.size() == maxRecorded) {
          recent.removeFirst();
        }
        recent.addLast(request);
      }
    }
    if (logWriter != null) {
      Instant receivedAt = Instant.now();
      try {
        logWriter.execute(() -> append(receivedAt, request));
      } catch (RejectedExecutionException closed) {
        // A request that raced with close(); the log is already complete.
      }
    }
  }

  List<ReceivedRequest> snapshot() {
    synchronized (recent) {
      return List.copyOf(recent);
    }
  }

  void clear() {
    synchronized (recent) {
      recent.clear();
    }
  }

  @Override
  public void close() {
    if (logWriter == null) {
      return;
    }
    logWriter.shutdown();
    try {
      logWriter.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      log.close();
    } catch (IOException e) {
      System.err.println("stand-in: cannot close request log: " + e);
    }
  }

  private void append(Instant receivedAt, ReceivedRequest request) {
    try {
      try (JsonGenerator g = JSON.createGenerator(log)) {
        g.writeStartObject();
        g.writeStringField("received_at", receivedAt.toString());
        g.writeStringField("method", request.method());
        g.writeStringField("uri", request.uri());
        g.writeObjectFieldStart("headers");
        for (Map.Entry<String, List<String>> header : request.headers().entrySet()) {
          g.writeArrayFieldStart(header.getKey());
          for (String value : header.getValue()) {
            g.writeString(value);
          }
          g.writeEndArray();
        }
        g.writeEndObject();
        g.writeStringField("body", request.body());
        g.writeEndObject();
      }
      log.write('\n');
      log.flush();
    } catch (IOException e) {
      System.err.println("stand-in: cannot append to request log: " + e);
    }
  }
}
