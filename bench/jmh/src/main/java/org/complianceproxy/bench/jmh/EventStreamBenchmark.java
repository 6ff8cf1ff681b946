package org.complianceproxy.bench.jmh;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.complianceproxy.proxy.bedrock.EventStreamFrames;
import org.complianceproxy.proxy.bedrock.EventStreamRestorer;
import org.complianceproxy.proxy.restore.RestoreListener;
import org.complianceproxy.proxy.token.RestoreTable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;
import software.amazon.awssdk.eventstream.HeaderValue;
import software.amazon.awssdk.eventstream.Message;
import software.amazon.awssdk.eventstream.MessageDecoder;

/**
 * Bedrock's AWS event-stream codec as the proxy runs it (the AWS SDK's {@link MessageDecoder} and
 * {@link Message#encode}, both checking or writing the two CRC32s), over a ConverseStream answer of
 * {@value #FRAMES} frames ({@code messageStart}, 200 {@code contentBlockDelta}s, {@code
 * contentBlockStop}, {@code messageStop}, {@code metadata}) read in pieces of a given size. Every
 * score is per frame:
 *
 * <ul>
 *   <li>{@code decodeStream}: decoding alone;
 *   <li>{@code restoreStream}: {@link EventStreamRestorer} in Converse mode, what the proxy does to
 *       each frame of an answer without tokens: decode, parse each delta, re-encode;
 *   <li>{@code encodeDelta}: encoding one {@code contentBlockDelta} frame;
 *   <li>{@code encodeException}: {@link EventStreamFrames#exception}, the frame that ends a failed
 *       stream.
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class EventStreamBenchmark {
  static final int DELTAS = 200;
  static final int FRAMES = DELTAS + 4;

  /** The answer cut into reads. */
  @State(Scope.Benchmark)
  public static class Reads extends StreamReads {
    @Override
    byte[] answer() {
      ByteArrayOutputStream stream = new ByteArrayOutputStream();
      event("messageStart", "{\"role\":\"assistant\"}").encode(stream);
      for (int i = 0; i < DELTAS; i++) {
        delta(" word" + i).encode(stream);
      }
      event("contentBlockStop", "{\"contentBlockIndex\":0}").encode(stream);
      event("messageStop", "{\"stopReason\":\"end_turn\"}").encode(stream);
      event(
              "metadata",
              "{\"usage\":{\"inputTokens\":120,\"outputTokens\":400,\"totalTokens\":520},"
                  + "\"metrics\":{\"latencyMs\":1}}")
          .encode(stream);
      return stream.toByteArray();
    }
  }

  /** One delta's headers and payload. */
  @State(Scope.Benchmark)
  public static class Frame {
    final Message delta = delta(" hello");
  }

  static Message delta(String text) {
    return event(
        "contentBlockDelta", "{\"contentBlockIndex\":0,\"delta\":{\"text\":\"" + text + "\"}}");
  }

  static Message event(String type, String json) {
    Map<String, HeaderValue> headers = new LinkedHashMap<>();
    headers.put(":event-type", HeaderValue.fromString(type));
    headers.put(":content-type", HeaderValue.fromString("application/json"));
    headers.put(":message-type", HeaderValue.fromString("event"));
    return new Message(headers, json.getBytes(StandardCharsets.UTF_8));
  }

  @Benchmark
  @OperationsPerInvocation(FRAMES)
  public void decodeStream(Reads reads, Blackhole sink) {
    MessageDecoder decoder = new MessageDecoder(sink::consume);
    for (byte[] read : reads.reads) {
      decoder.feed(read);
    }
  }

  @Benchmark
  @OperationsPerInvocation(FRAMES)
  public void restoreStream(Reads reads, Blackhole sink) {
    EventStreamRestorer restorer =
        new EventStreamRestorer(
            EventStreamRestorer.Mode.CONVERSE, RestoreTable.empty(), RestoreListener.NONE);
    for (byte[] read : reads.reads) {
      sink.consume(restorer.feed(ByteBuffer.wrap(read)));
    }
    sink.consume(restorer.finish());
  }

  @Benchmark
  public byte[] encodeDelta(Frame frame) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(128);
    frame.delta.encode(out);
    return out.toByteArray();
  }

  @Benchmark
  public byte[] encodeException() {
    return EventStreamFrames.exception("throttlingException", "Too many requests, please wait.");
  }
}
