package org.complianceproxy.standin;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code java -jar stand-in.jar openai --port 8081 ...} or {@code bedrock --port 8082 ...}: runs a
 * stand-in until killed.
 */
@Command(
    name = "stand-in",
    mixinStandardHelpOptions = true,
    description = "Local upstreams that speak real wire formats and echo their input.",
    subcommands = {StandInMain.OpenAiCommand.class, StandInMain.BedrockCommand.class})
public final class StandInMain implements Runnable {
  @Spec CommandSpec spec;

  public static void main(String[] args) {
    System.exit(new CommandLine(new StandInMain()).execute(args));
  }

  @Override
  public void run() {
    throw new ParameterException(
        spec.commandLine(), "Missing subcommand (expected: openai or bedrock)");
  }

  @Command(
      name = "openai",
      mixinStandardHelpOptions = true,
      description =
          "Imitates OpenAI's POST /v1/chat/completions; the model name picks the behaviour.")
  static final class OpenAiCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--port", defaultValue = "8081", description = "Port on 127.0.0.1; 0 = any.")
    int port;

    @Option(names = "--api-key", description = "Require 'Authorization: Bearer <key>'.")
    String apiKey;

    @Option(
        names = "--log",
        paramLabel = "FILE",
        description = "Append each request as a JSON line.")
    Path log;

    @Option(
        names = "--fragment-bytes",
        defaultValue = "0",
        description = "Cut responses into random pieces of 1..N bytes; 0 = off.")
    int fragmentBytes;

    @Option(
        names = "--seed",
        description = "Seed of the random cuts; default: derived from each request.")
    Long seed;

    @Mixin MaxRecorded recorded;

    @Override
    public Integer call() throws InterruptedException {
      StandInOptions options;
      try {
        options = new StandInOptions(port, apiKey, seed, fragmentBytes, log, recorded.maxRecorded);
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), e.getMessage());
      }
      OpenAiStandIn openAi;
      try {
        openAi = OpenAiStandIn.start(options);
      } catch (IllegalStateException | UncheckedIOException e) {
        System.err.println("stand-in openai: " + e.getMessage());
        return 1;
      }
      return serveUntilKilled(openAi, "stand-in openai listening on " + openAi.baseUrl());
    }
  }

  @Command(
      name = "bedrock",
      mixinStandardHelpOptions = true,
      description =
          "Imitates Bedrock runtime's converse, converse-stream, invoke and"
              + " invoke-with-response-stream over HTTP/1.1, echoing the user's text.")
  static final class BedrockCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--port", defaultValue = "8082", description = "Port on 127.0.0.1; 0 = any.")
    int port;

    @Option(
        names = "--fragment-bytes",
        defaultValue = "7",
        description = "Streamed answers go out in writes of 1..N bytes (> 0).")
    int fragmentBytes;

    @Option(names = "--seed", defaultValue = "7", description = "Seed of piece sizes and cuts.")
    long seed;

    @Mixin MaxRecorded recorded;

    @Override
    public Integer call() throws InterruptedException {
      BedrockStandIn bedrock;
      try {
        bedrock = BedrockStandIn.start(port, seed, fragmentBytes, recorded.maxRecorded);
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), e.getMessage());
      } catch (IllegalStateException e) {
        System.err.println("stand-in bedrock: " + e.getMessage());
        return 1;
      }
      return serveUntilKilled(bedrock, "stand-in bedrock listening on " + bedrock.endpoint());
    }
  }

  /** {@code --max-recorded}, of every stand-in. */
  static final class MaxRecorded {
    @Option(
        names = "--max-recorded",
        defaultValue = "" + StandInOptions.DEFAULT_MAX_RECORDED,
        description = "Requests kept in memory.")
    int maxRecorded;
  }

  /**
   * Prints {@code ready}, then serves until the JVM is asked to stop, and closes {@code server}.
   */
  private static int serveUntilKilled(AutoCloseable server, String ready)
      throws InterruptedException {
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    server.close();
                  } catch (Exception e) {
                    System.err.println("stand-in: closing failed: " + e);
                  }
                  stopped.countDown();
                },
                "stand-in-shutdown"));
    System.out.println(ready);
    System.out.flush();
    stopped.await();
    return 0;
  }
}
