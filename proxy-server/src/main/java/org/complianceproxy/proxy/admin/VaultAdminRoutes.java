package org.complianceproxy.proxy.admin;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.complianceproxy.proxy.error.ProxyError;
import org.complianceproxy.proxy.error.ProxyException;
import org.complianceproxy.proxy.vault.AdminCredentials;
import org.complianceproxy.proxy.vault.VaultOperations;

/**
 * The vault's admin API, for compliance officers, without Netty (a handler adapts it): every route
 * is {@code POST} with a JSON body and needs {@code Authorization: Bearer <admin key>}, a key from
 * {@code admin_keys} / {@code PROXY_ADMIN_KEYS}; client API keys are never accepted.
 *
 * <ul>
 *   <li>{@code POST /admin/vault/reveal} {@code {"tenant","reason","tokens":[...]}} -> {@code
 *       {"tenant","revealed":{token:value},"unknown":[token]}}: bulk re-identification, audited
 *       before anything is disclosed; a token of another tenant is unknown.
 *   <li>{@code POST /admin/vault/rotate} {@code {"tenant","reason"}} -> {@code
 *       {"tenant","version"}}
 *   <li>{@code POST /admin/vault/shred} {@code {"tenant","reason","confirm":tenant}} -> {@code
 *       {"tenant","entries_removed"}}: crypto-shredding; {@code confirm} must repeat the tenant.
 * </ul>
 *
 * Errors use the OpenAI shape {@code {"error":{"message","type","code"}}}. Responses carry clear
 * values, so the adapter must send them with {@code Cache-Control: no-store} ({@link
 * Response#headers()}) and must never log their bodies.
 */
public final class VaultAdminRoutes {

  /** Every path under this prefix belongs here. */
  public static final String PREFIX = "/admin/vault/";

  /** Largest request body, in bytes: 10,000 tokens of up to 27 characters fit easily. */
  public static final int MAX_BODY_BYTES = 1 << 20;

  private static final ObjectMapper JSON = new ObjectMapper();

  private final VaultOperations operations;
  private final AdminCredentials credentials;

  public VaultAdminRoutes(VaultOperations operations, AdminCredentials credentials) {
    this.operations = requireNonNull(operations, "operations");
    this.credentials = requireNonNull(credentials, "credentials");
  }

  /** An answer: status, headers and a JSON body. */
  public record Response(int status, Map<String, String> headers, byte[] body) {}

  /**
   * Handles one request; never blocks (store and KMS calls run on their own threads, and the future
   * completes there).
   *
   * @param authorization the {@code Authorization} header, or null
   */
  public CompletableFuture<Response> handle(
      String method, String path, String authorization, byte[] body) {
    try {
      String route = route(path);
      if (!List.of("reveal", "rotate", "shred").contains(route)) {
        return done(error(404, "invalid_request_error", "unknown_url", "unknown admin route"));
      }
      if (!"POST".equals(method)) {
        return done(error(405, "invalid_request_error", "method_not_allowed", "expected POST"));
      }
      Optional<String> actor = authenticate(authorization);
      if (actor.isEmpty()) {
        return deniedAndRecorded(
            route,
            authorization,
            credentials.isEmpty()
                ? error(
                    403,
                    "invalid_request_error",
                    "admin_disabled",
                    "no admin keys are configured (admin_keys or PROXY_ADMIN_KEYS)")
                : error(
                    401,
                    "invalid_request_error",
                    "invalid_admin_key",
                    "expected Authorization: Bearer <admin key>"));
      }
      if (body == null || body.length > MAX_BODY_BYTES) {
        return done(
            error(
                413,
                "invalid_request_error",
                "request_too_large",
                "body: expected at most " + MAX_BODY_BYTES + " bytes"));
      }
      JsonNode request = parse(body);
      String tenant = text(request, "tenant");
      String reason = text(request, "reason");
      return switch (route) {
        case "reveal" -> reveal(actor.get(), tenant, reason, request);
        case "rotate" ->
            operations
                .rotate(actor.get(), tenant, reason)
                .thenApply(
                    version ->
                        ok(JSON.createObjectNode().put("tenant", tenant).put("version", version)))
                .exceptionally(VaultAdminRoutes::failure);
        case "shred" -> {
          if (!tenant.equals(text(request, "confirm"))) {
            throw new ProxyException(
                ProxyError.INVALID_REQUEST, "confirm: expected the tenant id once more");
          }
          yield operations
              .shred(actor.get(), tenant, reason)
              .thenApply(
                  removed ->
                      ok(
                          JSON.createObjectNode()
                              .put("tenant", tenant)
                              .put("entries_removed", removed)))
              .exceptionally(VaultAdminRoutes::failure);
        }
        default -> done(error(404, "invalid_request_error", "unknown_url", "unknown admin route"));
      };
    } catch (ProxyException e) {
      return done(failure(e));
    }
  }

  private CompletableFuture<Response> reveal(
      String actor, String tenant, String reason, JsonNode request) {
    JsonNode tokensNode = request.get("tokens");
    if (!(tokensNode instanceof ArrayNode array)) {
      throw new ProxyException(ProxyError.INVALID_REQUEST, "tokens: expected an array of tokens");
    }
    List<String> tokens = new ArrayList<>(array.size());
    for (int i = 0; i < array.size(); i++) {
      if (!array.get(i).isTextual()) {
        throw new ProxyException(
            ProxyError.INVALID_REQUEST, "tokens[" + i + "]: expected a string");
      }
      tokens.add(array.get(i).textValue());
    }
    return operations
        .reveal(actor, tenant, tokens, reason)
        .thenApply(
            revealed -> {
              ObjectNode out = JSON.createObjectNode().put("tenant", tenant);
              ObjectNode values = out.putObject("revealed");
              revealed.forEach(values::put);
              ArrayNode unknown = out.putArray("unknown");
              tokens.stream()
                  .distinct()
                  .filter(t -> !revealed.containsKey(t))
                  .forEach(unknown::add);
              return ok(out);
            })
        .exceptionally(VaultAdminRoutes::failure);
  }

  /**
   * {@code refusal}, once the attempt is in the vault's audit record; the caller is refused even
   * when the record cannot be written (the failure is the audit sink's to report).
   */
  private CompletableFuture<Response> deniedAndRecorded(
      String route, String authorization, Response refusal) {
    return operations
        .denied(AdminCredentials.actorOf(presentedKey(authorization)), route)
        .handle((recorded, error) -> refusal);
  }

  private Optional<String> authenticate(String authorization) {
    return credentials.verify(presentedKey(authorization));
  }

  // The bearer credential of an Authorization header, or null.
  private static String presentedKey(String authorization) {
    if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    return authorization.substring(7).trim();
  }

  private static String route(String path) {
    if (path == null || !path.startsWith(PREFIX)) {
      throw new ProxyException(ProxyError.NOT_FOUND, "unknown admin route");
    }
    String rest = path.substring(PREFIX.length());
    int query = rest.indexOf('?');
    return query >= 0 ? rest.substring(0, query) : rest;
  }

  private static JsonNode parse(byte[] body) {
    JsonNode node;
    try {
      node = JSON.readTree(body);
    } catch (IOException e) {
      throw new ProxyException(ProxyError.INVALID_JSON, "body: expected a JSON object");
    }
    if (node == null || !node.isObject()) {
      throw new ProxyException(ProxyError.INVALID_JSON, "body: expected a JSON object");
    }
    return node;
  }

  private static String text(JsonNode request, String field) {
    JsonNode node = request.get(field);
    if (node == null || !node.isTextual()) {
      throw new ProxyException(ProxyError.INVALID_REQUEST, field + ": expected a string");
    }
    return node.textValue();
  }

  private static CompletableFuture<Response> done(Response response) {
    return CompletableFuture.completedFuture(response);
  }

  private static Response ok(ObjectNode body) {
    return json(200, body);
  }

  private static Response failure(Throwable error) {
    Throwable cause =
        error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    if (cause instanceof ProxyException proxy) {
      ProxyError e = proxy.error();
      return error(e.status(), e.type(), e.code(), proxy.getMessage());
    }
    return error(500, "server_error", "internal_error", "vault operation failed");
  }

  private static Response error(int status, String type, String code, String message) {
    ObjectNode body = JSON.createObjectNode();
    ObjectNode error = body.putObject("error");
    error.put("message", message);
    error.put("type", type);
    error.put("code", code);
    return json(status, body);
  }

  private static Response json(int status, ObjectNode body) {
    try {
      return new Response(
          status,
          Map.of("content-type", "application/json", "cache-control", "no-store"),
          JSON.writeValueAsBytes(body));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
