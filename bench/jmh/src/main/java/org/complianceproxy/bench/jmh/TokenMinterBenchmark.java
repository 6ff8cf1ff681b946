package org.complianceproxy.bench.jmh;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.complianceproxy.dlp.EntityType;
import org.complianceproxy.proxy.token.Keyring;
import org.complianceproxy.proxy.token.TokenMinter;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/** Minting one token (HMAC under the tenant's key, then the short ASCII form). */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class TokenMinterBenchmark {
  private TokenMinter minter;

  @Setup
  public void setUp() throws IOException {
    Path dir = Files.createTempDirectory("jmh-keyring-");
    minter = new TokenMinter(Keyring.openOrCreate(dir));
    minter.mint("bench", EntityType.CARD, "4111 1111 1111 1111");
  }

  @Benchmark
  public String mintCard() {
    return minter.mint("bench", EntityType.CARD, "4111 1111 1111 1111");
  }

  @Benchmark
  public String mintEmail() {
    return minter.mint("bench", EntityType.EMAIL, "ann.lee@example.com");
  }
}
