package org.complianceproxy.proxy.cli;

import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.complianceproxy.proxy.audit.AuditQuery;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code audit report}: counts per tenant, entity type and action over a period. */
@Command(
    name = "report",
    mixinStandardHelpOptions = true,
    description = {
      "Findings per tenant, entity type and action, and requests and policy refusals per tenant,",
      "over a period (--since/--until) and the other filters."
    })
public final class AuditReportCommand implements Callable<Integer> {

  @Mixin AuditSource source;
  @Mixin AuditFilterOptions filters;

  @Option(
      names = "--format",
      defaultValue = "table",
      description = "table, jsonl or csv (default: ${DEFAULT-VALUE}).")
  AuditOutput.Format format;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    return run(spec.commandLine().getOut(), spec.commandLine().getErr());
  }

  int run(PrintWriter out, PrintWriter err) {
    try {
      AuditQuery.Filter filter = filters.toFilter(Instant.now());
      AuditQuery query = source.readFor(filter, err);
      AuditQuery.Report report = query.report(filter);
      List<List<String>> rows = new ArrayList<>();
      for (Map.Entry<List<String>, Long> e : report.findings().entrySet()) {
        rows.add(
            List.of(
                "finding",
                e.getKey().get(0),
                String.valueOf(e.getKey().get(1)),
                String.valueOf(e.getKey().get(2)),
                String.valueOf(e.getValue())));
      }
      for (Map.Entry<String, Long> e : report.requests().entrySet()) {
        rows.add(List.of("request", e.getKey(), "", "", String.valueOf(e.getValue())));
      }
      for (Map.Entry<String, Long> e : report.refusals().entrySet()) {
        rows.add(List.of("policy_refusal", e.getKey(), "", "", String.valueOf(e.getValue())));
      }
      AuditOutput.rows(
          out, format, List.of("what", "tenant", "entity_type", "action", "count"), rows);
      out.flush();
      return 0;
    } catch (IllegalArgumentException e) {
      err.println("audit report: " + e.getMessage());
      return 2;
    }
  }
}
