package org.complianceproxy.bench.jmh;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.complianceproxy.dlp.EntityType;
import org.complianceproxy.proxy.chat.ChatStreamRestorer;
import org.complianceproxy.proxy.restore.RestoreListener;
import org.complianceproxy.proxy.restore.StreamRestorer;
import org.complianceproxy.proxy.sse.SseDecoder;
import org.complianceproxy.proxy.sse.SseEvent;
import org.complianceproxy.proxy.token.Keyring;
import org.complianceproxy.proxy.token.RestoreTable;
import org.complianceproxy.proxy.token.TokenMinter;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Detokenizing a streamed answer, per chunk: {@link StreamRestorer} over the text cut into 5-char
 * pieces (tokens split across pieces), and {@link ChatStreamRestorer} over the same pieces as
 * {@code chat.completion.chunk} events. With {@code tokens=false} the answer holds no token, which
 * measures the pass-through path.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RestoreBenchmark {
  static final int PIECES = 400;
  static final int PIECE_CHARS = 5;
  private static final String[][] VALUES = {
    {"CARD", "4111 1111 1111 1111"}, {"EMAIL", "ann.lee@example.com"}, {"SSN", "123-45-6789"},
  };

  @Param({"true", "false"})
  public boolean tokens;

  private RestoreTable table;
  private List<String> pieces;
  private List<SseEvent> events;

  @Setup
  public void setUp() throws IOException {
    TokenMinter minter = new TokenMinter(Keyring.openOrCreate(Files.createTempDirectory("jmh-")));
    RestoreTable.Builder builder = RestoreTable.builder();
    List<String> minted = new ArrayList<>();
    for (String[] value : VALUES) {
      EntityType type = EntityType.fromTag(value[0]);
      String token = minter.mint("bench", type, value[1]);
      builder.put(token, value[1], type, RestoreTable.SOURCE_REQUEST);
      minted.add(token);
    }
    table = builder.build();
    String prose = Texts.prose(11, PIECES * PIECE_CHARS, 0);
    StringBuilder answer = new StringBuilder();
    int at = 0;
    for (int i = 0; answer.length() < PIECES * PIECE_CHARS; i++) {
      int next = Math.min(prose.length(), at + 150);
      answer.append(prose, at, next);
      at = next;
      if (tokens) {
        answer.append(minted.get(i % minted.size())).append(' ');
      }
    }
    String text = answer.substring(0, PIECES * PIECE_CHARS);
    pieces = new ArrayList<>(PIECES);
    StringBuilder stream = new StringBuilder();
    for (int i = 0; i < PIECES; i++) {
      String piece = text.substring(i * PIECE_CHARS, (i + 1) * PIECE_CHARS);
      pieces.add(piece);
      stream.append("data: ").append(Chunks.contentChunk(piece)).append("\n\n");
    }
    events = new SseDecoder().decode(stream.toString().getBytes(StandardCharsets.UTF_8));
  }

  @Benchmark
  @OperationsPerInvocation(PIECES)
  public void textPieces(Blackhole sink) {
    StreamRestorer restorer =
        new StreamRestorer(table, "choices/0/delta/content", RestoreListener.NONE);
    for (String piece : pieces) {
      sink.consume(restorer.feed(piece));
    }
    sink.consume(restorer.finish());
  }

  @Benchmark
  @OperationsPerInvocation(PIECES)
  public void chatChunkEvents(Blackhole sink) {
    ChatStreamRestorer restorer = new ChatStreamRestorer(table, RestoreListener.NONE);
    for (SseEvent event : events) {
      sink.consume(restorer.restore(event));
    }
    sink.consume(restorer.finish());
  }
}
