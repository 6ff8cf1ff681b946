package org.complianceproxy.proxy.testing;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Every PII value of the test corpora, for {@link AuditPiiGuard}: the labelled entities of the
 * dlp-rules corpus ({@code dlp-rules/src/test/resources/corpus/*.jsonl}, decoys left out), every
 * value a {@link PiiCorpus} has generated in this JVM, and the literals tests write by hand.
 *
 * <p>Matching is case-insensitive and looks for each value, and for card-like and IBAN-like values
 * also its compact form without separators, anywhere inside a string. Values shorter than {@value
 * #MIN_LENGTH} characters (CVVs, expiry dates, short surnames) are left out: they occur by chance
 * in ordinary record fields. Thread-safe; values may be added while others are matched.
 */
public final class PiiValues {

  /** Shorter values are not looked for. */
  static final int MIN_LENGTH = 8;

  /** A compact form (separators removed) is looked for only from this length on. */
  private static final int MIN_COMPACT_LENGTH = 12;

  private static final Pattern SEPARATORS = Pattern.compile("[ .\\-]");

  /** The values tests write by hand into prompts (see e.g. README's curl example). */
  private static final List<String> LITERALS =
      List.of(
          "4111 1111 1111 1111",
          "ann.lee@example.com",
          "ann@example.com",
          "jane.doe@example.com",
          "jane@example.com",
          "hedda.gabler@example.org",
          "123-45-6789",
          "536-22-1234",
          "DE89 3704 0044 0532 0130 00");

  /** Where the dlp-rules labelled corpus lies, from the proxy-server module's directory. */
  static final Path DLP_CORPUS = Path.of("..", "dlp-rules", "src", "test", "resources", "corpus");

  private static final PiiValues SHARED = loadShared();

  /** A value found in a text: its entity type and a short hash, never the value itself. */
  public record Match(String entityType, String sha256Prefix) {
    @Override
    public String toString() {
      return "entity " + entityType + ", sha256 " + sha256Prefix + "...";
    }
  }

  private record Entry(String lower, String entityType, String sha256Prefix) {}

  // first MIN_LENGTH characters, lower-cased -> values starting with them
  private final Map<String, List<Entry>> index = new ConcurrentHashMap<>();
  private final Map<String, Boolean> known = new ConcurrentHashMap<>();
  private final AtomicInteger skipped = new AtomicInteger();

  PiiValues() {}

  /** The values of this JVM's tests. */
  public static PiiValues shared() {
    return SHARED;
  }

  private static PiiValues loadShared() {
    PiiValues values = new PiiValues();
    LITERALS.forEach(v -> values.add(v, "LITERAL"));
    values.addDlpCorpus(DLP_CORPUS);
    return values;
  }

  /** Adds the labelled entities of every {@code *.jsonl} file in {@code dir}. */
  void addDlpCorpus(Path dir) {
    if (!Files.isDirectory(dir)) {
      throw new IllegalStateException(
          "the dlp-rules labelled corpus is missing at "
              + dir.toAbsolutePath().normalize()
              + " (expected: tests run from the proxy-server module of the repository)");
    }
    ObjectMapper json = new ObjectMapper();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".jsonl")).sorted().toList()) {
        for (String line : Files.readAllLines(file, UTF_8)) {
          if (line.isBlank()) {
            continue;
          }
          JsonNode item = json.readTree(line);
          if ("decoy".equals(item.path("kind").asText())) {
            continue;
          }
          String text = item.path("text").asText();
          for (JsonNode entity : item.path("entities")) {
            int start = entity.path("start").asInt(-1);
            int end = entity.path("end").asInt(-1);
            if (start >= 0 && end > start && end <= text.length()) {
              add(text.substring(start, end), entity.path("type").asText("?"));
            }
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Adds one value of {@code entityType}, and its compact form where that is distinctive. */
  public void add(String value, String entityType) {
    addForm(value, entityType);
    String compact = SEPARATORS.matcher(value).replaceAll("");
    if (compact.length() >= MIN_COMPACT_LENGTH && !compact.equals(value)) {
      addForm(compact, entityType);
    }
  }

  private void addForm(String value, String entityType) {
    String lower = value.strip().toLowerCase(Locale.ROOT);
    if (lower.length() < MIN_LENGTH) {
      skipped.incrementAndGet();
      return;
    }
    if (known.putIfAbsent(lower, Boolean.TRUE) != null) {
      return;
    }
    index
        .computeIfAbsent(lower.substring(0, MIN_LENGTH), k -> new CopyOnWriteArrayList<>())
        .add(new Entry(lower, entityType, sha256Prefix(value)));
  }

  /** How many distinct values (and compact forms) are looked for. */
  public int size() {
    return known.size();
  }

  /** How many values were too short to look for. */
  public int skipped() {
    return skipped.get();
  }

  /** The first value found inside {@code text}, if any. */
  public Optional<Match> find(String text) {
    String lower = text.toLowerCase(Locale.ROOT);
    for (int i = 0; i + MIN_LENGTH <= lower.length(); i++) {
      List<Entry> candidates = index.get(lower.substring(i, i + MIN_LENGTH));
      if (candidates == null) {
        continue;
      }
      for (Entry entry : candidates) {
        if (lower.startsWith(entry.lower(), i)
            && !extendsDigitRun(lower, i, i + entry.lower().length())) {
          return Optional.of(new Match(entry.entityType(), entry.sha256Prefix()));
        }
      }
    }
    return Optional.empty();
  }

  /**
   * Whether the match {@code [start, end)} is only part of a longer machine-made run: digits inside
   * more digits (a timestamp's nanoseconds) or, for a value of digits only, inside hex (a hash or a
   * fingerprint, where any 8 digits turn up by chance now and then). The same digits after a letter
   * other than a-f, or after a separator, still count.
   */
  private static boolean extendsDigitRun(String text, int start, int end) {
    boolean digitsOnly = text.substring(start, end).chars().allMatch(Character::isDigit);
    char before = start > 0 ? text.charAt(start - 1) : ' ';
    char after = end < text.length() ? text.charAt(end) : ' ';
    if (digitsOnly) {
      return isHex(before) || isHex(after);
    }
    return (Character.isDigit(text.charAt(start)) && Character.isDigit(before))
        || (Character.isDigit(text.charAt(end - 1)) && Character.isDigit(after));
  }

  private static boolean isHex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
  }

  static String sha256Prefix(String value) {
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(value.getBytes(UTF_8));
      return HexFormat.of().formatHex(hash, 0, 6);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
