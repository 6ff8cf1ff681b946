package org.complianceproxy.proxy.cli;

import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code vault rotate --tenant T --reason R}: a new data-key version for the tenant (KMS only);
 * tokens minted under older versions still restore. Prints the new version.
 */
@Command(
    name = "rotate",
    mixinStandardHelpOptions = true,
    description = "Adds a new data-key version for a tenant (needs KMS_KEY_ID); audited.")
public final class VaultRotateCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Mixin VaultOptions options = new VaultOptions();

  @Override
  public Integer call() {
    return call(System.getenv());
  }

  /** {@link #call()} with {@code env} in place of the process environment. */
  Integer call(Map<String, String> env) {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    return options.run(
        env,
        out,
        err,
        (stack, actor, o, e) -> {
          int version =
              VaultOptions.await(stack.operations().rotate(actor, options.tenant, options.reason));
          o.println("tenant " + options.tenant + ": data key version " + version);
          return 0;
        });
  }
}
