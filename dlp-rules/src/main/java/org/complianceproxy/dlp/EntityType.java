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
  IBAN("IBAN"),
  /** Card expiry date, found only near card context. */
  CARDEXP("CARDEXP"),
  /** Card verification value, found only near its own label. */
  CVV("CVV"),
  /** US individual taxpayer identification number (9xx-7x-xxxx and the other ITIN groups). */
  ITIN("ITIN"),
  /** US employer identification number, found only with context. */
  EIN("EIN"),
  /** SWIFT/BIC bank identifier code. */
  BIC("BIC"),
  /** US ABA routing transit number. */
  ABA("ABA"),
  /** Bank account number (with context), or a UK sort code with its account number. */
  ACCOUNT("ACCOUNT"),
  /** International securities identification number (ISO 6166). */
  ISIN("ISIN"),
  /** CUSIP security identifier. */
  CUSIP("CUSIP"),
  /** Legal entity identifier (ISO 17442). */
  LEI("LEI"),
  IPV4("IPV4"),
  IPV6("IPV6"),
  /** Date of birth, found only with context. */
  DOB("DOB"),
  /** Passport number, found only with context. */
  PASSPORT("PASSPORT"),
  /** Driver's licence number, found only with context. */
  DRIVERLIC("DRIVERLIC"),
  /** UK national insurance number. */
  NINO("NINO"),
  /** Canadian social insurance number. */
  SIN("SIN"),
  /** Credentials: cloud and API keys, private keys, JWTs, passwords. */
  SECRET("SECRET"),
  /** A person's name. */
  NAME("NAME"),
  /** A postal address. */
  ADDRESS("ADDRESS"),
  /** A term on a tenant's deny-list ({@link Policy.Builder#deny}). */
  CUSTOM("CUSTOM");

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
