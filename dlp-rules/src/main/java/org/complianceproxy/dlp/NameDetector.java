package org.complianceproxy.dlp;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Person names without a statistical model. Works on the capitalised words the prefilter already
 * recorded, so text without capitals costs nothing here. A run of capitalised words (joined by
 * single spaces, hyphens or particles such as "van", "de la") is a name when:
 *
 * <ul>
 *   <li>it follows a title (Mr, Dr, Herr, Mme, Sra) or an introduction ("my name is", "ich heiße",
 *       "je m'appelle", "me llamo", "Dear", "Liebe", "Bonjour", "Hola", a signature's "Regards,"):
 *       its leading words that are not stopwords, confidence 0.85;
 *   <li>or, without context, it starts with a listed first name that is not a common word and goes
 *       on with a listed surname (0.8), or with another capitalised word that is not a stopword
 *       (0.7).
 * </ul>
 *
 * A lone first name without context is not taken: "Will", "May" and "Mark" start too many
 * sentences. Name lists: see {@code dlp/names/README.md}. Immutable and thread-safe.
 */
final class NameDetector {

  static final String RULE_CONTEXT = "name-context";
  static final String RULE_LISTS = "name-lists";

  /** Longest name taken, in words. */
  private static final int MAX_WORDS = 4;

  /** Chars read back from a name for its context words. */
  private static final int LOOKBACK = 40;

  private static final Set<String> TITLES =
      Set.of(
          "mr",
          "mrs",
          "ms",
          "miss",
          "mx",
          "dr",
          "prof",
          "professor",
          "sir",
          "madam",
          "herr",
          "frau",
          "m",
          "mme",
          "mlle",
          "monsieur",
          "madame",
          "mademoiselle",
          "sr",
          "sra",
          "srta",
          "señor",
          "señora",
          "señorita",
          "don",
          "doña",
          "dña",
          "mister",
          "dott",
          "ing");

  /** Greetings: a capitalised greeting word starts a run whose next words are the name. */
  private static final Set<String> GREETINGS =
      Set.of(
          "dear",
          "hi",
          "hello",
          "hey",
          "liebe",
          "lieber",
          "hallo",
          "geehrte",
          "geehrter",
          "bonjour",
          "cher",
          "chère",
          "salut",
          "hola",
          "estimado",
          "estimada",
          "querido",
          "querida");

  /** Closings that, followed by a comma and a line break, introduce a signature's name. */
  private static final Set<String> CLOSINGS =
      Set.of(
          "regards",
          "cheers",
          "sincerely",
          "thanks",
          "best",
          "grüße",
          "gruß",
          "grüßen",
          "cordialement",
          "salutations",
          "saludos",
          "atentamente");

  /** Words right before a name that introduce it, or end a letter before the signature. */
  private static final Set<String> INTRO_LAST =
      union(
          GREETINGS,
          CLOSINGS,
          Set.of(
              "signed",
              "from",
              "von",
              "contact",
              "kontakt",
              "attn",
              "attention",
              "customer",
              "client",
              "cliente",
              "kunde",
              "kundin",
              "patient",
              "employee",
              "mitarbeiter",
              "holder",
              "inhaber",
              "titulaire",
              "titular",
              "beneficiary",
              "payee",
              "empfänger",
              "bénéficiaire",
              "beneficiario"));

  private static Set<String> union(Set<String> a, Set<String> b, Set<String> c) {
    Set<String> all = new HashSet<>(a);
    all.addAll(b);
    all.addAll(c);
    return Set.copyOf(all);
  }

  /** Introductions whose last word is too common alone: the word before must match too. */
  private static final Set<String> INTRO_PAIRS =
      Set.of(
          "name is",
          "name's",
          "i am",
          "i'm",
          "name ist",
          "heiße",
          "heisse",
          "bin",
          "appelle",
          "nom est",
          "suis",
          "llamo",
          "soy",
          "nombre es",
          "this is",
          "c'est",
          "hier ist",
          "name:",
          "nom:",
          "nombre:");

  /** Lower-case particles inside a name. */
  private static final Set<String> PARTICLES =
      Set.of("van", "von", "der", "den", "de", "del", "la", "le", "du", "da", "di", "dos", "y");

  private final Set<String> firstNames;

  private final Set<String> lastNames;

  private final Set<String> stopwords;

  private NameDetector(Set<String> firstNames, Set<String> lastNames, Set<String> stopwords) {
    this.firstNames = firstNames;
    this.lastNames = lastNames;
    this.stopwords = stopwords;
  }

  static NameDetector bundled() {
    return new NameDetector(
        list("/dlp/names/first-names.txt"),
        list("/dlp/names/last-names.txt"),
        list("/dlp/names/stopwords.txt"));
  }

  private static Set<String> list(String resource) {
    Set<String> out = new HashSet<>();
    try (InputStream in = NameDetector.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("bundled name list missing: " + resource);
      }
      BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        String word = line.strip();
        if (!word.isEmpty() && !word.startsWith("#")) {
          out.add(Keywords.lowerAll(word));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + resource, e);
    }
    return Set.copyOf(out);
  }

  /** Adds a candidate for each name in {@code text}; {@code capitals} are the prefilter's. */
  void detect(String text, Prefilter.Ints capitals, int ruleIndex, List<Candidate> out) {
    int i = 0;
    int count = capitals.size() / 2;
    while (i < count) {
      // Collect a run of capitalised words joined by a space, a hyphen or particles.
      List<int[]> words = new ArrayList<>();
      int j = i;
      words.add(new int[] {capitals.get(2 * j), capitals.get(2 * j + 1)});
      while (j + 1 < count && words.size() < MAX_WORDS + 2) {
        int end = capitals.get(2 * j + 1);
        int next = capitals.get(2 * (j + 1));
        if (!joined(text, end, next)) {
          break;
        }
        j++;
        words.add(new int[] {next, capitals.get(2 * j + 1)});
      }
      int used = decide(text, words, ruleIndex, out);
      i += Math.max(1, used);
    }
  }

  /** Whether two capitalised words belong to one run: one space or hyphen, or particles. */
  private boolean joined(String text, int end, int next) {
    if (next == end + 1) {
      char c = text.charAt(end);
      return c == ' ' || c == '-' || c == '\'';
    }
    if (next - end > 12 || text.charAt(end) != ' ' || text.charAt(next - 1) != ' ') {
      return false;
    }
    for (String particle : text.substring(end + 1, next - 1).split(" ", -1)) {
      if (!PARTICLES.contains(particle)) {
        return false;
      }
    }
    return true;
  }

  /** Decides on the run {@code words}; returns how many of them it consumed. */
  private int decide(String text, List<int[]> words, int ruleIndex, List<Candidate> out) {
    int first = 0;
    boolean context = false;
    String w0 = word(text, words.get(0));
    if (TITLES.contains(w0) || GREETINGS.contains(w0)) {
      // "Dear Anna", "Mr. Smith" (the title then ends the run at its dot: context from before).
      context = true;
      first = 1;
    } else {
      context = introducedBefore(text, words.get(0)[0]);
    }
    while (first < words.size() && TITLES.contains(word(text, words.get(first)))) {
      first++;
    }
    if (first >= words.size()) {
      return first;
    }
    int last = first;
    if (context) {
      while (last < words.size() && last - first < MAX_WORDS && nameLike(text, words.get(last))) {
        last++;
      }
      if (last > first) {
        emit(words.get(first)[0], words.get(last - 1)[1], RULE_CONTEXT, 0.85, ruleIndex, out);
        return last;
      }
      return first + 1;
    }
    String name = word(text, words.get(first));
    if (words.size() - first < 2 || !firstNames.contains(name) || allCaps(text, words.get(first))) {
      return first + 1;
    }
    boolean ambiguous = stopwords.contains(name);
    String second = word(text, words.get(first + 1));
    double confidence;
    if (lastNames.contains(second)) {
      confidence = 0.8;
    } else if (!ambiguous
        && !stopwords.contains(second)
        && !allCaps(text, words.get(first + 1))
        && second.length() >= 2) {
      confidence = 0.7;
    } else {
      return first + 1;
    }
    last = first + 2;
    while (last < words.size()
        && last - first < MAX_WORDS
        && lastNames.contains(word(text, words.get(last)))) {
      last++;
    }
    emit(words.get(first)[0], words.get(last - 1)[1], RULE_LISTS, confidence, ruleIndex, out);
    return last;
  }

  static Set<String> titles() {
    return TITLES;
  }

  static Set<String> introPairs() {
    return INTRO_PAIRS;
  }

  static Set<String> introLast() {
    return INTRO_LAST;
  }

  static Set<String> closings() {
    return CLOSINGS;
  }

  /**
   * Whether the words just before {@code start} introduce a name ("my name is", "Regards,"). Reads
   * at most {@link #LOOKBACK} chars back and allocates only the one or two words it looks up. The
   * words are the runs of letters and apostrophes.
   */
  static boolean introducedBefore(String text, int start) {
    int from = Math.max(0, start - LOOKBACK);
    int end = start;
    while (end > from && Character.isWhitespace(codePointBefore(text, from, end))) {
      end -= widthBefore(text, from, end);
    }
    char last = end > from ? text.charAt(end - 1) : 0;
    if (last == ',' || last == '.' || last == ':') {
      String lastWord = wordBefore(text, from, end - 1);
      if (last == '.' && TITLES.contains(lastWord)) {
        return true;
      }
      if (last == ':') {
        return INTRO_PAIRS.contains(lastWord + ":") || INTRO_LAST.contains(lastWord);
      }
      // Signature: "Regards,\n" then the name.
      return last == ','
          && CLOSINGS.contains(lastWord)
          && text.substring(end, start).indexOf('\n') >= 0;
    }
    int wordEnd = skipNonWord(text, from, end);
    int wordStart = runStart(text, from, wordEnd);
    if (wordStart == wordEnd) {
      return false;
    }
    String lastWord = Keywords.lowerAll(text.substring(wordStart, wordEnd));
    int previousEnd = skipNonWord(text, from, wordStart);
    int previousStart = runStart(text, from, previousEnd);
    String pair =
        previousStart < previousEnd
            ? Keywords.lowerAll(text.substring(previousStart, previousEnd)) + " " + lastWord
            : lastWord;
    return INTRO_PAIRS.contains(pair)
        || INTRO_PAIRS.contains(lastWord)
        || TITLES.contains(lastWord)
        || (INTRO_LAST.contains(lastWord) && !lastWord.equals("from") && !lastWord.equals("von"));
  }

  /** The last word in {@code text[from, end)}, lower-cased; "" when there is none. */
  private static String wordBefore(String text, int from, int end) {
    int wordEnd = skipNonWord(text, from, end);
    return Keywords.lowerAll(text.substring(runStart(text, from, wordEnd), wordEnd));
  }

  /** The position before the chars that are not word chars and end at {@code end}. */
  private static int skipNonWord(String text, int from, int end) {
    int p = end;
    while (p > from && !isWordChar(codePointBefore(text, from, p))) {
      p -= widthBefore(text, from, p);
    }
    return p;
  }

  /** Start of the run of word chars that ends at {@code end}, not before {@code from}. */
  private static int runStart(String text, int from, int end) {
    int p = end;
    while (p > from && isWordChar(codePointBefore(text, from, p))) {
      p -= widthBefore(text, from, p);
    }
    return p;
  }

  /** Words are runs of letters and apostrophes. */
  private static boolean isWordChar(int codePoint) {
    return codePoint == '\'' || Character.isLetter(codePoint);
  }

  /** The code point that ends at {@code p}, reading nothing before {@code from}. */
  private static int codePointBefore(String text, int from, int p) {
    return widthBefore(text, from, p) == 2 ? text.codePointBefore(p) : text.charAt(p - 1);
  }

  private static int widthBefore(String text, int from, int p) {
    return p - 2 >= from
            && Character.isLowSurrogate(text.charAt(p - 1))
            && Character.isHighSurrogate(text.charAt(p - 2))
        ? 2
        : 1;
  }

  /** After context: not a stopword unless a listed name, not all capitals, two chars or more. */
  private boolean nameLike(String text, int[] range) {
    String w = word(text, range);
    return range[1] - range[0] >= 2
        && !allCaps(text, range)
        && (!stopwords.contains(w) || firstNames.contains(w) || lastNames.contains(w));
  }

  private static void emit(
      int start, int end, String ruleId, double confidence, int ruleIndex, List<Candidate> out) {
    out.add(
        new Candidate(
            new Finding(start, end, EntityType.NAME, ruleId, Action.TOKENIZE, confidence),
            ruleIndex));
  }

  private static String word(String text, int[] range) {
    return Keywords.lowerAll(text.substring(range[0], range[1]));
  }

  private static boolean allCaps(String text, int[] range) {
    if (range[1] - range[0] < 2) {
      return false;
    }
    for (int k = range[0]; k < range[1]; k++) {
      if (Character.isLowerCase(text.charAt(k))) {
        return false;
      }
    }
    return true;
  }
}
