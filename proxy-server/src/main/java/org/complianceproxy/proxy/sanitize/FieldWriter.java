package org.complianceproxy.proxy.sanitize;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Where the new text of a rewritten string field goes: into the tree, or into the original bytes.
 */
@FunctionalInterface
public interface FieldWriter {

  /** Puts {@code text} into the tree; for bodies that are serialized from the tree afterwards. */
  FieldWriter TREE = (parent, field, old, text) -> parent.put(field, text.toString());

  /**
   * Records that the string {@code old}, the value of {@code parent.field}, becomes {@code text};
   * {@code text} is not modified afterwards.
   */
  void write(ObjectNode parent, String field, JsonNode old, CharSequence text);
}
