package org.complianceproxy.bench.jmh;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.complianceproxy.dlp.Policy;
import org.complianceproxy.dlp.Scanner;
import org.complianceproxy.proxy.bedrock.EventStreamRestorer;
import org.complianceproxy.proxy.chat.ChatStreamRestorer;
import org.complianceproxy.proxy.restore.OutputCheck;
import org.complianceproxy.proxy.restore.OutputListener;
import org.complianceproxy.proxy.restore.RestoreListener;
import org.complianceproxy.proxy.sse.SseDecoder;
import org.complianceproxy.proxy.sse.SseEvent;
import org.complianceproxy.proxy.token.RestoreTable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * A streamed answer's path through the proxy as it runs with the default output policy (the bundled
 * rules, personal data the model writes is masked), per event or frame:
 *
 * <ul>
 *   <li>{@code chatAnswer}: {@link ChatStreamRestorer} over an OpenAI stream of {@value #EVENTS}
 *       events (a role-only delta, word-sized content deltas of ordinary prose, a {@code
 *       finish_reason} chunk, a usage chunk, {@code [DONE]});
 *   <li>{@code chatWithoutText}: the same restorer over events that carry no text (role-only
 *       deltas, {@code finish_reason}, usage), the share of a stream that needs no output scan;
 *   <li>{@code converseAnswer}: {@link EventStreamRestorer} over a ConverseStream answer of the
 *       same words as {@code contentBlockDelta} frames, read in 4 KB pieces.
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class StreamPathBenchmark {
  static final int WORDS = 200;
  static final int EVENTS = WORDS + 4;
  static final int FRAMES = WORDS + 4;

  private static final String HEADER =
      "{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
          + "\"model\":\"gpt-4o\",\"system_fingerprint\":\"fp_bench\",\"choices\":[";

  private OutputCheck check;
  private List<SseEvent> answer;
  private List<SseEvent> withoutText;
  private List<byte[]> converseReads;

  @Setup
  public void setUp() {
    Scanner scanner = Scanner.defaults();
    check = new OutputCheck(text -> scanner.scanOutput(text, Policy.DEFAULT), OutputListener.NONE);
    List<String> words = words();
    StringBuilder stream = new StringBuilder();
    stream.append(event(role()));
    for (String word : words) {
      stream.append(event(Chunks.contentChunk(word)));
    }
    stream.append(event(finish())).append(event(usage())).append("data: [DONE]\n\n");
    answer = new SseDecoder().decode(stream.toString().getBytes(StandardCharsets.UTF_8));

    StringBuilder empty = new StringBuilder();
    for (int i = 0; i < EVENTS / 3; i++) {
      empty.append(event(role())).append(event(finish())).append(event(usage()));
    }
    withoutText = new SseDecoder().decode(empty.toString().getBytes(StandardCharsets.UTF_8));

    ByteArrayOutputStream frames = new ByteArrayOutputStream();
    EventStreamBenchmark.event("messageStart", "{\"role\":\"assistant\"}").encode(frames);
    for (String word : words) {
      EventStreamBenchmark.delta(word).encode(frames);
    }
    EventStreamBenchmark.event("contentBlockStop", "{\"contentBlockIndex\":0}").encode(frames);
    EventStreamBenchmark.event("messageStop", "{\"stopReason\":\"end_turn\"}").encode(frames);
    EventStreamBenchmark.event(
            "metadata",
            "{\"usage\":{\"inputTokens\":120,\"outputTokens\":400,\"totalTokens\":520},"
                + "\"metrics\":{\"latencyMs\":1}}")
        .encode(frames);
    converseReads = Chunks.reads(frames.toByteArray(), 4096);
  }

  /** Word-sized deltas of an ordinary answer, as a model streams them (space before the word). */
  static List<String> words() {
    String[] sentence =
        ("Hello! How can I help you today? Sure, here is a short summary of the account and the"
                + " next steps for your refund, which should arrive within five business days.")
            .split(" ");
    List<String> words = new ArrayList<>(WORDS);
    for (int i = 0; words.size() < WORDS; i++) {
      String word = sentence[i % sentence.length];
      words.add(i == 0 ? word : " " + word);
    }
    return words;
  }

  private static String event(String data) {
    return "data: " + data + "\n\n";
  }

  private static String role() {
    return HEADER
        + "{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null},"
        + "\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}";
  }

  private static String finish() {
    return HEADER + "{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\"}]}";
  }

  private static String usage() {
    return HEADER
        + "],\"usage\":{\"prompt_tokens\":120,\"completion_tokens\":400,\"total_tokens\":520}}";
  }

  @Benchmark
  @OperationsPerInvocation(EVENTS)
  public void chatAnswer(Blackhole sink) {
    ChatStreamRestorer restorer =
        new ChatStreamRestorer(RestoreTable.empty(), RestoreListener.NONE, check);
    for (SseEvent event : answer) {
      sink.consume(restorer.restore(event));
    }
    sink.consume(restorer.finish());
  }

  @Benchmark
  @OperationsPerInvocation(EVENTS / 3 * 3)
  public void chatWithoutText(Blackhole sink) {
    ChatStreamRestorer restorer =
        new ChatStreamRestorer(RestoreTable.empty(), RestoreListener.NONE, check);
    for (SseEvent event : withoutText) {
      sink.consume(restorer.restore(event));
    }
    sink.consume(restorer.finish());
  }

  @Benchmark
  @OperationsPerInvocation(FRAMES)
  public void converseAnswer(Blackhole sink) {
    EventStreamRestorer restorer =
        new EventStreamRestorer(
            EventStreamRestorer.Mode.CONVERSE, RestoreTable.empty(), RestoreListener.NONE, check);
    for (byte[] read : converseReads) {
      sink.consume(restorer.feed(ByteBuffer.wrap(read)));
    }
    sink.consume(restorer.finish());
  }
}
