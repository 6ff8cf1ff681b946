package org.complianceproxy.bench.jmh;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.concurrent.TimeUnit;
import org.complianceproxy.dlp.EntityType;
import org.complianceproxy.dlp.Policy;
import org.complianceproxy.dlp.Scanner;
import org.complianceproxy.proxy.chat.ChatCompletionRestorer;
import org.complianceproxy.proxy.restore.OutputCheck;
import org.complianceproxy.proxy.restore.OutputListener;
import org.complianceproxy.proxy.restore.RestoreListener;
import org.complianceproxy.proxy.token.Keyring;
import org.complianceproxy.proxy.token.RestoreTable;
import org.complianceproxy.proxy.token.TokenMinter;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * A non-streamed answer's path through the proxy ({@link ChatCompletionRestorer}, as {@code
 * ChatExchange} runs it once the body is collected): a {@code chat.completion} of about 4 KB whose
 * content echoes a small-chat prompt with five tokens in it (card, SSN, e-mail, phone, IBAN), as
 * the load scenario's stand-in answers. With {@code guard=true} the default output policy scans the
 * model's text first (the bundled rules; that scan is the DLP engine's cost), with {@code
 * guard=false} only tokens are restored, which isolates the restore path's own cost.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class CompletionAnswerBenchmark {
  private static final String[][] VALUES = {
    {"CARD", "4111 1111 1111 1111"},
    {"SSN", "123-45-6789"},
    {"EMAIL", "ann.lee@example.com"},
    {"PHONE", "+44 20 7946 0958"},
    {"IBAN", "DE89 3704 0044 0532 0130 00"},
  };

  @Param({"true", "false"})
  public boolean guard;

  private RestoreTable table;
  private OutputCheck check;
  private byte[] body;

  @Setup
  public void setUp() throws IOException {
    TokenMinter minter = new TokenMinter(Keyring.openOrCreate(Files.createTempDirectory("jmh-")));
    RestoreTable.Builder builder = RestoreTable.builder();
    String text = Texts.prose(7, 4000, VALUES.length).trim();
    for (String[] value : VALUES) {
      EntityType type = EntityType.fromTag(value[0]);
      String token = minter.mint("bench", type, value[1]);
      builder.put(token, value[1], type, RestoreTable.SOURCE_REQUEST);
      text = text.replace(value[1], token);
    }
    table = builder.build();
    Scanner scanner = Scanner.defaults();
    check =
        guard
            ? new OutputCheck(t -> scanner.scanOutput(t, Policy.DEFAULT), OutputListener.NONE)
            : OutputCheck.NONE;
    body = completion(text).getBytes(StandardCharsets.UTF_8);
  }

  /** The stand-in's {@code chat.completion}, fields in OpenAI's order. */
  private static String completion(String content) {
    return "{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion\",\"created\":1700000000,"
        + "\"model\":\"echo\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
        + "\"content\":\""
        + content
        + "\",\"refusal\":null,\"annotations\":[]},\"logprobs\":null,\"finish_reason\":\"stop\"}],"
        + "\"usage\":{\"prompt_tokens\":1010,\"completion_tokens\":1000,\"total_tokens\":2010},"
        + "\"service_tier\":\"default\",\"system_fingerprint\":\"fp_bench\"}";
  }

  @Benchmark
  public byte[] restore() {
    return new ChatCompletionRestorer(table, RestoreListener.NONE, check).restore(body);
  }
}
