package org.complianceproxy.proxy.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code vault}: audited vault operations for compliance officers ({@code reveal}, {@code rotate},
 * {@code shred}). They open the configured key provider and store directly, so with the embedded
 * store they run only while no proxy holds the data directory (use the admin API of a running proxy
 * instead); with PostgreSQL they run at any time.
 */
@Command(
    name = "vault",
    mixinStandardHelpOptions = true,
    description = "Audited vault operations: reveal tokens, rotate or shred a tenant's data keys.",
    subcommands = {VaultRevealCommand.class, VaultRotateCommand.class, VaultShredCommand.class})
public final class VaultCommand implements Runnable {

  @Spec CommandSpec spec;

  /**
   * {@code java -cp compliance-proxy.jar org.complianceproxy.proxy.cli.VaultCommand reveal ...}:
   * the same as {@code java -jar compliance-proxy.jar vault reveal ...}.
   */
  public static void main(String[] args) {
    System.exit(new picocli.CommandLine(new VaultCommand()).execute(args));
  }

  @Override
  public void run() {
    throw new ParameterException(
        spec.commandLine(), "Missing subcommand (expected: reveal, rotate or shred)");
  }
}
