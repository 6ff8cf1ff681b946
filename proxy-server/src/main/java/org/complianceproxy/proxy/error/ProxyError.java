package org.complianceproxy.proxy.error;

/**
 * Every way a request can fail, once: the HTTP status, the OpenAI error {@code type} and {@code
 * code} the client sees, and the audit outcome (the same code). Messages never contain request
 * content.
 */
public enum ProxyError {
  INVALID_JSON(400, "invalid_request_error", "invalid_json"),
  INVALID_REQUEST(400, "invalid_request_error", "invalid_request"),
  MISSING_MESSAGES(400, "invalid_request_error", "missing_messages"),
  NOT_FOUND(404, "invalid_request_error", "unknown_url"),
  METHOD_NOT_ALLOWED(405, "invalid_request_error", "method_not_allowed"),
  BODY_TOO_LARGE(413, "invalid_request_error", "request_too_large"),
  UNSUPPORTED_MEDIA_TYPE(415, "invalid_request_error", "unsupported_media_type"),
  MISSING_API_KEY(401, "invalid_request_error", "missing_api_key"),
  INVALID_API_KEY(401, "invalid_request_error", "invalid_api_key"),
  BLOCKED_BY_POLICY(403, "policy_violation", "blocked_by_policy"),
  SIGNATURE_INVALID(403, "authentication_error", "invalid_signature"),
  REGION_NOT_ALLOWED(403, "policy_violation", "region_not_allowed"),
  SANITIZER_FAILED(500, "server_error", "sanitizer_failed"),
  VAULT_UNAVAILABLE(503, "server_error", "vault_unavailable"),
  AUDIT_UNAVAILABLE(503, "server_error", "audit_unavailable"),
  UPSTREAM_UNREACHABLE(502, "upstream_error", "upstream_unreachable"),
  UPSTREAM_ERROR(502, "upstream_error", "upstream_error"),
  UPSTREAM_BAD_RESPONSE(502, "upstream_error", "upstream_bad_response"),
  UPSTREAM_TIMEOUT(504, "upstream_error", "upstream_timeout"),
  UPSTREAM_THROTTLED(429, "rate_limit_error", "upstream_throttled"),
  UPSTREAM_REJECTED(400, "invalid_request_error", "upstream_rejected"),
  UPSTREAM_ACCESS_DENIED(403, "upstream_error", "upstream_access_denied"),
  MODEL_NOT_READY(503, "upstream_error", "model_not_ready"),
  INTERNAL(500, "server_error", "internal_error");

  private final int status;
  private final String type;
  private final String code;

  ProxyError(int status, String type, String code) {
    this.status = status;
    this.type = type;
    this.code = code;
  }

  public int status() {
    return status;
  }

  /** The OpenAI error {@code type}. */
  public String type() {
    return type;
  }

  /** The OpenAI error {@code code}, also the audit outcome. */
  public String code() {
    return code;
  }
}
