package org.complianceproxy.proxy.restore;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.function.Function;
import org.complianceproxy.dlp.Finding;

/**
 * How one answer is checked on its way out: the tenant's output scan (see {@code
 * TenantPolicies.output}: personal data the model produced by itself, with the output policy's
 * action), who audits what it finds, and the tenant's deny-list terms, so that a stream holds back
 * the start of a term of several words until the scan can see it whole.
 *
 * @param scanner the output scan of one text: sorted, non-overlapping findings that never lie
 *     inside one of the proxy's own tokens
 * @param listener told about every finding handled
 * @param denyTerms the deny-list terms the scanner finds (as configured; case does not matter)
 */
public record OutputCheck(
    Function<CharSequence, List<Finding>> scanner,
    OutputListener listener,
    List<String> denyTerms) {

  /** No output scan: answers pass as the model wrote them (tests of restoring alone). */
  public static final OutputCheck NONE = new OutputCheck(text -> List.of(), OutputListener.NONE);

  public OutputCheck {
    requireNonNull(scanner, "scanner");
    requireNonNull(listener, "listener");
    denyTerms = List.copyOf(requireNonNull(denyTerms, "denyTerms"));
  }

  /** A check with no deny-list terms. */
  public OutputCheck(Function<CharSequence, List<Finding>> scanner, OutputListener listener) {
    this(scanner, listener, List.of());
  }
}
