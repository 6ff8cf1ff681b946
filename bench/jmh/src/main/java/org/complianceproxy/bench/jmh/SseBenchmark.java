package org.complianceproxy.bench.jmh;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.complianceproxy.proxy.sse.SseDecoder;
import org.complianceproxy.proxy.sse.SseEncoder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * SSE decoding of a 200-event chat stream read in pieces of a given size, and encoding of one
 * event; both scores are per event. Bedrock's event-stream codec: {@link EventStreamBenchmark}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SseBenchmark {
  static final int EVENTS = 200;

  /** The stream cut into reads. */
  @State(Scope.Benchmark)
  public static class Reads extends StreamReads {
    @Override
    byte[] answer() {
      StringBuilder stream = new StringBuilder();
      for (int i = 0; i < EVENTS; i++) {
        stream.append("data: ").append(Chunks.contentChunk(" word" + i)).append("\n\n");
      }
      return stream.toString().getBytes(StandardCharsets.UTF_8);
    }
  }

  /** One chunk's JSON. */
  @State(Scope.Benchmark)
  public static class Data {
    final String data = Chunks.contentChunk(" hello");
  }

  @Benchmark
  @OperationsPerInvocation(EVENTS)
  public void decodeStream(Reads reads, Blackhole sink) {
    SseDecoder decoder = new SseDecoder();
    for (byte[] read : reads.reads) {
      decoder.decode(read, 0, read.length, sink::consume);
    }
    sink.consume(decoder.finish());
  }

  @Benchmark
  public byte[] encodeEvent(Data data) {
    return SseEncoder.encode(data.data);
  }
}
