package org.complianceproxy.proxy.cli;

import java.io.PrintWriter;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import org.complianceproxy.proxy.audit.AuditQuery;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code audit tail}: follows the topic and prints matching records as they arrive. */
@Command(
    name = "tail",
    mixinStandardHelpOptions = true,
    description = "Follow the topic and print matching records as they arrive (Ctrl-C stops).")
public final class AuditTailCommand implements Callable<Integer> {

  @Mixin AuditSource source;
  @Mixin AuditFilterOptions filters;

  @Option(
      names = "--format",
      defaultValue = "jsonl",
      description = "table, jsonl or csv (default: ${DEFAULT-VALUE}).")
  AuditOutput.Format format;

  @Option(
      names = "--last",
      paramLabel = "N",
      defaultValue = "0",
      description = "Start N records before the end of each partition (default: ${DEFAULT-VALUE}).")
  long last;

  @Option(names = "--max-records", paramLabel = "N", description = "Stop after printing N records.")
  Long maxRecords;

  @Option(names = "--max-seconds", paramLabel = "S", description = "Stop after S seconds.")
  Long maxSeconds;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    return run(spec.commandLine().getOut(), spec.commandLine().getErr());
  }

  int run(PrintWriter out, PrintWriter err) {
    try {
      AuditQuery.Filter filter = filters.toFilter(Instant.now());
      long[] printed = {0};
      long deadline =
          maxSeconds == null ? Long.MAX_VALUE : System.nanoTime() + maxSeconds * 1_000_000_000L;
      if (format == AuditOutput.Format.csv) {
        out.println(AuditOutput.csvLine(AuditOutput.RECORD_COLUMNS));
      }
      source.follow(
          last,
          (stream, position, key, value) -> {
            // A query of one record: the filters apply as in audit query, except model and
            // region, which only a summary carries.
            AuditQuery one = new AuditQuery();
            if (!one.add(key, value)) {
              return;
            }
            List<AuditQuery.Item> match = one.matching(filter);
            if (match.isEmpty() || (maxRecords != null && printed[0] >= maxRecords)) {
              return;
            }
            if (format == AuditOutput.Format.table) {
              out.println(String.join("  ", AuditOutput.recordRow(match.get(0))));
            } else if (format == AuditOutput.Format.csv) {
              out.println(AuditOutput.csvLine(AuditOutput.recordRow(match.get(0))));
            } else {
              out.println(match.get(0).raw());
            }
            out.flush();
            printed[0]++;
          },
          () -> (maxRecords != null && printed[0] >= maxRecords) || System.nanoTime() > deadline);
      return 0;
    } catch (IllegalArgumentException e) {
      err.println("audit tail: " + e.getMessage());
      return 2;
    }
  }
}
