package org.complianceproxy.standin;

import java.time.Duration;

/**
 * What the stand-in does with a request, chosen by its model name so that the caller under test
 * needs no extra headers.
 *
 * @param kind what to do
 * @param delay how long to wait before answering; zero except for {@link Kind#SLOW}
 */
record Behaviour(Kind kind, Duration delay) {

  enum Kind {
    /** Answer with the echo (any model name that is not listed below). */
    ECHO,
    /** {@code echo-tool}: answer with one tool call carrying the echo, if the request has tools. */
    ECHO_TOOL,
    /** {@code fail-500}: OpenAI's server error. */
    FAIL_500,
    /** {@code fail-429}: OpenAI's rate limit error. */
    FAIL_429,
    /** {@code hang}: accept the request and never answer. */
    HANG,
    /** {@code slow-<ms>}: wait that many milliseconds, then echo. */
    SLOW,
    /** {@code reset-mid-stream}: send part of the answer, then reset the connection. */
    RESET_MID_STREAM
  }

  private static final String SLOW_PREFIX = "slow-";
  private static final Behaviour ECHO = new Behaviour(Kind.ECHO, Duration.ZERO);

  static Behaviour forModel(String model) {
    switch (withoutSay(model)) {
      case "echo-tool":
        return new Behaviour(Kind.ECHO_TOOL, Duration.ZERO);
      case "fail-500":
        return new Behaviour(Kind.FAIL_500, Duration.ZERO);
      case "fail-429":
        return new Behaviour(Kind.FAIL_429, Duration.ZERO);
      case "hang":
        return new Behaviour(Kind.HANG, Duration.ZERO);
      case "reset-mid-stream":
        return new Behaviour(Kind.RESET_MID_STREAM, Duration.ZERO);
      default:
        return model.startsWith(SLOW_PREFIX) ? slow(model.substring(SLOW_PREFIX.length())) : ECHO;
    }
  }

  /**
   * The model name without what a {@code say:} suffix says ({@link Say}): "echo-tool-say:..." is
   * "echo-tool".
   */
  private static String withoutSay(String model) {
    int at = model.indexOf(Say.MARKER);
    if (at < 0) {
      return model;
    }
    return at > 0 && model.charAt(at - 1) == '-'
        ? model.substring(0, at - 1)
        : model.substring(0, at);
  }

  private static Behaviour slow(String millis) {
    if (millis.isEmpty() || millis.length() > 9 || !millis.chars().allMatch(Character::isDigit)) {
      return ECHO;
    }
    return new Behaviour(Kind.SLOW, Duration.ofMillis(Long.parseLong(millis)));
  }
}
