package org.complianceproxy.standin;

/**
 * An error as OpenAI reports it: an HTTP status and {@code
 * {"error":{"message","type","param","code"}}}. The factories reproduce the messages, types and
 * codes that OpenAI sends for the same situations, so that callers' error mapping is exercised with
 * realistic input.
 */
record OpenAiError(int status, String message, String type, String param, String code) {

  static OpenAiError missingApiKey() {
    return new OpenAiError(
        401,
        "You didn't provide an API key. You need to provide your API key in an Authorization"
            + " header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
        "invalid_request_error",
        null,
        null);
  }

  static OpenAiError invalidApiKey() {
    return new OpenAiError(
        401,
        "Incorrect API key provided. You can find your API key at"
            + " https://platform.openai.com/account/api-keys.",
        "invalid_request_error",
        null,
        "invalid_api_key");
  }

  static OpenAiError serverError() {
    return new OpenAiError(
        500,
        "The server had an error while processing your request. Sorry about that!",
        "server_error",
        null,
        null);
  }

  static OpenAiError rateLimited() {
    return new OpenAiError(
        429,
        "Rate limit reached for requests. Please try again later.",
        "requests",
        null,
        "rate_limit_exceeded");
  }

  static OpenAiError invalidUrl(String method, String path) {
    return new OpenAiError(
        404, "Invalid URL (" + method + " " + path + ")", "invalid_request_error", null, null);
  }

  static OpenAiError invalidJson() {
    return new OpenAiError(
        400,
        "We could not parse the JSON body of your request. (HINT: This likely means you aren't"
            + " using your HTTP library correctly. The OpenAI API expects a JSON payload.)",
        "invalid_request_error",
        null,
        null);
  }

  static OpenAiError missingParameter(String param) {
    return new OpenAiError(
        400,
        "Missing required parameter: '" + param + "'.",
        "invalid_request_error",
        param,
        "missing_required_parameter");
  }

  static OpenAiError malformedHttp() {
    return new OpenAiError(400, "Malformed HTTP request.", "invalid_request_error", null, null);
  }
}
