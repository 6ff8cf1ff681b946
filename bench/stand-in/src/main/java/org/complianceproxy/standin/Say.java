package org.complianceproxy.standin;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * A model that says something of its own: a model name containing {@code say:} followed by a
 * base64url text (UTF-8, without padding) answers with the echo followed by that text. Tests use it
 * to make the model produce text the prompt did not carry, e.g. personal data that a proxy must
 * handle on the way out: {@code echo-say:} + {@code base64url("Call me at 212 555 0143")}.
 */
final class Say {

  static final String MARKER = "say:";

  private Say() {}

  /** The answer for {@code model}: the echo, then the text its name says, if it says any. */
  static String answer(String model, String echo) {
    int at = model.indexOf(MARKER);
    if (at < 0) {
      return echo;
    }
    String said;
    try {
      said =
          new String(
              Base64.getUrlDecoder().decode(model.substring(at + MARKER.length())),
              StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return echo;
    }
    return echo + said;
  }

  /** The model name that says {@code text} after the echo. */
  static String model(String prefix, String text) {
    return prefix
        + MARKER
        + Base64.getUrlEncoder()
            .withoutPadding()
            .encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }
}
