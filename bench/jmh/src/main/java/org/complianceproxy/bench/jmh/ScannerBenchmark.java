package org.complianceproxy.bench.jmh;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.complianceproxy.dlp.Finding;
import org.complianceproxy.dlp.Scanner;
import org.complianceproxy.proxy.config.ConfigLoader;
import org.complianceproxy.proxy.sanitize.TenantPolicies;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The DLP scanner with the bundled rules ({@link Scanner#defaults()}, one thread) against the naive
 * baseline ({@link NaiveScanner}: java.util.regex, one rule at a time over the whole text, same
 * validators), on sparse text (one item of personal data per 2 KB) and dense text (one per 200 B);
 * and the load bench's 4 KB small-chat prompt ({@code chat}, see {@link Texts#smallChat}), which
 * {@link #proxyInput} scans as the proxy does, with the policy of its embedded default
 * configuration.
 *
 * <p>Throughput in MB/s is the secondary result {@code :megabytes} of each benchmark (JMH labels
 * its unit {@code ops/s}; one op there is one MB of text, 10^6 chars). Run with {@code
 * bench/jmh/run.sh ScannerBenchmark -f 1 -wi 2 -i 3}; the small chat alone with {@code
 * bench/jmh/run.sh 'ScannerBenchmark.proxyInput' -p density=chat -f 1 -wi 3 -i 5 -prof gc}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 15)
@Measurement(iterations = 3, time = 5)
@Fork(1)
@Threads(1)
public class ScannerBenchmark {

  /**
   * sparse: one item per 2,000 chars; dense: one item per 200 chars; chat: the load bench's small
   * chat prompt (about 4,000 chars, whatever {@link #chars} says).
   */
  @Param({"sparse", "dense", "chat"})
  public String density;

  /** Length of the text in chars; a 4 KB chat by default. */
  @Param({"4096"})
  public int chars;

  private Scanner scanner;
  private NaiveScanner naive;
  private String text;

  /** A tenant's request scan in the proxy with its embedded default configuration. */
  private Function<CharSequence, List<Finding>> input;

  @Setup
  public void setUp() {
    int spacing = density.equals("dense") ? 200 : 2000;
    scanner = Scanner.defaults();
    naive = new NaiveScanner(scanner);
    text =
        density.equals("chat")
            ? Texts.smallChat()
            : Texts.prose(7, chars, Math.max(1, chars / spacing));
    // As ProxyServer builds it: the dlp section of the configuration, here the embedded default.
    input = TenantPolicies.of(ConfigLoader.load(Optional.empty(), Map.of()).dlp()).input("bench");
  }

  /** Megabytes of text scanned; JMH reports it per second, i.e. MB/s. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  public static class Bytes {
    public double megabytes;

    @Setup(Level.Iteration)
    public void reset() {
      megabytes = 0;
    }
  }

  @Benchmark
  public List<Finding> scanner(Bytes bytes) {
    bytes.megabytes += text.length() / 1e6;
    return scanner.scan(text);
  }

  /** The scan of a request's text as the proxy's sanitizer calls it: with the tenant's policy. */
  @Benchmark
  public List<Finding> proxyInput(Bytes bytes) {
    bytes.megabytes += text.length() / 1e6;
    return input.apply(text);
  }

  @Benchmark
  public int[] naiveBaseline(Bytes bytes) {
    bytes.megabytes += text.length() / 1e6;
    return naive.scan(text);
  }
}
