package org.complianceproxy.standin;

import java.time.Duration;

/**
 * A streamed answer at a steady token rate, chosen by a model name {@code
 * paced-<tokens>-<tokensPerSecond>[-<tokensPerChunk>]}, for load tests that hold many slow streams
 * or long answers. The answer is the echo followed by filler words up to {@code tokens} tokens of
 * {@value #CHARS_PER_TOKEN} chars each; every content delta carries {@code tokensPerChunk} tokens.
 *
 * @param tokens tokens in the answer (at least the echo's length in tokens)
 * @param tokensPerSecond the rate at which tokens are streamed
 * @param tokensPerChunk tokens per content delta
 */
record Pacing(int tokens, int tokensPerSecond, int tokensPerChunk) {
  static final int CHARS_PER_TOKEN = 4;

  private static final String PREFIX = "paced-";
  private static final int MAX_TOKENS = 1_000_000;

  Pacing {
    if (tokens < 1 || tokens > MAX_TOKENS) {
      throw new IllegalArgumentException(
          "tokens: " + tokens + " (expected: 1.." + MAX_TOKENS + ")");
    }
    if (tokensPerSecond < 1) {
      throw new IllegalArgumentException(
          "tokensPerSecond: " + tokensPerSecond + " (expected: > 0)");
    }
    if (tokensPerChunk < 1) {
      throw new IllegalArgumentException("tokensPerChunk: " + tokensPerChunk + " (expected: > 0)");
    }
  }

  /** The pacing that {@code model} names, or null when it names none (or names it wrongly). */
  static Pacing forModel(String model) {
    if (!model.startsWith(PREFIX)) {
      return null;
    }
    String[] parts = model.substring(PREFIX.length()).split("-", -1);
    if (parts.length < 2 || parts.length > 3) {
      return null;
    }
    int[] numbers = new int[3];
    numbers[2] = 1;
    for (int i = 0; i < parts.length; i++) {
      String part = parts[i];
      if (part.isEmpty() || part.length() > 7 || !part.chars().allMatch(Character::isDigit)) {
        return null;
      }
      numbers[i] = Integer.parseInt(part);
    }
    try {
      return new Pacing(numbers[0], numbers[1], numbers[2]);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** Time between two events of the stream. */
  Duration interval() {
    return Duration.ofNanos(1_000_000_000L * tokensPerChunk / tokensPerSecond);
  }

  int deltaChars() {
    return tokensPerChunk * CHARS_PER_TOKEN;
  }

  /** {@code echo}, then filler words of one token each until the answer has {@link #tokens()}. */
  String answerText(String echo) {
    int targetChars = tokens * CHARS_PER_TOKEN;
    if (echo.length() >= targetChars) {
      return echo;
    }
    StringBuilder text = new StringBuilder(targetChars).append(echo);
    String[] words = {" tok", " lor", " ips", " dol"};
    for (int i = 0; text.length() + CHARS_PER_TOKEN <= targetChars; i++) {
      text.append(words[i & 3]);
    }
    while (text.length() < targetChars) {
      text.append('.');
    }
    return text.toString();
  }
}
