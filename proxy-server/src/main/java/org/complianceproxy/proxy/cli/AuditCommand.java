package org.complianceproxy.proxy.cli;

import picocli.CommandLine.Command;

/**
 * {@code audit}: the compliance officers' tools over the audit trail. Each subcommand reads the
 * topic like {@code serve} writes it ({@code KAFKA_BOOTSTRAP_SERVERS}, {@code AUDIT_TOPIC}) or a
 * local spool ({@code --spool}).
 */
@Command(
    name = "audit",
    mixinStandardHelpOptions = true,
    description = "Query, follow, verify and summarize the audit trail.",
    subcommands = {
      AuditQueryCommand.class,
      AuditTailCommand.class,
      AuditVerifyCommand.class,
      AuditReportCommand.class
    })
public final class AuditCommand {}
