package org.complianceproxy.bench.jmh;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.complianceproxy.dlp.Finding;
import org.complianceproxy.dlp.Scanner;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/** The DLP scanner with the bundled rules over prompts of the load scenarios' shapes. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ScannerBenchmark {

  /** chars:PII items; 4 KB with a few items, 4 KB PII-dense, 200 KB with a few. */
  @Param({"4000:4", "4000:60", "200000:50"})
  public String shape;

  private Scanner scanner;
  private String text;

  @Setup
  public void setUp() {
    String[] parts = shape.split(":");
    scanner = Scanner.defaults();
    text = Texts.prose(7, Integer.parseInt(parts[0]), Integer.parseInt(parts[1]));
  }

  @Benchmark
  public List<Finding> scan() {
    return scanner.scan(text);
  }
}
