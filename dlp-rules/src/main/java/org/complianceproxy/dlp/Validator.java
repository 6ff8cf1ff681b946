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
