package org.complianceproxy.proxy.server;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Request ids: 128 random bits as 32 hex chars. Generated here, never taken from the client, so a
 * client cannot make two requests share an audit trail.
 */
public final class RequestIds {

  /** The response header carrying the id; audit records carry it as {@code request_id}. */
  public static final String HEADER = "x-request-id";

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private RequestIds() {}

  public static String next() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    char[] out = new char[32];
    long hi = random.nextLong();
    long lo = random.nextLong();
    for (int i = 0; i < 16; i++) {
      out[i] = HEX[(int) (hi >>> (60 - 4 * i)) & 0xf];
      out[16 + i] = HEX[(int) (lo >>> (60 - 4 * i)) & 0xf];
    }
    return new String(out);
  }
}
