package org.complianceproxy.proxy.vault;

import java.io.IOException;
import org.complianceproxy.proxy.config.ProxyConfig;
import org.complianceproxy.proxy.token.KeyProvider;
import org.complianceproxy.proxy.token.Keyring;

/**
 * The key provider and the vault the configuration asks for, opened together and closed together.
 * Today: the local keyring and the embedded store under the data directory.
 */
public final class VaultStack implements AutoCloseable {

  private final KeyProvider keys;
  private final Vault vault;

  private VaultStack(KeyProvider keys, Vault vault) {
    this.keys = keys;
    this.vault = vault;
  }

  public static VaultStack open(ProxyConfig config) throws IOException {
    Keyring keyring = Keyring.openOrCreate(config.dataDir());
    return new VaultStack(keyring, LocalVault.open(config.dataDir(), keyring));
  }

  public KeyProvider keys() {
    return keys;
  }

  public Vault vault() {
    return vault;
  }

  @Override
  public void close() {
    vault.close();
  }
}
