package org.complianceproxy.proxy.token;

import static java.util.Objects.requireNonNull;

import java.util.HashMap;
import java.util.Map;
import org.complianceproxy.dlp.EntityType;

/**
 * The per-request {@link TokenLookup}: built while the request is sanitized, then read-only, so the
 * response path may read it from any thread without locks.
 */
public final class RestoreTable implements TokenLookup {

  /** Source of a token minted for this request. */
  public static final String SOURCE_REQUEST = "request";

  /** Source of a token an earlier request minted, resolved through the vault. */
  public static final String SOURCE_VAULT = "vault";

  private static final RestoreTable EMPTY = new RestoreTable(Map.of());

  // token text -> what it restores to
  private final Map<String, Restoration> restorations;

  private RestoreTable(Map<String, Restoration> restorations) {
    this.restorations = restorations;
  }

  public static RestoreTable empty() {
    return EMPTY;
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public Restoration lookup(CharSequence token) {
    return restorations.get(token.toString());
  }

  public int size() {
    return restorations.size();
  }

  public boolean isEmpty() {
    return restorations.isEmpty();
  }

  /** Counts only: the table holds clear values. */
  @Override
  public String toString() {
    return "RestoreTable[" + restorations.size() + " tokens]";
  }

  /** Not thread-safe; one request builds its table on one thread. */
  public static final class Builder {

    private final Map<String, Restoration> restorations = new HashMap<>();

    private Builder() {}

    /**
     * Adds a token. A token minted for this request wins over the same token resolved from the
     * vault; both restore the same value, the source only tells the audit which one applied.
     */
    public Builder put(String token, String original, EntityType type, String source) {
      requireNonNull(token, "token");
      Restoration restoration =
          new Restoration(
              requireNonNull(original, "original"),
              requireNonNull(type, "type"),
              requireNonNull(source, "source"));
      restorations.merge(
          token,
          restoration,
          (existing, added) -> SOURCE_REQUEST.equals(existing.source()) ? existing : added);
      return this;
    }

    public RestoreTable build() {
      return restorations.isEmpty() ? EMPTY : new RestoreTable(Map.copyOf(restorations));
    }
  }
}
