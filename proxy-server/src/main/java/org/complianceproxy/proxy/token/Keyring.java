package org.complianceproxy.proxy.token;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded key provider, used when no KMS key is configured: a master key in {@code
 * <dataDir>/keyring.json}, created on first run with owner-only permissions, from which every
 * tenant's keys are derived with HKDF-SHA256. The file keeps a list of versioned master keys so
 * that a rotation can add a version while the vault still reads entries sealed under older ones.
 *
 * <p>File format: {@code {"format":1,"current_version":1,"keys":[{"version":1,"created_at":"...",
 * "master_key":"<base64 of 32 bytes>"}]}}.
 */
public final class Keyring implements KeyProvider {

  static final String FILE_NAME = "keyring.json";

  private static final Logger log = LoggerFactory.getLogger(Keyring.class);

  private static final int FORMAT = 1;
  private static final int MASTER_KEY_BYTES = 32;
  private static final int DERIVED_KEY_BYTES = 32;
  // A fixed, public salt: it only separates this use of the master key from any other (RFC 5869
  // 3.1).
  private static final byte[] HKDF_SALT = "complianceproxy/keyring/v1".getBytes(UTF_8);
  static final String TOKEN_MAC_INFO = "token-mac/v1";
  static final String FINGERPRINT_INFO = "fingerprint/v1";
  static final String VAULT_AEAD_INFO = "vault-aead/v1";

  private static final Set<PosixFilePermission> OWNER_READ_WRITE =
      EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
  private static final Set<PosixFilePermission> OWNER_ONLY_DIRECTORY =
      EnumSet.of(
          PosixFilePermission.OWNER_READ,
          PosixFilePermission.OWNER_WRITE,
          PosixFilePermission.OWNER_EXECUTE);

  private static final ObjectMapper JSON = new ObjectMapper();

  // master key bytes by version; never leaves this class
  private final Map<Integer, byte[]> masterKeys;
  // the version new tokens and vault entries use
  private final int currentVersion;
  // the file the keys came from, for messages
  private final Path file;
  // derived keys, by tenant and version; derivation is cheap but not free, and tenants are few
  private final ConcurrentMap<TenantVersion, TenantKeys> cache = new ConcurrentHashMap<>();

  private record TenantVersion(String tenant, int version) {}

  private Keyring(Path file, Map<Integer, byte[]> masterKeys, int currentVersion) {
    this.file = file;
    this.masterKeys = Map.copyOf(masterKeys);
    this.currentVersion = currentVersion;
  }

  /**
   * Loads {@code <dataDir>/keyring.json}, or creates it with a fresh random master key (version 1)
   * when it does not exist; the directory is created too, owner-only. When several processes start
   * on the same directory at once, exactly one key wins and all of them load it.
   *
   * @throws IOException when the file cannot be read or written, or is not a valid keyring
   */
  public static Keyring openOrCreate(Path dataDir) throws IOException {
    requireNonNull(dataDir, "dataDir");
    Path file = dataDir.resolve(FILE_NAME);
    if (!Files.exists(file)) {
      createDirectories(dataDir);
      create(file);
    }
    return load(file);
  }

  /** The version that {@link #forTenant(String)} derives from. */
  public int currentVersion() {
    return currentVersion;
  }

  @Override
  public TenantKeys forTenant(String tenant) {
    return forTenant(tenant, currentVersion);
  }

  @Override
  public TenantKeys forTenant(String tenant, int version) {
    requireNonNull(tenant, "tenant");
    if (tenant.isEmpty()) {
      throw new IllegalArgumentException("tenant: \"\" (expected: a non-empty tenant id)");
    }
    return cache.computeIfAbsent(new TenantVersion(tenant, version), this::derive);
  }

  private TenantKeys derive(TenantVersion key) {
    byte[] master = masterKeys.get(key.version());
    if (master == null) {
      throw new IllegalArgumentException(
          "version: "
              + key.version()
              + " (expected: one of "
              + masterKeys.keySet()
              + " in "
              + file
              + ")");
    }
    byte[] pseudorandomKey = Hkdf.extract(HKDF_SALT, master);
    return new TenantKeys(
        key.tenant(),
        key.version(),
        new SecretKeySpec(expand(pseudorandomKey, TOKEN_MAC_INFO, key.tenant()), "HmacSHA256"),
        new SecretKeySpec(expand(pseudorandomKey, FINGERPRINT_INFO, key.tenant()), "HmacSHA256"),
        new SecretKeySpec(expand(pseudorandomKey, VAULT_AEAD_INFO, key.tenant()), "AES"));
  }

  // info = purpose 0x00 tenant: purposes never contain 0x00, so no two (purpose, tenant) pairs
  // collide
  private static byte[] expand(byte[] pseudorandomKey, String purpose, String tenant) {
    byte[] purposeBytes = purpose.getBytes(UTF_8);
    byte[] tenantBytes = tenant.getBytes(UTF_8);
    byte[] info = new byte[purposeBytes.length + 1 + tenantBytes.length];
    System.arraycopy(purposeBytes, 0, info, 0, purposeBytes.length);
    System.arraycopy(tenantBytes, 0, info, purposeBytes.length + 1, tenantBytes.length);
    return Hkdf.expand(pseudorandomKey, info, DERIVED_KEY_BYTES);
  }

  private static void createDirectories(Path dir) throws IOException {
    if (supportsPosix(dir)) {
      Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIRECTORY));
    } else {
      Files.createDirectories(dir);
    }
  }

  /**
   * Writes a new keyring next to its final name, flushes it, then links it into place. A link fails
   * when the name exists, so a concurrent first start never replaces a key another process may
   * already have used. The file is created owner-only, so the key is never readable by others, not
   * even for an instant.
   */
  private static void create(Path file) throws IOException {
    byte[] masterKey = new byte[MASTER_KEY_BYTES];
    new SecureRandom().nextBytes(masterKey);
    ObjectNode root = JSON.createObjectNode();
    root.put("format", FORMAT);
    root.put("current_version", 1);
    ObjectNode key = root.putArray("keys").addObject();
    key.put("version", 1);
    key.put("created_at", Instant.now().toString());
    key.put("master_key", Base64.getEncoder().encodeToString(masterKey));
    byte[] content = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);

    Path dir = file.toAbsolutePath().getParent();
    Path temp = dir.resolve("." + FILE_NAME + "." + Long.toHexString(System.nanoTime()) + ".tmp");
    FileAttribute<?>[] attributes =
        supportsPosix(dir)
            ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_READ_WRITE)}
            : new FileAttribute<?>[0];
    try {
      try (FileChannel channel =
          FileChannel.open(
              temp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), attributes)) {
        ByteBuffer buffer = ByteBuffer.wrap(content);
        while (buffer.hasRemaining()) {
          channel.write(buffer);
        }
        channel.force(true);
      }
      try {
        Files.createLink(file, temp);
      } catch (FileAlreadyExistsException lostTheRace) {
        return;
      } catch (UnsupportedOperationException | IOException noHardLinks) {
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
      }
      syncDirectory(dir);
      log.info("Created keyring {} (version 1)", file);
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  // Makes the new directory entry durable; not every platform can open a directory, which is fine.
  private static void syncDirectory(Path dir) {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException | UnsupportedOperationException ignored) {
      // best effort: the file content itself was already forced
    }
  }

  private static Keyring load(Path file) throws IOException {
    JsonNode root;
    try {
      root = JSON.readTree(file.toFile());
    } catch (NoSuchFileException e) {
      throw e;
    } catch (IOException e) {
      throw invalid(file, "not valid JSON");
    }
    if (root == null || !root.isObject()) {
      throw invalid(file, "expected a JSON object");
    }
    JsonNode format = root.path("format");
    if (!format.isInt() || format.intValue() != FORMAT) {
      throw invalid(file, "format: " + format + " (expected: " + FORMAT + ")");
    }
    JsonNode keys = root.path("keys");
    if (!(keys instanceof ArrayNode) || keys.isEmpty()) {
      throw invalid(file, "keys: expected a non-empty array");
    }
    Map<Integer, byte[]> masterKeys = new HashMap<>();
    for (JsonNode key : keys) {
      JsonNode version = key.path("version");
      if (!version.isInt() || version.intValue() < 1) {
        throw invalid(file, "keys[].version: " + version + " (expected: an integer >= 1)");
      }
      byte[] bytes;
      try {
        bytes = Base64.getDecoder().decode(key.path("master_key").asText(""));
      } catch (IllegalArgumentException e) {
        throw invalid(file, "master_key of version " + version + " is not base64");
      }
      if (bytes.length != MASTER_KEY_BYTES) {
        throw invalid(
            file,
            "master_key of version "
                + version
                + " is "
                + bytes.length
                + " bytes (expected: "
                + MASTER_KEY_BYTES
                + ")");
      }
      if (masterKeys.put(version.intValue(), bytes) != null) {
        throw invalid(file, "version " + version + " appears twice");
      }
    }
    JsonNode current = root.path("current_version");
    if (!current.isInt() || !masterKeys.containsKey(current.intValue())) {
      throw invalid(
          file, "current_version: " + current + " (expected: one of " + masterKeys.keySet() + ")");
    }
    warnIfReadableByOthers(file);
    return new Keyring(file, masterKeys, current.intValue());
  }

  private static void warnIfReadableByOthers(Path file) throws IOException {
    if (!supportsPosix(file)) {
      return;
    }
    Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
    if (!OWNER_READ_WRITE.containsAll(permissions)) {
      log.warn(
          "Keyring {} has permissions {} (expected: rw-------); anyone who can read it can read"
              + " the vault",
          file,
          PosixFilePermissions.toString(permissions));
    }
  }

  private static boolean supportsPosix(Path path) {
    return path.getFileSystem().supportedFileAttributeViews().contains("posix");
  }

  private static IOException invalid(Path file, String why) {
    return new IOException("Invalid keyring " + file + ": " + why);
  }
}
