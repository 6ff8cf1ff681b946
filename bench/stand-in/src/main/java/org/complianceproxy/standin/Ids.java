package org.complianceproxy.standin;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Identifiers shaped like OpenAI's. Drawn from a thread-local random, not from the seeded one, so
 * that two identical requests still get distinct ids.
 */
final class Ids {
  private static final char[] BASE62 =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();

  private Ids() {}

  static String completionId() {
    return "chatcmpl-" + random(29);
  }

  static String toolCallId() {
    return "call_" + random(24);
  }

  static String requestId() {
    return "req_" + random(32);
  }

  private static String random(int length) {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    char[] chars = new char[length];
    for (int i = 0; i < length; i++) {
      chars[i] = BASE62[random.nextInt(BASE62.length)];
    }
    return new String(chars);
  }
}
