package org.complianceproxy.dlp;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Seeded random cases for property tests written as plain JUnit tests (dlp-rules' own copy of the
 * idea behind proxy-server's {@code SeededRandom}, which this module cannot see).
 *
 * <p>{@link #forEachCase} runs a check once per case, each case with its own {@link Random} whose
 * seed depends only on the base seed and the case index, so every case is reproducible on its own.
 * A failing case is reported with the base seed and its index; to replay it alone run the test with
 * {@code -Dseeded.random.seed=<seed> -Dseeded.random.case=<index>}. A different base seed explores
 * other cases.
 */
final class SeededCases {

  /** The base seed: fixed, so runs are repeatable; {@code -Dseeded.random.seed=N} overrides. */
  static final long SEED = Long.getLong("seeded.random.seed", 0x5EED_C0DE_2024L);

  /** When set ({@code -Dseeded.random.case=I}), only case I runs. */
  private static final Integer ONLY_CASE = Integer.getInteger("seeded.random.case");

  private SeededCases() {}

  /** One property check, given the case's own random source. */
  @FunctionalInterface
  interface Case {
    void check(Random random) throws Exception;
  }

  /** A generator of random values. */
  @FunctionalInterface
  interface Gen<T> {
    T next(Random random);
  }

  /** The seed of case {@code index} under base seed {@code seed}. */
  static long caseSeed(long seed, int index) {
    // SplitMix64 finalizer: neighbouring indexes give unrelated seeds.
    long z = seed + (index + 1) * 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /**
   * Runs {@code check} for cases {@code 0..cases-1} under {@link #SEED}; a failure is rethrown with
   * the seed and the case index in its message.
   */
  static void forEachCase(int cases, Case check) {
    long seed = SEED;
    for (int i = 0; i < cases; i++) {
      if (ONLY_CASE != null && ONLY_CASE != i) {
        continue;
      }
      try {
        check.check(new Random(caseSeed(seed, i)));
      } catch (Throwable e) {
        throw new AssertionError(
            String.format(
                "case %d of %d failed (seed %d; replay with -Dseeded.random.seed=%d"
                    + " -Dseeded.random.case=%d): %s",
                i, cases, seed, seed, i, e.getMessage()),
            e);
      }
    }
  }

  /** A uniform int in {@code min..max}, both inclusive. */
  static int between(Random random, int min, int max) {
    return min + random.nextInt(max - min + 1);
  }

  /** Uniformly one of {@code values}. */
  static <T> Gen<T> of(List<T> values) {
    List<T> copy = List.copyOf(values);
    return random -> copy.get(random.nextInt(copy.size()));
  }

  /** Uniformly one of {@code gens}, then its value. */
  @SafeVarargs
  static <T> Gen<T> oneOf(Gen<? extends T>... gens) {
    List<Gen<? extends T>> copy = List.copyOf(Arrays.asList(gens));
    return random -> copy.get(random.nextInt(copy.size())).next(random);
  }

  /**
   * A length in {@code 0..maxLength}, biased to short ones as edge cases: one in 8 is 0, three in 8
   * are at most 10, the rest uniform.
   */
  static int length(Random random, int maxLength) {
    int pick = random.nextInt(8);
    if (pick == 0) {
      return 0;
    }
    return between(random, 0, pick < 4 ? Math.min(10, maxLength) : maxLength);
  }

  /** Strings of {@link #length} characters, each uniformly one of {@code chars}. */
  static Gen<String> strings(String chars, int maxLength) {
    return random -> {
      int length = length(random, maxLength);
      StringBuilder out = new StringBuilder(length);
      for (int i = 0; i < length; i++) {
        out.append(chars.charAt(random.nextInt(chars.length())));
      }
      return out.toString();
    };
  }

  private static final String SPACES = " \t\n\r\u000B\f\u0000\u0085\u00A0\u2028\u3000";

  /**
   * Arbitrary strings of {@code 0..maxLength} chars: any UTF-16 code unit, lone surrogates
   * included, mixed with printable ASCII, whitespace and controls and well-formed surrogate pairs.
   * Their lengths are {@link #length}s.
   */
  static Gen<String> anyStrings(int maxLength) {
    return random -> {
      int length = length(random, maxLength);
      StringBuilder out = new StringBuilder(length);
      while (out.length() < length) {
        switch (random.nextInt(8)) {
          case 0, 1, 2, 3 -> out.append((char) random.nextInt(0x10000));
          case 4, 5 -> out.append((char) between(random, 0x20, 0x7E));
          case 6 -> out.append(SPACES.charAt(random.nextInt(SPACES.length())));
          default -> {
            if (out.length() + 2 <= length) {
              out.appendCodePoint(between(random, 0x10000, Character.MAX_CODE_POINT));
            } else {
              out.append((char) random.nextInt(0x10000));
            }
          }
        }
      }
      return out.toString();
    };
  }

  /** {@code text} as a Java string literal, non-printable and non-ASCII characters escaped. */
  static String quote(String text) {
    StringBuilder out = new StringBuilder("\"");
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (c >= 0x20 && c < 0x7F) {
        out.append(c);
      } else {
        out.append(String.format("\\u%04X", (int) c));
      }
    }
    return out.append('"').toString();
  }
}
