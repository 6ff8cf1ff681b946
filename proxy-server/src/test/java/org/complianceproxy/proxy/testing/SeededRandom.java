package org.complianceproxy.proxy.testing;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Seeded random cases for property tests written as plain JUnit tests.
 *
 * <p>{@link #forEachCase} runs a check once per case, each case with its own {@link Random} whose
 * seed depends only on the base seed and the case index, so every case is reproducible on its own.
 * A failing case is reported with the base seed and its index; to replay it alone run the test with
 * {@code -Dseeded.random.seed=<seed> -Dseeded.random.case=<index>}. A different base seed explores
 * other cases.
 *
 * <p>The generators ({@link Gen}) are small combinators: fixed values, strings over an alphabet,
 * integer ranges, lists, weighted choice.
 */
public final class SeededRandom {

  /** The base seed: fixed, so runs are repeatable; {@code -Dseeded.random.seed=N} overrides. */
  public static final long SEED = Long.getLong("seeded.random.seed", 0x5EED_C0DE_2024L);

  /** When set ({@code -Dseeded.random.case=I}), only case I runs. */
  private static final Integer ONLY_CASE = Integer.getInteger("seeded.random.case");

  private SeededRandom() {}

  /** One property check, given the case's own random source. */
  @FunctionalInterface
  public interface Case {
    void check(Random random) throws Exception;
  }

  /** A generator of random values. */
  @FunctionalInterface
  public interface Gen<T> {
    T next(Random random);

    /** A list of {@code minSize..maxSize} (inclusive, uniform) values of this generator. */
    default Gen<List<T>> list(int minSize, int maxSize) {
      return random -> {
        int size = between(random, minSize, maxSize);
        List<T> values = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
          values.add(next(random));
        }
        return values;
      };
    }
  }

  /** The seed of case {@code index} under base seed {@code seed}. */
  public static long caseSeed(long seed, int index) {
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
  public static void forEachCase(int cases, Case check) {
    forEachCase(SEED, cases, check);
  }

  /** As {@link #forEachCase(int, Case)}, under the given base seed. */
  public static void forEachCase(long seed, int cases, Case check) {
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
  public static int between(Random random, int min, int max) {
    return min + random.nextInt(max - min + 1);
  }

  /** Uniformly one of {@code values}. */
  @SafeVarargs
  public static <T> Gen<T> of(T... values) {
    List<T> copy = List.copyOf(Arrays.asList(values));
    return random -> copy.get(random.nextInt(copy.size()));
  }

  /** Uniform ints in {@code min..max}, both inclusive. */
  public static Gen<Integer> integers(int min, int max) {
    return random -> between(random, min, max);
  }

  /** Strings of {@code minLength..maxLength} characters, each uniformly one of {@code chars}. */
  public static Gen<String> strings(String chars, int minLength, int maxLength) {
    return random -> {
      int length = between(random, minLength, maxLength);
      StringBuilder out = new StringBuilder(length);
      for (int i = 0; i < length; i++) {
        out.append(chars.charAt(random.nextInt(chars.length())));
      }
      return out.toString();
    };
  }

  /** The characters {@code first..last}, both inclusive, as one string. */
  public static String charRange(char first, char last) {
    StringBuilder out = new StringBuilder();
    for (char c = first; c <= last; c++) {
      out.append(c);
    }
    return out.toString();
  }

  /** Uniformly one of {@code gens}, then its value. */
  @SafeVarargs
  public static <T> Gen<T> oneOf(Gen<? extends T>... gens) {
    List<Gen<? extends T>> copy = List.copyOf(Arrays.asList(gens));
    return random -> copy.get(random.nextInt(copy.size())).next(random);
  }

  /** Weighted choice between generators; build with {@link #weighted()}. */
  public static final class Frequency<T> implements Gen<T> {
    private final List<Integer> weights = new ArrayList<>();
    private final List<Gen<? extends T>> gens = new ArrayList<>();
    private int total;

    private Frequency() {}

    public Frequency<T> with(int weight, Gen<? extends T> gen) {
      if (weight <= 0) {
        throw new IllegalArgumentException("weight: " + weight + " (expected: > 0)");
      }
      weights.add(weight);
      gens.add(gen);
      total += weight;
      return this;
    }

    @Override
    public T next(Random random) {
      int pick = random.nextInt(total);
      for (int i = 0; i < gens.size(); i++) {
        pick -= weights.get(i);
        if (pick < 0) {
          return gens.get(i).next(random);
        }
      }
      throw new IllegalStateException("no generators");
    }
  }

  /** An empty weighted choice; add alternatives with {@link Frequency#with}. */
  public static <T> Frequency<T> weighted() {
    return new Frequency<>();
  }

  /** {@code 0..maxParts} values of {@code piece}, concatenated. */
  public static Gen<String> concatenated(Gen<String> piece, int maxParts) {
    return random -> String.join("", piece.list(0, maxParts).next(random));
  }

  /** {@code text} as a Java string literal, non-printable and non-ASCII characters escaped. */
  public static String quote(String text) {
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
