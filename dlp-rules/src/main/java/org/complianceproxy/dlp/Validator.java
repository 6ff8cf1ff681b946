package org.complianceproxy.dlp;

/**
 * Checks that confirm a pattern's candidate. Rules name them in the rule file; the logic lives here
 * because it is code, not data. Every check is total: any string gives {@code true} or {@code
 * false}, never an exception.
 */
enum Validator {
  /** Accepts every candidate: the pattern alone decides. */
  NONE("none") {
    @Override
    boolean accepts(String candidate) {
      return true;
    }
  },
  /** Payment card: 13 to 19 digits (separators ignored) with a valid Luhn check digit. */
  LUHN("luhn") {
    @Override
    boolean accepts(String candidate) {
      return Checksums.luhnValid(candidate);
    }
  },
  /**
   * US social security number {@code AAA-GG-SSSS}: area not 000, 666 or 900-999, group not 00,
   * serial not 0000 (the SSA never issues these).
   */
  SSN("ssn") {
    @Override
    boolean accepts(String candidate) {
      return Checksums.ssnValid(candidate);
    }
  },
  /** IBAN: the country's registered length, where known, and ISO 7064 mod 97-10. */
  MOD97("mod97") {
    @Override
    boolean accepts(String candidate) {
      return Iban.valid(candidate);
    }
  },
  /** A number libphonenumber calls valid, read as US unless it starts with {@code +}. */
  PHONE("phone") {
    @Override
    boolean accepts(String candidate) {
      return Phones.valid(candidate);
    }
  },
  /** Payment card: Luhn and a length the issuer of its range uses. */
  CARD("card") {
    @Override
    boolean accepts(String candidate) {
      return Identifiers.card(candidate);
    }
  },
  /** SSN written as nine digits or with spaces; the SSA ranges. */
  SSN_DIGITS("ssn-digits") {
    @Override
    boolean accepts(String candidate) {
      return Identifiers.ssnDigits(candidate);
    }
  },
  ITIN("itin") {
    @Override
    boolean accepts(String candidate) {
      return Identifiers.itin(candidate);
    }
  },
  EIN("ein") {
    @Override
    boolean accepts(String candidate) {
      return Identifiers.ein(candidate);
    }
  },
  /** ABA routing number: Federal Reserve prefix and the 3-7-1 checksum. */
  ABA("aba") {
    @Override
    boolean accepts(String candidate) {
      return Identifiers.aba(candidate);
    }
  },
  BIC("bic") {
    @Override
    boolean accepts(String candidate) {
      return Identifiers.bic(candidate);
    }
  },
  ISIN("isin") {
    @Override
    boolean accepts(String candidate) {
      return Identifiers.isin(candidate);
    }
  },
  CUSIP("cusip") {
    @Override
    boolean accepts(String candidate) {
      return Identifiers.cusip(candidate);
    }
  },
  LEI("lei") {
    @Override
    boolean accepts(String candidate) {
      return Identifiers.lei(candidate);
    }
  },
  /** Canadian SIN: Luhn over nine digits. */
  SIN("sin") {
    @Override
    boolean accepts(String candidate) {
      return Identifiers.sin(candidate);
    }
  },
  NINO("nino") {
    @Override
    boolean accepts(String candidate) {
      return Identifiers.nino(candidate);
    }
  },
  IPV4("ipv4") {
    @Override
    boolean accepts(String candidate) {
      return Identifiers.ipv4(candidate);
    }
  },
  IPV6("ipv6") {
    @Override
    boolean accepts(String candidate) {
      return Identifiers.ipv6(candidate);
    }
  },
  /** A calendar date with a plausible year of birth. */
  DATE("date") {
    @Override
    boolean accepts(String candidate) {
      return Identifiers.date(candidate);
    }
  },
  EXPIRY("expiry") {
    @Override
    boolean accepts(String candidate) {
      return Identifiers.expiry(candidate);
    }
  },
  /** A date of birth, with digits or a month name. */
  DOB("dob") {
    @Override
    boolean accepts(String candidate) {
      return Identifiers.dob(candidate);
    }
  },
  /** Passport or driver's licence number: letters, digits, dashes, at least two digits. */
  DOCUMENT("document") {
    @Override
    boolean accepts(String candidate) {
      return Identifiers.documentNumber(candidate);
    }
  },
  /** A number libphonenumber calls valid in one of the regions of {@link Phones#REGIONS}. */
  PHONE_ANY("phone-any") {
    @Override
    boolean accepts(String candidate) {
      return Phones.validInAnyRegion(candidate);
    }
  },
  JWT("jwt") {
    @Override
    boolean accepts(String candidate) {
      return Identifiers.jwt(candidate);
    }
  },
  /** Mixed character classes and at least 2.5 bits of entropy per char. */
  ENTROPY("entropy") {
    @Override
    boolean accepts(String candidate) {
      return Identifiers.highEntropy(candidate);
    }
  },
  /** E-mail shape beyond the pattern: dots, label and total lengths. */
  EMAIL("email") {
    @Override
    boolean accepts(String candidate) {
      return Checksums.emailValid(candidate);
    }
  };

  /** The name used in rule files. */
  private final String yamlName;

  Validator(String yamlName) {
    this.yamlName = yamlName;
  }

  abstract boolean accepts(String candidate);

  String yamlName() {
    return yamlName;
  }

  /** The validator named {@code name} in a rule file, or {@code null}. */
  static Validator fromYamlName(String name) {
    for (Validator validator : values()) {
      if (validator.yamlName.equals(name)) {
        return validator;
      }
    }
    return null;
  }
}
