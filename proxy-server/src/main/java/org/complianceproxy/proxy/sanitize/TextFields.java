package org.complianceproxy.proxy.sanitize;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.complianceproxy.proxy.error.ProxyError;
import org.complianceproxy.proxy.error.ProxyException;

/**
 * Steps shared by the front doors' text-field walkers: hand one string field to a {@link
 * TextRewriter} and put the result back, and refuse a text-bearing field of the wrong shape with
 * {@code INVALID_REQUEST}, naming the field by its JSON pointer only.
 */
public final class TextFields {

  private TextFields() {}

  /**
   * Rewrites {@code parent.field} when it is a string; does nothing when it is absent or null, and
   * refuses any other value ({@code pointer: expected a string}).
   */
  public static void string(
      ObjectNode parent, String field, String pointer, TextRewriter rewriter) {
    JsonNode value = parent.get(field);
    if (value == null || value.isNull()) {
      return;
    }
    if (!value.isTextual()) {
      throw invalid(pointer, "expected a string");
    }
    replace(parent, field, value.textValue(), pointer, rewriter);
  }

  /** Rewrites {@code text}, the value of {@code parent.field}, and puts it back if it changed. */
  public static void replace(
      ObjectNode parent, String field, String text, String pointer, TextRewriter rewriter) {
    String rewritten = rewriter.rewrite(pointer, text);
    if (rewritten != text) {
      parent.put(field, rewritten);
    }
  }

  /** {@code INVALID_REQUEST}: {@code pointer: expected}. */
  public static ProxyException invalid(String pointer, String expected) {
    return new ProxyException(ProxyError.INVALID_REQUEST, pointer + ": " + expected);
  }
}
