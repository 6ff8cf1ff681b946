package org.complianceproxy.dlp;

import java.util.Arrays;
import java.util.Map;

/**
 * Context words, looked up by the prefilter as each word of the text ends, without allocating: the
 * pass keeps a running hash of the word's lower-cased letters, and only a hash that is in the table
 * is compared char by char. Each word carries a bit mask of the context sets it belongs to (at most
 * 64 sets). Immutable.
 */
final class Keywords {

  /** Longest word looked up; longer words are never context words. */
  static final int MAX_WORD = 32;

  /** Open-addressing table of the words, a power of two long. */
  private final String[] words;

  /** Hash of each slot's word. */
  private final int[] hashes;

  /**
   * Per slot: 0 when empty, else a tag of its word's hash ({@link #tag}). A lookup walks the same
   * probe sequence as over {@link #words}, but reads one byte per slot (the table is a quarter of
   * the size) and skips the slots whose tag already rules out the hash.
   */
  private final byte[] tags;

  /** Context sets of each slot's word. */
  private final long[] masks;

  private final int mask;

  /** Word endings ("straße" of "Hauptstraße"), looked up in capitalised words; may be null. */
  private final Keywords suffixes;

  /** Lengths of the endings in {@link #suffixes}, ascending. */
  private final int[] suffixLengths;

  /**
   * {@code wordMasks}: lower-case word to the bit mask of its sets; a word starting with {@code
   * '-'} is an ending, matched at the end of longer capitalised words.
   */
  Keywords(Map<String, Long> wordMasks) {
    this(filter(wordMasks, false), new Keywords(filter(wordMasks, true), null));
  }

  private static Map<String, Long> filter(Map<String, Long> wordMasks, boolean endings) {
    Map<String, Long> out = new java.util.HashMap<>();
    wordMasks.forEach(
        (w, m) -> {
          if (w.startsWith("-") == endings) {
            out.put(endings ? w.substring(1) : w, m);
          }
        });
    return out;
  }

  private Keywords(Map<String, Long> wordMasks, Keywords suffixes) {
    this.suffixes = suffixes;
    this.suffixLengths =
        suffixes == null
            ? new int[0]
            : java.util.Arrays.stream(suffixes.words)
                .filter(w -> w != null)
                .mapToInt(String::length)
                .distinct()
                .sorted()
                .toArray();
    int size = Integer.highestOneBit(Math.max(4, wordMasks.size() * 4) - 1) << 1;
    words = new String[size];
    hashes = new int[size];
    tags = new byte[size];
    masks = new long[size];
    mask = size - 1;
    for (Map.Entry<String, Long> e : wordMasks.entrySet()) {
      String w = lowerAll(e.getKey());
      int h = hash(w, 0, w.length());
      int slot = h & mask;
      while (words[slot] != null && !words[slot].equals(w)) {
        slot = (slot + 1) & mask;
      }
      words[slot] = w;
      hashes[slot] = h;
      tags[slot] = tag(h);
      masks[slot] |= e.getValue();
    }
  }

  static final Keywords NONE = new Keywords(Map.of());

  /**
   * The sets of the endings of the word {@code text[from, to)}: each ending shorter than the word
   * is hashed and looked up. The hashes of the suffixes grow from the word's end, one char each
   * ({@link #hash} of a suffix one char longer adds that char times the next power of 31), so this
   * costs the longest ending length plus one lookup per distinct ending length.
   */
  long lookupEnding(String text, int from, int to) {
    long sets = 0;
    int hash = 0;
    int power = 1;
    int hashed = 0;
    for (int length : suffixLengths) {
      if (length >= to - from) {
        break;
      }
      while (hashed < length) {
        hashed++;
        hash += lower(text.charAt(to - hashed)) * power;
        power *= 31;
      }
      sets |= suffixes.lookup(text, to - length, to, hash);
    }
    return sets;
  }

  boolean hasEndings() {
    return suffixLengths.length > 0;
  }

  /** The running hash step the prefilter applies per letter. */
  static int step(int hash, char c) {
    return hash * 31 + lower(c);
  }

  static char lower(char c) {
    if (c >= 'A' && c <= 'Z') {
      return (char) (c + 32);
    }
    return c < 128 ? c : Character.toLowerCase(c);
  }

  static String lowerAll(String s) {
    StringBuilder out = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      out.append(lower(s.charAt(i)));
    }
    return out.toString();
  }

  static int hash(CharSequence s, int from, int to) {
    int h = 0;
    for (int i = from; i < to; i++) {
      h = step(h, s.charAt(i));
    }
    return h;
  }

  /** The sets the word {@code text[from, to)} with running hash {@code hash} is in, or 0. */
  long lookup(String text, int from, int to, int hash) {
    if (to - from > MAX_WORD) {
      return 0;
    }
    int slot = hash & mask;
    byte tag = tag(hash);
    for (byte t = tags[slot]; t != 0; t = tags[slot]) {
      if (t == tag && hashes[slot] == hash && equalsLower(words[slot], text, from, to)) {
        return masks[slot];
      }
      slot = (slot + 1) & mask;
    }
    return 0;
  }

  /** The top bits of {@code hash}, never 0: equal hashes have equal tags. */
  private static byte tag(int hash) {
    return (byte) ((hash >>> 24) | 1);
  }

  private static boolean equalsLower(String word, String text, int from, int to) {
    if (word.length() != to - from) {
      return false;
    }
    for (int i = 0; i < word.length(); i++) {
      if (word.charAt(i) != lower(text.charAt(from + i))) {
        return false;
      }
    }
    return true;
  }

  @Override
  public String toString() {
    return "Keywords" + Arrays.stream(words).filter(w -> w != null).count();
  }
}
