package org.complianceproxy.dlp;

/**
 * Kinds of sensitive data the scanner recognises. The {@link #tag()} is what a token carries, so it
 * is short, upper case and free of underscores ({@code <<CARD_7K3QZ9XW2M>>}).
 */
public enum EntityType {
  CARD("CARD"),
  SSN("SSN"),
  EMAIL("EMAIL"),
  PHONE("PHONE"),
  IBAN("IBAN");

  private final String tag;

  EntityType(String tag) {
    this.tag = tag;
  }

  /** The token tag: 2 to 12 characters of {@code [A-Z0-9]}, starting with a letter. */
  public String tag() {
    return tag;
  }

  /** The entity type for a token tag, or {@code null} when no type carries it. */
  public static EntityType fromTag(String tag) {
    for (EntityType type : values()) {
      if (type.tag.equals(tag)) {
        return type;
      }
    }
    return null;
  }
}
