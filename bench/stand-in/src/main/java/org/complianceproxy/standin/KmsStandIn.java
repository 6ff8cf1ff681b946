package org.complianceproxy.standin;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * A local stand-in for AWS KMS that speaks its wire protocol, AWS JSON 1.1: {@code POST /} with
 * {@code X-Amz-Target: TrentService.GenerateDataKey|Encrypt|Decrypt} and {@code Content-Type:
 * application/x-amz-json-1.1}; errors as {@code {"__type","message"}} with status 400 (client
 * faults) or 500/503 (service faults), as the AWS SDK expects. The real {@code KmsClient} and
 * {@code KmsAsyncClient} talk to it through {@code endpointOverride}; it does not check SigV4
 * signatures beyond requiring an {@code Authorization} header.
 *
 * <p>Ciphertext blobs are AES-GCM under a random key held by this stand-in, with the key id and the
 * encryption context as associated data, so a blob decrypts only with the context it was made with
 * (real KMS answers {@code InvalidCiphertextException} otherwise; so does this one). Calls are
 * counted per operation and per encryption-context value, so tests can prove how often a client
 * called; {@link #failWith(Failure)} makes every later call fail until {@link Failure#NONE}.
 *
 * <p>Listens on 127.0.0.1 only.
 */
public final class KmsStandIn implements AutoCloseable {

  /** What every call answers while set. */
  public enum Failure {
    /** Answer normally. */
    NONE,
    /** 400 {@code AccessDeniedException}, as for a key policy that denies the caller. */
    ACCESS_DENIED,
    /** 400 {@code DisabledException}, as for a disabled key. */
    KEY_DISABLED,
    /** 503 {@code KMSInternalException}-like unavailability (the SDK retries, then gives up). */
    UNAVAILABLE
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TARGET_PREFIX = "TrentService.";
  private static final String REGION = "us-east-1";
  private static final String ACCOUNT = "111122223333";
  private static final int NONCE_BYTES = 12;

  private final HttpServer server;
  private final ExecutorService executor;
  // wraps every ciphertext blob; never leaves this process
  private final SecretKey rootKey;
  private final SecureRandom random = new SecureRandom();
  // calls by operation name, failed ones included
  private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
  // calls by "Operation|contextKey=value" for every pair of the request's encryption context
  private final Map<String, AtomicInteger> callsByContext = new ConcurrentHashMap<>();
  private final AtomicReference<Failure> failure = new AtomicReference<>(Failure.NONE);

  private KmsStandIn(HttpServer server, ExecutorService executor, SecretKey rootKey) {
    this.server = server;
    this.executor = executor;
    this.rootKey = rootKey;
  }

  /** Binds 127.0.0.1:{@code port} (0: any free port) and starts serving. */
  public static KmsStandIn start(int port) {
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    HttpServer server;
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
    } catch (IOException e) {
      throw new UncheckedIOException("port: " + port + " (cannot bind 127.0.0.1)", e);
    }
    ExecutorService executor =
        Executors.newFixedThreadPool(
            4,
            r -> {
              Thread thread = new Thread(r, "kms-stand-in");
              thread.setDaemon(true);
              return thread;
            });
    KmsStandIn kms = new KmsStandIn(server, executor, new SecretKeySpec(key, "AES"));
    server.createContext("/", kms::handle);
    server.setExecutor(executor);
    server.start();
    return kms;
  }

  /**
   * {@code java -cp stand-in.jar org.complianceproxy.standin.KmsStandIn [PORT]}: serves until
   * killed, for demos ({@code KMS_ENDPOINT=http://127.0.0.1:PORT}); default port 4599.
   */
  public static void main(String[] args) throws InterruptedException {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 4599;
    KmsStandIn kms = start(port);
    System.out.println("KMS stand-in listening on " + kms.endpoint());
    Thread.currentThread().join();
  }

  /** {@code http://127.0.0.1:PORT}, what {@code endpointOverride} takes. */
  public String endpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** The ARN this stand-in reports for {@code keyId}. */
  public static String arnOf(String keyId) {
    return keyId.startsWith("arn:") ? keyId : "arn:aws:kms:" + REGION + ":" + ACCOUNT + ":" + keyId;
  }

  /** Makes every later call fail this way ({@link Failure#NONE}: answer normally again). */
  public void failWith(Failure mode) {
    failure.set(mode);
  }

  /** Calls of {@code operation} (e.g. {@code GenerateDataKey}) so far, failed ones included. */
  public int calls(String operation) {
    AtomicInteger count = calls.get(operation);
    return count == null ? 0 : count.get();
  }

  /**
   * Calls of {@code operation} whose encryption context held {@code key=value}, failed ones
   * included.
   */
  public int calls(String operation, String contextKey, String contextValue) {
    AtomicInteger count = callsByContext.get(operation + "|" + contextKey + "=" + contextValue);
    return count == null ? 0 : count.get();
  }

  /** Forgets the counts. */
  public void resetCounts() {
    calls.clear();
    callsByContext.clear();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body;
      try (InputStream in = exchange.getRequestBody()) {
        body = in.readAllBytes();
      }
      String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
      if (!"POST".equals(exchange.getRequestMethod())
          || target == null
          || !target.startsWith(TARGET_PREFIX)) {
        error(exchange, 400, "UnknownOperationException", null);
        return;
      }
      String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
      if (contentType == null || !contentType.startsWith("application/x-amz-json-1.1")) {
        error(exchange, 400, "SerializationException", "expected application/x-amz-json-1.1");
        return;
      }
      if (exchange.getRequestHeaders().getFirst("Authorization") == null) {
        error(exchange, 400, "MissingAuthenticationTokenException", "request is not signed");
        return;
      }
      String operation = target.substring(TARGET_PREFIX.length());
      JsonNode request;
      try {
        request = JSON.readTree(body);
      } catch (IOException e) {
        error(exchange, 400, "SerializationException", "body is not JSON");
        return;
      }
      if (request == null || !request.isObject()) {
        error(exchange, 400, "SerializationException", "body is not a JSON object");
        return;
      }
      Map<String, String> context = context(request.path("EncryptionContext"));
      count(operation, context);
      switch (failure.get()) {
        case ACCESS_DENIED -> {
          error(
              exchange,
              400,
              "AccessDeniedException",
              "User is not authorized to perform: kms:" + operation);
          return;
        }
        case KEY_DISABLED -> {
          error(exchange, 400, "DisabledException", "key is disabled");
          return;
        }
        case UNAVAILABLE -> {
          error(exchange, 503, "KMSInternalException", "service unavailable");
          return;
        }
        case NONE -> {}
      }
      switch (operation) {
        case "GenerateDataKey" -> generateDataKey(exchange, request, context);
        case "Encrypt" -> encrypt(exchange, request, context);
        case "Decrypt" -> decrypt(exchange, request, context);
        default -> error(exchange, 400, "UnknownOperationException", null);
      }
    } catch (RuntimeException e) {
      error(exchange, 500, "KMSInternalException", "stand-in failed: " + e.getClass().getName());
    }
  }

  private void generateDataKey(HttpExchange exchange, JsonNode request, Map<String, String> context)
      throws IOException {
    String keyId = request.path("KeyId").asText("");
    if (keyId.isEmpty()) {
      error(exchange, 400, "ValidationException", "KeyId is required");
      return;
    }
    int bytes;
    String spec = request.path("KeySpec").asText("");
    if (spec.equals("AES_256")) {
      bytes = 32;
    } else if (spec.equals("AES_128")) {
      bytes = 16;
    } else if (spec.isEmpty() && request.path("NumberOfBytes").isInt()) {
      bytes = request.path("NumberOfBytes").intValue();
      if (bytes < 1 || bytes > 1024) {
        error(exchange, 400, "ValidationException", "NumberOfBytes out of range");
        return;
      }
    } else {
      error(exchange, 400, "ValidationException", "KeySpec or NumberOfBytes is required");
      return;
    }
    byte[] plaintext = new byte[bytes];
    random.nextBytes(plaintext);
    ObjectNode response = JSON.createObjectNode();
    response.put("KeyId", arnOf(keyId));
    response.put("Plaintext", Base64.getEncoder().encodeToString(plaintext));
    response.put(
        "CiphertextBlob",
        Base64.getEncoder().encodeToString(wrap(arnOf(keyId), plaintext, context)));
    ok(exchange, response);
  }

  private void encrypt(HttpExchange exchange, JsonNode request, Map<String, String> context)
      throws IOException {
    String keyId = request.path("KeyId").asText("");
    byte[] plaintext = base64(request.path("Plaintext"));
    if (keyId.isEmpty() || plaintext == null || plaintext.length == 0) {
      error(exchange, 400, "ValidationException", "KeyId and Plaintext are required");
      return;
    }
    ObjectNode response = JSON.createObjectNode();
    response.put("KeyId", arnOf(keyId));
    response.put(
        "CiphertextBlob",
        Base64.getEncoder().encodeToString(wrap(arnOf(keyId), plaintext, context)));
    response.put("EncryptionAlgorithm", "SYMMETRIC_DEFAULT");
    ok(exchange, response);
  }

  private void decrypt(HttpExchange exchange, JsonNode request, Map<String, String> context)
      throws IOException {
    byte[] blob = base64(request.path("CiphertextBlob"));
    if (blob == null || blob.length < 2 + NONCE_BYTES) {
      error(exchange, 400, "InvalidCiphertextException", null);
      return;
    }
    ByteBuffer in = ByteBuffer.wrap(blob);
    byte[] arn = new byte[Short.toUnsignedInt(in.getShort())];
    if (arn.length > in.remaining() - NONCE_BYTES) {
      error(exchange, 400, "InvalidCiphertextException", null);
      return;
    }
    in.get(arn);
    String keyArn = new String(arn, UTF_8);
    String requestedKey = request.path("KeyId").asText("");
    if (!requestedKey.isEmpty() && !arnOf(requestedKey).equals(keyArn)) {
      error(exchange, 400, "IncorrectKeyException", null);
      return;
    }
    byte[] nonce = new byte[NONCE_BYTES];
    in.get(nonce);
    byte[] sealed = new byte[in.remaining()];
    in.get(sealed);
    byte[] plaintext;
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.DECRYPT_MODE, rootKey, new GCMParameterSpec(128, nonce));
      cipher.updateAAD(associatedData(keyArn, context));
      plaintext = cipher.doFinal(sealed);
    } catch (GeneralSecurityException e) {
      error(exchange, 400, "InvalidCiphertextException", null);
      return;
    }
    ObjectNode response = JSON.createObjectNode();
    response.put("KeyId", keyArn);
    response.put("Plaintext", Base64.getEncoder().encodeToString(plaintext));
    response.put("EncryptionAlgorithm", "SYMMETRIC_DEFAULT");
    ok(exchange, response);
  }

  // blob = arnLength:u16 arn nonce:12 AES-GCM(root key, plaintext, aad = arn + sorted context)
  private byte[] wrap(String keyArn, byte[] plaintext, Map<String, String> context) {
    byte[] nonce = new byte[NONCE_BYTES];
    random.nextBytes(nonce);
    byte[] sealed;
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.ENCRYPT_MODE, rootKey, new GCMParameterSpec(128, nonce));
      cipher.updateAAD(associatedData(keyArn, context));
      sealed = cipher.doFinal(plaintext);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES/GCM is unavailable", e);
    }
    byte[] arn = keyArn.getBytes(UTF_8);
    return ByteBuffer.allocate(2 + arn.length + NONCE_BYTES + sealed.length)
        .putShort((short) arn.length)
        .put(arn)
        .put(nonce)
        .put(sealed)
        .array();
  }

  private static byte[] associatedData(String keyArn, Map<String, String> context) {
    StringBuilder aad = new StringBuilder(keyArn);
    for (Map.Entry<String, String> entry : context.entrySet()) {
      aad.append('\0').append(entry.getKey()).append('\0').append(entry.getValue());
    }
    return aad.toString().getBytes(UTF_8);
  }

  private static Map<String, String> context(JsonNode node) {
    Map<String, String> context = new TreeMap<>();
    if (node.isObject()) {
      node.fields().forEachRemaining(e -> context.put(e.getKey(), e.getValue().asText()));
    }
    return context;
  }

  private void count(String operation, Map<String, String> context) {
    calls.computeIfAbsent(operation, k -> new AtomicInteger()).incrementAndGet();
    for (Map.Entry<String, String> entry : context.entrySet()) {
      callsByContext
          .computeIfAbsent(
              operation + "|" + entry.getKey() + "=" + entry.getValue(), k -> new AtomicInteger())
          .incrementAndGet();
    }
  }

  private static byte[] base64(JsonNode node) {
    if (!node.isTextual()) {
      return null;
    }
    try {
      return Base64.getDecoder().decode(node.textValue());
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static void ok(HttpExchange exchange, ObjectNode response) throws IOException {
    send(exchange, 200, JSON.writeValueAsBytes(response), null);
  }

  private static void error(HttpExchange exchange, int status, String type, String message)
      throws IOException {
    ObjectNode body = JSON.createObjectNode();
    body.put("__type", type);
    if (message != null) {
      body.put("message", message);
    }
    send(exchange, status, JSON.writeValueAsBytes(body), type);
  }

  private static void send(HttpExchange exchange, int status, byte[] body, String errorType)
      throws IOException {
    exchange.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.1");
    exchange.getResponseHeaders().set("x-amzn-RequestId", Long.toHexString(System.nanoTime()));
    if (errorType != null) {
      exchange.getResponseHeaders().set("x-amzn-ErrorType", errorType);
    }
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }
}
