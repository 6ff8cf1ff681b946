package org.complianceproxy.proxy.vault;

import static java.util.Objects.requireNonNull;

/**
 * One token and the exact characters it stands for.
 *
 * @param token the token text, e.g. {@code <<CARD_7K3QZ9XW2M>>}
 * @param value the original value: clear PII, so {@link #toString()} leaves it out
 */
public record VaultEntry(String token, String value) {

  public VaultEntry {
    requireNonNull(token, "token");
    requireNonNull(value, "value");
  }

  @Override
  public String toString() {
    return "VaultEntry[token=" + token + ", value=(" + value.length() + " chars)]";
  }
}
