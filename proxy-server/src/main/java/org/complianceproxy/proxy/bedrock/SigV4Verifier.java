package org.complianceproxy.proxy.bedrock;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.complianceproxy.proxy.config.ProxyConfig.AwsKey;
import org.complianceproxy.proxy.error.ProxyError;
import org.complianceproxy.proxy.error.ProxyException;

/**
 * Verifies AWS Signature Version 4 on requests to the native Bedrock front door, signed with
 * proxy-issued access-key pairs: the signature over the canonical request (method, path, query, the
 * signed headers and the SHA-256 of the body actually received), the credential scope, and the
 * clock skew of {@code x-amz-date}. The path is canonicalized as AWS SDKs do for every service but
 * S3: the path as sent (already percent-encoded once) is percent-encoded again.
 *
 * <p>Every refusal is {@link ProxyError#SIGNATURE_INVALID} with a message that says what was wrong
 * in general terms only; it never tells whether an access key exists. Thread-safe.
 */
public final class SigV4Verifier {

  static final String ALGORITHM = "AWS4-HMAC-SHA256";
  static final String SERVICE = "bedrock";
  static final Duration MAX_SKEW = Duration.ofMinutes(5);
  private static final DateTimeFormatter AMZ_DATE =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
  private static final HexFormat HEX = HexFormat.of();

  // access key id -> key pair
  private final Map<String, AwsKey> keys = new HashMap<>();
  private final Clock clock;

  public SigV4Verifier(List<AwsKey> keys, Clock clock) {
    for (AwsKey key : keys) {
      this.keys.put(key.accessKeyId(), key);
    }
    this.clock = requireNonNull(clock, "clock");
  }

  public boolean isEmpty() {
    return keys.isEmpty();
  }

  /**
   * A request as received.
   *
   * @param rawPath the path as sent, still percent-encoded
   * @param rawQuery the query as sent, without {@code ?}, or empty
   * @param headers lower-case names to their values in order
   */
  public record SignedRequest(
      String method,
      String rawPath,
      String rawQuery,
      Map<String, List<String>> headers,
      byte[] body) {}

  /** The tenant whose key signed the request; throws {@link ProxyException} otherwise. */
  public String verify(SignedRequest request) {
    String authorization = first(request.headers(), "authorization");
    if (authorization == null || !authorization.startsWith(ALGORITHM + " ")) {
      throw refused("Missing AWS Signature Version 4 authorization.");
    }
    Map<String, String> parts = authorizationParts(authorization.substring(ALGORITHM.length() + 1));
    String credential = parts.get("Credential");
    String signedHeaders = parts.get("SignedHeaders");
    String signature = parts.get("Signature");
    if (credential == null || signedHeaders == null || signature == null) {
      throw refused("Malformed AWS Signature Version 4 authorization.");
    }
    String[] scope = credential.split("/", -1);
    if (scope.length != 5 || !SERVICE.equals(scope[3]) || !"aws4_request".equals(scope[4])) {
      throw refused("The credential scope is not valid for this service.");
    }
    String amzDate = first(request.headers(), "x-amz-date");
    Instant signedAt;
    try {
      signedAt = amzDate == null ? null : Instant.from(AMZ_DATE.parse(amzDate));
    } catch (DateTimeParseException e) {
      signedAt = null;
    }
    if (signedAt == null || !amzDate.startsWith(scope[1])) {
      throw refused("Missing or invalid x-amz-date.");
    }
    Duration skew = Duration.between(signedAt, clock.instant()).abs();
    if (skew.compareTo(MAX_SKEW) > 0) {
      throw refused("Signature expired: the request time is too far from the server time.");
    }
    List<String> signedNames = List.of(signedHeaders.split(";", -1));
    if (!signedNames.contains("host") || !signedNames.contains("x-amz-date")) {
      throw refused("The signature must cover the host and x-amz-date headers.");
    }
    String bodyHash = HEX.formatHex(sha256(request.body()));
    String claimedHash = first(request.headers(), "x-amz-content-sha256");
    if (claimedHash != null && !claimedHash.equalsIgnoreCase(bodyHash)) {
      throw refused("The body does not match x-amz-content-sha256.");
    }
    AwsKey key = keys.get(scope[0]);
    // An unknown key id is checked against a throwaway secret, so timing tells nothing either.
    String secret = key == null ? "unknown-key" : key.secret();
    String canonical = canonicalRequest(request, signedNames, bodyHash);
    String stringToSign =
        ALGORITHM
            + "\n"
            + amzDate
            + "\n"
            + String.join("/", scope[1], scope[2], scope[3], scope[4])
            + "\n"
            + HEX.formatHex(sha256(canonical.getBytes(UTF_8)));
    byte[] signingKey = hmac(("AWS4" + secret).getBytes(UTF_8), scope[1]);
    signingKey = hmac(signingKey, scope[2]);
    signingKey = hmac(signingKey, scope[3]);
    signingKey = hmac(signingKey, "aws4_request");
    byte[] expected = hmac(signingKey, stringToSign);
    byte[] given;
    try {
      given = HEX.parseHex(signature.toLowerCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      given = new byte[0];
    }
    if (!MessageDigest.isEqual(expected, given) || key == null) {
      throw refused("The request signature does not match.");
    }
    return key.tenant();
  }

  static String canonicalRequest(SignedRequest request, List<String> signedNames, String bodyHash) {
    StringBuilder out = new StringBuilder(512);
    out.append(request.method()).append('\n');
    out.append(canonicalPath(request.rawPath())).append('\n');
    out.append(canonicalQuery(request.rawQuery())).append('\n');
    for (String name : signedNames) {
      List<String> values = request.headers().get(name);
      if (values == null) {
        throw refused("A signed header is missing from the request.");
      }
      out.append(name).append(':');
      for (int i = 0; i < values.size(); i++) {
        if (i > 0) {
          out.append(',');
        }
        out.append(values.get(i).trim().replaceAll(" +", " "));
      }
      out.append('\n');
    }
    out.append('\n').append(String.join(";", signedNames)).append('\n').append(bodyHash);
    return out.toString();
  }

  /** The path as sent, encoded once more, slashes kept; {@code /} when empty. */
  static String canonicalPath(String rawPath) {
    if (rawPath.isEmpty()) {
      return "/";
    }
    List<String> segments = new ArrayList<>();
    for (String segment : rawPath.split("/", -1)) {
      segments.add(uriEncode(segment));
    }
    return String.join("/", segments);
  }

  static String canonicalQuery(String rawQuery) {
    if (rawQuery == null || rawQuery.isEmpty()) {
      return "";
    }
    List<String[]> params = new ArrayList<>();
    for (String pair : rawQuery.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String name = eq < 0 ? pair : pair.substring(0, eq);
      String value = eq < 0 ? "" : pair.substring(eq + 1);
      params.add(new String[] {uriEncode(decode(name)), uriEncode(decode(value))});
    }
    params.sort((a, b) -> a[0].equals(b[0]) ? a[1].compareTo(b[1]) : a[0].compareTo(b[0]));
    StringBuilder out = new StringBuilder();
    for (String[] param : params) {
      if (out.length() > 0) {
        out.append('&');
      }
      out.append(param[0]).append('=').append(param[1]);
    }
    return out.toString();
  }

  /** RFC 3986 percent-encoding of everything but unreserved characters, upper-case hex. */
  static String uriEncode(String text) {
    StringBuilder out = new StringBuilder(text.length() + 8);
    for (byte b : text.getBytes(UTF_8)) {
      char c = (char) (b & 0xff);
      if ((c >= 'A' && c <= 'Z')
          || (c >= 'a' && c <= 'z')
          || (c >= '0' && c <= '9')
          || c == '-'
          || c == '_'
          || c == '.'
          || c == '~') {
        out.append(c);
      } else {
        out.append('%').append(Character.toUpperCase(Character.forDigit((b >> 4) & 0xf, 16)));
        out.append(Character.toUpperCase(Character.forDigit(b & 0xf, 16)));
      }
    }
    return out.toString();
  }

  private static String decode(String text) {
    return java.net.URLDecoder.decode(text.replace("+", "%2B"), UTF_8);
  }

  private static Map<String, String> authorizationParts(String text) {
    Map<String, String> parts = new HashMap<>();
    for (String part : text.split(",")) {
      String trimmed = part.trim();
      int eq = trimmed.indexOf('=');
      if (eq > 0) {
        parts.put(trimmed.substring(0, eq), trimmed.substring(eq + 1));
      }
    }
    return parts;
  }

  private static String first(Map<String, List<String>> headers, String name) {
    List<String> values = headers.get(name);
    return values == null || values.isEmpty() ? null : values.get(0);
  }

  private static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is unavailable", e);
    }
  }

  private static byte[] hmac(byte[] key, String data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(data.getBytes(UTF_8));
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 is unavailable", e);
    }
  }

  private static ProxyException refused(String message) {
    return new ProxyException(ProxyError.SIGNATURE_INVALID, message);
  }
}
