package org.complianceproxy.proxy.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.complianceproxy.proxy.audit.AuditVerifier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code audit verify}: checks every instance's chain; exit 0 when intact, 1 on any gap,
 * reordering, alteration or invalid record, 2 when the trail cannot be read.
 */
@Command(
    name = "verify",
    mixinStandardHelpOptions = true,
    description = {
      "Check every proxy instance's hash chain: removed records (gaps), reorderings and altered",
      "records. Exit status 0: intact; 1: problems found; 2: the trail could not be read."
    })
public final class AuditVerifyCommand implements Callable<Integer> {

  @Mixin AuditSource source;

  @Option(names = "--no-schema", negatable = true, description = "Skip the schema checks.")
  boolean noSchema;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    return run(spec.commandLine().getOut(), spec.commandLine().getErr());
  }

  int run(PrintWriter out, PrintWriter err) {
    AuditVerifier verifier = new AuditVerifier(!noSchema);
    try {
      source.readAll(
          (stream, position, key, value) -> verifier.accept(stream, position, value), err);
    } catch (RuntimeException e) {
      err.println("audit verify: cannot read " + source.describe() + ": " + e.getMessage());
      return 2;
    }
    AuditVerifier.Report report = verifier.report();
    out.printf("%d records, %d instance chains%n", report.records(), report.instances().size());
    for (AuditVerifier.InstanceStatus chain : report.instances()) {
      out.printf(
          "  %s: %d records, seq %d..%d, %d duplicate deliveries, %s, %s%n",
          chain.instance(),
          chain.records(),
          chain.firstSeq(),
          chain.lastSeq(),
          chain.duplicates(),
          chain.endedCleanly() ? "stopped cleanly" : "open (running, or stopped by a crash)",
          chain.problems() == 0 ? "intact" : chain.problems() + " problems");
    }
    for (String problem : report.problems()) {
      out.println("PROBLEM " + problem);
    }
    out.println(
        report.ok()
            ? "OK: every chain is intact"
            : "FAILED: " + report.problems().size() + " problems");
    out.flush();
    return report.ok() ? 0 : 1;
  }
}
