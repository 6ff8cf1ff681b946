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

/** {@code audit query}: the records that match the filters, oldest first. */
@Command(
    name = "query",
    mixinStandardHelpOptions = true,
    description = "Records matching the filters, oldest first, each delivered copy shown once.")
public final class AuditQueryCommand implements Callable<Integer> {

  @Mixin AuditSource source;
  @Mixin AuditFilterOptions filters;

  @Option(
      names = "--format",
      defaultValue = "table",
      description = "table, jsonl or csv (default: ${DEFAULT-VALUE}).")
  AuditOutput.Format format;

  @Option(names = "--limit", paramLabel = "N", description = "At most N records (the newest).")
  Integer limit;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    return run(spec.commandLine().getOut(), spec.commandLine().getErr());
  }

  int run(PrintWriter out, PrintWriter err) {
    try {
      AuditQuery.Filter filter = filters.toFilter(Instant.now());
      AuditQuery query = source.readFor(filter, err);
      List<AuditQuery.Item> items = query.matching(filter);
      if (limit != null && items.size() > limit) {
        items = items.subList(items.size() - limit, items.size());
      }
      AuditOutput.records(out, format, items);
      out.flush();
      return 0;
    } catch (IllegalArgumentException e) {
      err.println("audit query: " + e.getMessage());
      return 2;
    }
  }
}
