package org.complianceproxy.proxy.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code vault reveal --tenant T --reason R TOKEN...}: re-identification for an authorized officer.
 * Prints one JSON line per token ({@code {"token","value"}}, {@code "value":null} when the tenant
 * has no such token); the audit record is written before anything is printed.
 */
@Command(
    name = "reveal",
    mixinStandardHelpOptions = true,
    description = {
      "Prints the original values of tokens of one tenant, as JSON lines; audited.",
      "The admin key is read from the environment (PROXY_ADMIN_KEY by default)."
    })
public final class VaultRevealCommand implements Callable<Integer> {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Spec CommandSpec spec;

  @Mixin VaultOptions options = new VaultOptions();

  @Parameters(
      paramLabel = "TOKEN",
      arity = "0..*",
      description = "Tokens, e.g. <<CARD_7K3QZ9XW2M>>.")
  List<String> tokens = new ArrayList<>();

  @Option(
      names = "--tokens-file",
      paramLabel = "FILE",
      description = "Read tokens from FILE, one a line ('-': standard input).")
  Path tokensFile;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    List<String> all = new ArrayList<>(tokens);
    if (tokensFile != null) {
      List<String> lines =
          tokensFile.toString().equals("-")
              ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))
                  .lines()
                  .toList()
              : Files.readAllLines(tokensFile, StandardCharsets.UTF_8);
      for (String line : lines) {
        if (!line.isBlank()) {
          all.add(line.strip());
        }
      }
    }
    return options.run(
        System.getenv(),
        out,
        err,
        (stack, actor, o, e) -> {
          Map<String, String> revealed =
              VaultOptions.await(
                  stack.operations().reveal(actor, options.tenant, all, options.reason));
          for (String token : all.stream().distinct().toList()) {
            ObjectNode line = JSON.createObjectNode().put("token", token);
            line.put("value", revealed.get(token));
            o.println(JSON.writeValueAsString(line));
          }
          e.println(
              revealed.size() + " of " + all.stream().distinct().count() + " tokens revealed");
          return 0;
        });
  }
}
