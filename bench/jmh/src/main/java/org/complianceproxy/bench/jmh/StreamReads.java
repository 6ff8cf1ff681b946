package org.complianceproxy.bench.jmh;

import java.util.List;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/** A streamed answer cut into reads, as a decoder gets it; subclasses say what the answer is. */
@State(Scope.Benchmark)
public abstract class StreamReads {
  /** Bytes per read: 7 splits events and frames anywhere, 4096 carries many per read. */
  @Param({"7", "4096"})
  public int readBytes;

  List<byte[]> reads;

  /** The whole answer's bytes. */
  abstract byte[] answer();

  @Setup
  public void cut() {
    reads = Chunks.reads(answer(), readBytes);
  }
}
