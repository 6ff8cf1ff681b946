package org.complianceproxy.proxy.sanitize;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.complianceproxy.proxy.error.ProxyError;
import org.complianceproxy.proxy.error.ProxyException;

/**
 * Steps shared by the front doors' text-field walkers: hand one string field to a {@link
 * TextRewriter} and the result to a {@link FieldWriter}, and refuse a text-bearing field of the
 * wrong shape with {@code INVALID_REQUEST}, naming the field by its JSON pointer only.
 */
public final class TextFields {

  private TextFields() {}

  /**
   * Rewrites {@code parent.field} when it is a string, putting the new text into the tree; does
   * nothing when it is absent or null, and refuses any other value ({@code pointer: expected a
   * string}).
   */
  public static void string(
      ObjectNode parent, String field, String pointer, TextRewriter rewriter) {
    string(parent, field, pointer, rewriter, FieldWriter.TREE);
  }

  /**
   * As {@link #string(ObjectNode, String, String, TextRewriter)}, the new text going to {@code
   * writer}.
   */
  public static void string(
      ObjectNode parent, String field, String pointer, TextRewriter rewriter, FieldWriter writer) {
    JsonNode value = parent.get(field);
    if (value == null || value.isNull()) {
      return;
    }
    if (!value.isTextual()) {
      throw invalid(pointer, "expected a string");
    }
    replace(parent, field, value, pointer, rewriter, writer);
  }

  /**
   * Rewrites the string {@code value} of {@code parent.field} and hands the result to {@code
   * writer} if it changed.
   */
  public static void replace(
      ObjectNode parent,
      String field,
      JsonNode value,
      String pointer,
      TextRewriter rewriter,
      FieldWriter writer) {
    String text = value.textValue();
    CharSequence rewritten = rewriter.rewriteText(pointer, text);
    if (rewritten != text) {
      writer.write(parent, field, value, rewritten);
    }
  }

  /** {@code INVALID_REQUEST}: {@code pointer: expected}. */
  public static ProxyException invalid(String pointer, String expected) {
    return new ProxyException(ProxyError.INVALID_REQUEST, pointer + ": " + expected);
  }
}
