package org.complianceproxy.proxy.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code vault shred --tenant T --reason R --confirm T}: crypto-shredding (right to erasure). The
 * tenant's wrapped data keys are forgotten, so none of its vault entries can be opened again, then
 * the entries are removed. Irreversible; {@code --confirm} must repeat the tenant.
 */
@Command(
    name = "shred",
    mixinStandardHelpOptions = true,
    description = {
      "Crypto-shreds a tenant: its vault entries become unrecoverable (needs KMS_KEY_ID); audited.",
      "Irreversible: --confirm must repeat the tenant id."
    })
public final class VaultShredCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Mixin VaultOptions options = new VaultOptions();

  @Option(
      names = "--confirm",
      required = true,
      paramLabel = "TENANT",
      description = "The tenant, again.")
  String confirm;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (!confirm.equals(options.tenant)) {
      err.println("compliance-proxy: --confirm must repeat --tenant");
      return VaultOptions.USAGE;
    }
    return options.run(
        System.getenv(),
        out,
        err,
        (stack, actor, o, e) -> {
          int removed =
              VaultOptions.await(stack.operations().shred(actor, options.tenant, options.reason));
          o.println(
              "tenant "
                  + options.tenant
                  + ": data keys shredded"
                  + (removed >= 0 ? ", " + removed + " vault entries removed" : ""));
          return 0;
        });
  }
}
