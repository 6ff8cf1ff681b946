package org.complianceproxy.bench.jmh;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.complianceproxy.dlp.Finding;
import org.complianceproxy.dlp.Scanner;
import org.complianceproxy.proxy.audit.AuditChain;
import org.complianceproxy.proxy.audit.AuditJson;
import org.complianceproxy.proxy.audit.AuditRecord;
import org.complianceproxy.proxy.audit.RequestSummary;
import org.complianceproxy.proxy.chat.ChatRequestSanitizer;
import org.complianceproxy.proxy.chat.SanitizedChat;
import org.complianceproxy.proxy.token.Keyring;
import org.complianceproxy.proxy.token.TokenMinter;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The request side of a 4 KB OpenAI chat with five personal data items, as {@code
 * ChatExchange.start} runs it, without Netty:
 *
 * <ul>
 *   <li>{@code sanitize}: parse, scan every text field with the bundled rules, mint tokens and
 *       fingerprints, store them in an in-memory vault ({@link MemoryVault}), splice the upstream
 *       body;
 *   <li>{@code scanOnly}: the DLP scan of the same text alone, so that {@code sanitize} minus
 *       {@code scanOnly} is what parsing, tokens, the vault call and the splice cost;
 *   <li>{@code audit}: the request's audit records (one per finding and the summary) chained and
 *       serialized as the spool writer does.
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class RequestPathBenchmark {
  private static final String TENANT = "bench";

  private ChatRequestSanitizer sanitizer;
  private Scanner scanner;
  private String userText;
  private byte[] body;
  private AuditChain chain;
  private List<AuditRecord> records;

  @Setup
  public void setUp() throws IOException {
    Path dir = Files.createTempDirectory("jmh-request-");
    TokenMinter minter = new TokenMinter(Keyring.openOrCreate(dir));
    minter.prepare(TENANT).join();
    scanner = Scanner.defaults();
    sanitizer = new ChatRequestSanitizer(scanner, minter, new MemoryVault());
    userText = Texts.prose(7, 4000, 5).trim();
    body =
        ("{\"model\":\"echo\",\"stream\":false,\"messages\":[{\"role\":\"system\",\"content\":"
                + "\"You are a helpful assistant.\"},{\"role\":\"user\",\"content\":\""
                + userText
                + "\"}]}")
            .getBytes(UTF_8);
    SanitizedChat chat = sanitizer.sanitize(TENANT, "req-1", body).join();
    if (chat.findings().size() != 5) {
      throw new IllegalStateException("expected 5 findings, got " + chat.findings().size());
    }
    chain = new AuditChain(new AuditJson("bench-instance"));
    records = new ArrayList<>(chat.findings());
    records.add(
        new RequestSummary(
            "req-1",
            TENANT,
            Instant.parse("2026-11-26T08:00:00.123Z"),
            "openai",
            "openai",
            "eu-west-1",
            "echo",
            false,
            200,
            "ok",
            3,
            2,
            5,
            5,
            new RequestSummary.Usage(900, 30, 930)));
  }

  @Benchmark
  public SanitizedChat sanitize() {
    return sanitizer.sanitize(TENANT, "req-1", body).join();
  }

  @Benchmark
  public List<Finding> scanOnly() {
    scanner.scan("You are a helpful assistant.");
    return scanner.scan(userText);
  }

  @Benchmark
  public int audit() {
    int bytes = 0;
    for (AuditRecord record : records) {
      bytes += chain.next(record).length;
    }
    return bytes;
  }
}
