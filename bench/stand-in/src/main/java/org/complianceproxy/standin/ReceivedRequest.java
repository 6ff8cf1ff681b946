package org.complianceproxy.standin;

import static java.util.Objects.requireNonNull;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One request exactly as the stand-in received it, recorded before authentication or parsing, so
 * that tests can prove what an upstream would have seen.
 *
 * @param method HTTP method, e.g. {@code POST}
 * @param uri request target as sent, e.g. {@code /v1/chat/completions}
 * @param headers header names as sent (looked up case-insensitively) to all their values in order;
 *     as after aggregation, so a request sent with {@code Transfer-Encoding: chunked} or without a
 *     body shows the {@code content-length} of its aggregated body instead
 * @param body raw body decoded as UTF-8; empty when there was none
 */
public record ReceivedRequest(
    String method, String uri, Map<String, List<String>> headers, String body) {

  public ReceivedRequest {
    requireNonNull(method, "method");
    requireNonNull(uri, "uri");
    requireNonNull(headers, "headers");
    requireNonNull(body, "body");
    TreeMap<String, List<String>> copy = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    headers.forEach(
        (name, values) -> copy.merge(name, List.copyOf(values), ReceivedRequest::concat));
    headers = Collections.unmodifiableMap(copy);
  }

  /** The first value of a header, looked up case-insensitively. */
  public Optional<String> header(String name) {
    List<String> values = headers.get(requireNonNull(name, "name"));
    return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
  }

  private static List<String> concat(List<String> first, List<String> second) {
    var all = new java.util.ArrayList<String>(first);
    all.addAll(second);
    return List.copyOf(all);
  }
}
