package org.complianceproxy.proxy.restore;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import org.complianceproxy.dlp.Action;
import org.complianceproxy.dlp.Finding;
import org.complianceproxy.dlp.Masking;
import org.complianceproxy.proxy.error.ProxyError;
import org.complianceproxy.proxy.error.ProxyException;
import org.complianceproxy.proxy.token.TokenGrammar;

/**
 * The output policy on one text of a model's answer that arrives in pieces (or whole, {@link
 * #guardAll}): personal data the model produced by itself is masked, redacted or let through as the
 * tenant's output policy says, and each finding is told to the {@link OutputListener}. It sees the
 * model's text before any token is restored, so the proxy's own tokens pass untouched (the scan
 * skips them) and values restored for the client are never masked; the caller restores tokens in
 * what it releases ({@link AnswerStream}).
 *
 * <p>Actions: {@code MASK} ({@link Masking#mask}), {@code REDACT} ({@code [TAG]}) and {@code ALLOW}
 * (unchanged, audited) as the policy says. {@code TOKENIZE} and {@code BLOCK} have no meaning for
 * text that already left the model (there is no request left to refuse, and a token would hand the
 * client a placeholder for a value it never sent), so both are applied, and reported, as {@code
 * MASK}.
 *
 * <p>Streaming: {@link #feed} scans the text held back so far plus the new piece, with a little of
 * the text already released before it as context, and releases at once everything that can no
 * longer be part of a finding. It holds back only the trailing run that still could:
 *
 * <ul>
 *   <li>the last word while it may still grow (no whitespace after it yet), and the words before it
 *       as long as each pair could belong to one finding: words with digits (card, IBAN and phone
 *       groups, dates), capitalised words (names, addresses, BICs), and short lowercase particles
 *       ("van", "de", "rue"), each gap at most two whitespace chars, and never across a word that
 *       ends a sentence with {@code !} or {@code ?} (no bundled rule's finding runs across one), so
 *       that "Hello! How can I" releases "Hello! " as soon as "How" begins;
 *   <li>a tail that may still become one of the tenant's deny-list terms of several words ({@link
 *       OutputCheck#denyTerms}), from the start of the term;
 *   <li>a word with digits (or an all-capitals code) until {@value #AFTER_CONTEXT} chars followed
 *       it, because some rules need a context word that may come right after the value ("1234567 is
 *       my account");
 *   <li>a fragment that may still become one of the proxy's tokens, so that a token is never
 *       scanned, and never released, in parts;
 *   <li>a finding the scan sees that reaches into the held-back run, as a whole.
 * </ul>
 *
 * Prose without digits, capitals or {@code @} therefore waits for its last word (with the short
 * lowercase words right before it) at most.
 *
 * <p>The scan of held text that is plain prose (lowercase letters, whitespace, commas, semicolons,
 * quotes) skips the released context: no bundled rule finds anything there, and a tenant's
 * deny-list term needs no context. The proxy's tokens are blanked before each scan ({@link
 * #withBlankTokens}), so their letters never act as context for the model's own words.
 *
 * <p>Guarantees, for any split of a text into pieces:
 *
 * <ul>
 *   <li>The concatenation of every {@code feed} result and {@link #finish()} equals {@link
 *       #guardAll} of the whole text for every finding no longer than {@value #MAX_HOLD} chars
 *       whose rules look at most {@value #CONTEXT} chars before it and {@value #AFTER_CONTEXT}
 *       after it (all bundled rules), with the exception of a PEM private key (held from its {@code
 *       -----BEGIN} until its {@code -----END}, up to {@value #MAX_LONG_HOLD} chars) and a JWT (a
 *       word starting with {@code eyJ}, up to {@value #MAX_JWT_HOLD} chars), which are held whole
 *       too.
 *   <li>At most {@value #MAX_HOLD} chars are held back (the two exceptions above: their bound).
 *       When a run grows beyond it, its start is released; a finding the scan then sees across the
 *       release point is masked from there on (its start already left), so longer values are masked
 *       in part, never missed entirely.
 *   <li>Text without findings passes unchanged; held text is released, after its scan, by {@link
 *       #finish()} at the end of the text.
 *   <li>A deny-list term of several words given in {@link OutputCheck#denyTerms} is held from its
 *       first word until it is complete (or cannot be any more), so a stream masks it whole, as the
 *       whole answer does.
 *   <li>Cost per piece is bounded: a scan of the piece, the held-back text and at most {@value
 *       #CONTEXT_MAX} chars of context, never of the whole answer.
 * </ul>
 *
 * A scan that fails throws a {@link ProxyException} ({@code SANITIZER_FAILED}): the answer is not
 * passed on unchecked. Not thread-safe: one instance per text.
 */
public final class OutputGuard {

  /** Longest run held back, in chars: above every bundled rule's longest finding but three. */
  public static final int MAX_HOLD = 256;

  /**
   * Released chars a scan sees before the held-back text: the longest context window (40) and the 8
   * chars a keyword rule looks before its word; names look 40 back for a title or greeting.
   */
  static final int CONTEXT = 48;

  /** Released chars kept at most, so that the context can start at the beginning of a word. */
  static final int CONTEXT_MAX = 112;

  /** Chars a number waits for a context word after it (half the longest context window, 40). */
  static final int AFTER_CONTEXT = 24;

  /** Longest PEM private key held whole (the pem rule's longest finding). */
  static final int MAX_LONG_HOLD = 8192;

  /** Longest JWT held whole (the jwt rule's longest finding). */
  static final int MAX_JWT_HOLD = 4096;

  private static final String PEM_BEGIN = "-----BEGIN";
  private static final String PEM_END = "-----END";

  private final OutputCheck check;
  // where the text sits in the answer, for the listener
  private final String field;
  // released context, then the held-back text: window[held..] has not been released
  private final StringBuilder window = new StringBuilder();
  private int held;
  // offset in the whole text of window[0]
  private long windowOffset;

  /**
   * @param field where the text sits in the answer, e.g. {@code choices/0/delta/content}
   */
  public OutputGuard(OutputCheck check, String field) {
    this.check = requireNonNull(check, "check");
    this.field = requireNonNull(field, "field");
  }

  /**
   * The whole text with the output policy applied, every finding told to the listener; {@code
   * text.toString()} when nothing changed.
   */
  public static String guardAll(CharSequence text, OutputCheck check, String field) {
    requireNonNull(text, "text");
    OutputGuard guard = new OutputGuard(check, field);
    String s = text.toString();
    List<Finding> found = guard.scan(withBlankTokens(s));
    if (found.isEmpty()) {
      return s;
    }
    StringBuilder out = new StringBuilder(s.length());
    guard.apply(s, 0, s.length(), found, 0, out);
    return out.toString();
  }

  /** The text releasable now, with the output policy applied; tokens are left as they are. */
  public String feed(CharSequence piece) {
    requireNonNull(piece, "piece");
    if (piece.length() == 0) {
      return "";
    }
    window.append(piece);
    String w = window.toString();
    int bound = bound(w, held);
    String plain = withBlankTokens(w);
    int release = holdStart(w, plain, held, bound);
    if (release == held) {
      // nothing can be released yet: the scan waits until something can
      return "";
    }
    List<Finding> found = isPlain(w, held, w.length()) ? scanFrom(plain, held) : scan(plain);
    return release(w, keepWhole(w, held, release, bound, found), found);
  }

  /**
   * The findings of {@code plain[from..]} (tokens blanked) scanned without the released context
   * before it, with offsets in {@code plain}.
   */
  private List<Finding> scanFrom(String plain, int from) {
    List<Finding> found = scan(plain.substring(from));
    if (from == 0 || found.isEmpty()) {
      return found;
    }
    List<Finding> shifted = new ArrayList<>(found.size());
    for (Finding f : found) {
      shifted.add(
          new Finding(
              f.start() + from, f.end() + from, f.type(), f.ruleId(), f.action(), f.confidence()));
    }
    return shifted;
  }

  /**
   * Whether {@code w[from, to)} is plain prose: lowercase letters, whitespace, commas, semicolons
   * and quotes only. No bundled rule finds anything there (their values have digits, capitals,
   * {@code @}, {@code +} or several character classes), with or without context words before it;
   * only single deny-list terms can match, and they need no context, so such text is scanned
   * without the released context, which keeps the cost per piece close to the piece's own length.
   */
  static boolean isPlain(String w, int from, int to) {
    for (int i = from; i < to; i++) {
      char c = w.charAt(i);
      if (!Character.isLowerCase(c)
          && !Character.isWhitespace(c)
          && c != ','
          && c != ';'
          && c != '\''
          && c != '"') {
        return false;
      }
    }
    return true;
  }

  /** Releases, after its scan, everything still held back, at the end of the text. */
  public String finish() {
    if (held == window.length()) {
      return "";
    }
    String w = window.toString();
    String out = release(w, w.length(), scan(withBlankTokens(w)));
    window.setLength(0);
    windowOffset += held;
    held = 0;
    return out;
  }

  /** True while some text is held back. */
  public boolean isHolding() {
    return held < window.length();
  }

  /** Chars held back now. */
  public int heldLength() {
    return window.length() - held;
  }

  /**
   * The output scan of {@code plain}, a text whose tokens are blanked ({@link #withBlankTokens}).
   */
  private List<Finding> scan(String plain) {
    try {
      List<Finding> found = check.scanner().apply(plain);
      return found == null ? List.of() : found;
    } catch (RuntimeException e) {
      throw new ProxyException(
          ProxyError.SANITIZER_FAILED, "The answer could not be checked, so it was not passed on.");
    }
  }

  /**
   * {@code text} with the tag and body of every complete token replaced by {@code _}, offsets kept:
   * a token still reads as a token to the output scan (nothing inside it is a finding), but its
   * letters cannot pass for words of the model's text, such as a title before a name ({@code
   * <<SSN_0A9ZK37Q3M>>. Write} is not "M. Write").
   */
  static String withBlankTokens(String text) {
    return text.contains("<<")
        ? TokenGrammar.withBlankTokens(text, TokenGrammar.findAll(text))
        : text;
  }

  /**
   * How much may be held back: the bound of a PEM key or JWT in progress, else {@link #MAX_HOLD}.
   */
  private static int bound(String w, int from) {
    int pem = w.lastIndexOf(PEM_BEGIN);
    if (pem >= from && w.indexOf(PEM_END, pem) < 0) {
      return MAX_LONG_HOLD;
    }
    return startsJwt(w, from) ? MAX_JWT_HOLD : MAX_HOLD;
  }

  /**
   * Where the releasable text ends: before everything that may still grow into a finding. {@code
   * plain} is {@code w} with its tokens blanked: the proxy's own tokens are never findings, nor
   * context, so their digits and capitals must not hold back the words after them (a dense answer
   * would otherwise be held to its end).
   */
  private int holdStart(String w, String plain, int from, int bound) {
    int n = w.length();
    int release = Math.min(runStart(plain, from), TokenGrammar.heldBackStart(w, from));
    release = Math.min(release, awaitingContext(plain, from));
    if (!check.denyTerms().isEmpty()) {
      release = Math.min(release, denyPrefixStart(w, from, check.denyTerms()));
    }
    int pem = w.lastIndexOf(PEM_BEGIN);
    if (pem >= from && w.indexOf(PEM_END, pem) < 0) {
      release = Math.min(release, pem);
    }
    release = Math.max(release, Math.max(from, n - bound));
    if (release > from
        && release < n
        && Character.isHighSurrogate(w.charAt(release - 1))
        && Character.isLowSurrogate(w.charAt(release))) {
      release--;
    }
    return release;
  }

  /**
   * The release point moved so that no finding the scan saw is cut: a finding reaching into the
   * held-back text is held whole while the bound allows, else released (applied) whole.
   */
  private static int keepWhole(String w, int from, int release, int bound, List<Finding> found) {
    for (Finding f : found) {
      if (f.end() <= from || f.end() <= release && f.start() < release) {
        continue;
      }
      if (f.start() >= release) {
        break;
      }
      return f.start() >= from && w.length() - f.start() <= bound ? f.start() : f.end();
    }
    return release;
  }

  /**
   * Releases {@code w[held, release)} with the findings in it applied, then keeps only the context
   * the next scan needs.
   */
  private String release(String w, int release, List<Finding> found) {
    String out;
    if (found.isEmpty()) {
      // nothing to apply (the usual piece): the released text as it is, in one copy
      out = w.substring(held, release);
    } else {
      StringBuilder applied = new StringBuilder(release - held);
      apply(w, held, release, found, windowOffset, applied);
      out = applied.toString();
    }
    held = release;
    // the context starts at the beginning of a word, so a cut word (or token) cannot look like a
    // value or a context word; a word longer than the slack is cut after all
    int keep = Math.max(0, held - CONTEXT);
    while (keep > 0 && held - keep < CONTEXT_MAX && !Character.isWhitespace(w.charAt(keep - 1))) {
      keep--;
    }
    if (keep > 0) {
      window.delete(0, keep);
      windowOffset += keep;
      held -= keep;
    }
    return out;
  }

  /**
   * Appends {@code w[from, to)} to {@code out} with every finding that ends inside it applied (a
   * finding that began before {@code from} only from there on) and told to the listener.
   */
  private void apply(
      String w, int from, int to, List<Finding> found, long offset, StringBuilder out) {
    int copied = from;
    for (Finding f : found) {
      if (f.end() <= from) {
        continue;
      }
      if (f.end() > to) {
        break;
      }
      if (f.start() < copied && copied > from || f.end() > w.length()) {
        throw new ProxyException(
            ProxyError.SANITIZER_FAILED,
            "The answer could not be checked (overlapping findings), so it was not passed on.");
      }
      int start = Math.max(f.start(), from);
      String value = w.substring(start, f.end());
      Action action = applied(f.action());
      out.append(w, copied, start).append(replacement(f, action, value));
      copied = f.end();
      check
          .listener()
          .found(
              new Finding(
                  Math.toIntExact(offset + start),
                  Math.toIntExact(offset + f.end()),
                  f.type(),
                  f.ruleId(),
                  action,
                  f.confidence()),
              value,
              field);
    }
    out.append(w, copied, to);
  }

  /** What an output policy's action means for text that already left the model. */
  private static Action applied(Action action) {
    return switch (action) {
      case REDACT, ALLOW -> action;
      case MASK, TOKENIZE, BLOCK -> Action.MASK;
    };
  }

  private static String replacement(Finding f, Action action, String value) {
    return switch (action) {
      case ALLOW -> value;
      case REDACT -> "[" + f.type().tag() + "]";
      default -> Masking.mask(f.type(), value);
    };
  }

  /**
   * The start of the trailing run of words that may still grow into one finding, or {@code
   * w.length()} when none may; never before {@code from}.
   */
  static int runStart(String w, int from) {
    int n = w.length();
    int end = n;
    while (end > from && Character.isWhitespace(w.charAt(end - 1))) {
      end--;
    }
    if (end == from) {
      return n;
    }
    int start = wordStart(w, end, from);
    boolean open = end == n;
    boolean joinable = joinable(w, start, end);
    if (!open && (!joinable || n - end > 2)) {
      return n;
    }
    if (start == from && from > 0 && !Character.isWhitespace(w.charAt(from - 1))) {
      // the word began in text already released (a run longer than the bound): nothing to join
      return start;
    }
    while (joinable && start > from) {
      int gapStart = start;
      while (gapStart > from && Character.isWhitespace(w.charAt(gapStart - 1))) {
        gapStart--;
      }
      if (gapStart == from || start - gapStart > 2) {
        break;
      }
      int previous = wordStart(w, gapStart, from);
      if (previous == from && from > 0 && !Character.isWhitespace(w.charAt(from - 1))) {
        break;
      }
      if (endsSentence(w, gapStart)) {
        // no finding runs across "!" or "?" and the space after it ("Hello! How can I")
        break;
      }
      if (!joinable(w, previous, gapStart) || n - previous > MAX_HOLD) {
        break;
      }
      start = previous;
    }
    return start;
  }

  /** Whether the word ending at {@code end} ends with {@code !} or {@code ?}. */
  static boolean endsSentence(String w, int end) {
    char last = w.charAt(end - 1);
    return last == '!' || last == '?';
  }

  /**
   * The start of the longest tail of {@code w} (from a word start, not before {@code from}) that is
   * a proper prefix of one of the deny-list terms with white space in them, ignoring case, or
   * {@code w.length()}: such a tail may still become a term the scan finds whole. A term without
   * white space is held anyway while it grows, as the last word.
   */
  static int denyPrefixStart(String w, int from, List<String> terms) {
    int n = w.length();
    int result = n;
    for (String term : terms) {
      if (!containsWhitespace(term)) {
        continue;
      }
      for (int p = Math.max(from, n - term.length() + 1); p < result; p++) {
        if ((p == 0 || !Character.isLetterOrDigit(w.charAt(p - 1)))
            && w.regionMatches(true, p, term, 0, n - p)) {
          result = p;
          break;
        }
      }
    }
    return result;
  }

  private static boolean containsWhitespace(String term) {
    for (int i = 0; i < term.length(); i++) {
      if (Character.isWhitespace(term.charAt(i))) {
        return true;
      }
    }
    return false;
  }

  /** The start of the word ending at {@code end}, not before {@code from}. */
  private static int wordStart(String w, int end, int from) {
    int start = end;
    while (start > from && !Character.isWhitespace(w.charAt(start - 1))) {
      start--;
    }
    return start;
  }

  /**
   * Whether the word {@code w[start, end)} may be part of a finding of several words: it has a
   * digit, starts (after opening punctuation) with a capital, or is a lowercase particle of at most
   * three letters ("de", "van", "rue").
   */
  static boolean joinable(String w, int start, int end) {
    int letters = 0;
    boolean lower = true;
    boolean first = true;
    for (int i = start; i < end; i++) {
      char c = w.charAt(i);
      if (Character.isDigit(c)) {
        return true;
      }
      if (Character.isLetter(c)) {
        if (first && Character.isUpperCase(c)) {
          return true;
        }
        first = false;
        letters++;
        lower &= Character.isLowerCase(c);
      }
    }
    return letters > 0 && letters <= 3 && lower;
  }

  /**
   * The start of the first word with a digit (or an all-capitals code of six or more chars, such as
   * a BIC) that ends within the last {@link #AFTER_CONTEXT} chars, or {@code w.length()}.
   */
  static int awaitingContext(String w, int from) {
    int n = w.length();
    int result = n;
    int end = n;
    while (end > from) {
      while (end > from && Character.isWhitespace(w.charAt(end - 1))) {
        end--;
      }
      if (end == from || n - end >= AFTER_CONTEXT) {
        break;
      }
      int start = wordStart(w, end, from);
      if (mayNeedContextAfter(w, start, end)) {
        result = start;
      }
      end = start;
    }
    return result;
  }

  private static boolean mayNeedContextAfter(String w, int start, int end) {
    int capitals = 0;
    for (int i = start; i < end; i++) {
      char c = w.charAt(i);
      if (c >= '0' && c <= '9') {
        return true;
      }
      if (Character.isLowerCase(c)) {
        return false;
      }
      if (Character.isUpperCase(c)) {
        capitals++;
      }
    }
    return capitals >= 6;
  }

  /** Whether the last word (still open) starts like a JWT. */
  private static boolean startsJwt(String w, int from) {
    int n = w.length();
    if (n == from || Character.isWhitespace(w.charAt(n - 1))) {
      return false;
    }
    int start = wordStart(w, n, from);
    return w.startsWith("eyJ", start);
  }
}
