package org.complianceproxy.proxy;

import org.complianceproxy.proxy.cli.AuditCommand;
import org.complianceproxy.proxy.cli.RulesCommand;
import org.complianceproxy.proxy.cli.ServeCommand;
import org.complianceproxy.proxy.cli.VaultCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code java -jar compliance-proxy.jar <subcommand>}: the proxy and its tools share one jar. */
@Command(
    name = "compliance-proxy",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "LLM compliance proxy: sanitize prompts, restore answers, audit every token.",
    subcommands = {
      ServeCommand.class,
      AuditCommand.class,
      VaultCommand.class,
      RulesCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Main {

  public static void main(String[] args) {
    System.exit(new CommandLine(new Main()).execute(args));
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = Main.class.getPackage().getImplementationVersion();
      return new String[] {"compliance-proxy " + (version == null ? "dev" : version)};
    }
  }
}
