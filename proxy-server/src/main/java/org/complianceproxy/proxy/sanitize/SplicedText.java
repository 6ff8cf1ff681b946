package org.complianceproxy.proxy.sanitize;

import java.util.Arrays;

/**
 * A text with some of its ranges replaced, kept as the original and the replacements rather than
 * copied into a new string. The new text of a request field is written once, into the upstream body
 * ({@link JsonSplice}); building it as a {@link String} first would copy the whole field twice more
 * (the builder, then the string). {@link #toString} still gives that string, for writers that need
 * one.
 *
 * <p>A writer reads it piece by piece ({@link #piece}), each a range of a string. {@link #charAt}
 * serves other readers: it remembers the piece it found the last char in, so reading forwards costs
 * one step a char (reading backwards starts the search over). Not thread-safe, like the request it
 * belongs to.
 */
final class SplicedText implements CharSequence {

  private final String original;
  // replaced ranges of original, ascending and disjoint: [starts[i], ends[i]) -> replacements[i]
  private final int[] starts;
  private final int[] ends;
  private final String[] replacements;
  private final int count;
  private final int length;

  // Pieces alternate: 2k is the original text before replacement k (after replacement k - 1), 2k +
  // 1 is replacement k, 2 * count the original text after the last one. The last charAt found its
  // char in piece cursorPiece, which starts at index cursorStart of this text.
  private int cursorPiece;
  private int cursorStart;
  private String string;

  private SplicedText(
      String original, int[] starts, int[] ends, String[] replacements, int count, int length) {
    this.original = original;
    this.starts = starts;
    this.ends = ends;
    this.replacements = replacements;
    this.count = count;
    this.length = length;
  }

  /** A builder of replacements of {@code original}, added in ascending order. */
  static Builder builder(String original) {
    return new Builder(original);
  }

  @Override
  public int length() {
    return length;
  }

  @Override
  public char charAt(int index) {
    if (index < 0 || index >= length) {
      throw new IndexOutOfBoundsException("index: " + index + " (expected: 0 to " + length + ")");
    }
    if (index < cursorStart) {
      cursorPiece = 0;
      cursorStart = 0;
    }
    int pieceLength;
    while (index - cursorStart >= (pieceLength = pieceLength(cursorPiece))) {
      cursorStart += pieceLength;
      cursorPiece++;
    }
    int offset = index - cursorStart;
    return (cursorPiece & 1) == 1
        ? replacements[cursorPiece >> 1].charAt(offset)
        : original.charAt(pieceStart(cursorPiece) + offset);
  }

  /** How many pieces the text is made of; each may be empty. */
  int pieces() {
    return 2 * count + 1;
  }

  /**
   * The string piece {@code k} is a range of: the text, in order, is {@code piece(k)[pieceFrom(k),
   * pieceTo(k))} for {@code k} from 0 to {@link #pieces}. No surrogate pair spans two pieces (see
   * {@link Builder#build}), so a writer may encode the pieces one by one.
   */
  String piece(int k) {
    return (k & 1) == 1 ? replacements[k >> 1] : original;
  }

  int pieceFrom(int k) {
    return (k & 1) == 1 ? 0 : pieceStart(k);
  }

  int pieceTo(int k) {
    return pieceFrom(k) + pieceLength(k);
  }

  // Where original piece 2k starts in the original text.
  private int pieceStart(int piece) {
    return piece == 0 ? 0 : ends[(piece >> 1) - 1];
  }

  private int pieceLength(int piece) {
    if ((piece & 1) == 1) {
      return replacements[piece >> 1].length();
    }
    int k = piece >> 1;
    int end = k < count ? starts[k] : original.length();
    return end - pieceStart(piece);
  }

  @Override
  public CharSequence subSequence(int start, int end) {
    return toString().subSequence(start, end);
  }

  /** The text as one string, built on first use. */
  @Override
  public String toString() {
    if (string == null) {
      StringBuilder out = new StringBuilder(length);
      int copied = 0;
      for (int i = 0; i < count; i++) {
        out.append(original, copied, starts[i]).append(replacements[i]);
        copied = ends[i];
      }
      string = out.append(original, copied, original.length()).toString();
    }
    return string;
  }

  /** Collects the replacements of one text. */
  static final class Builder {
    private final String original;
    private int[] starts = new int[4];
    private int[] ends = new int[4];
    private String[] replacements = new String[4];
    private int count;
    private long length;

    private Builder(String original) {
      this.original = original;
      this.length = original.length();
    }

    /**
     * Replaces {@code [start, end)} of the original by {@code replacement}; ranges must come in
     * ascending order, without overlap.
     */
    Builder replace(int start, int end, String replacement) {
      int previousEnd = count == 0 ? 0 : ends[count - 1];
      if (start < previousEnd || end < start || end > original.length()) {
        throw new IllegalArgumentException(
            "[" + start + ", " + end + "): (expected: ascending ranges within the text)");
      }
      if (count == starts.length) {
        starts = Arrays.copyOf(starts, 2 * count);
        ends = Arrays.copyOf(ends, 2 * count);
        replacements = Arrays.copyOf(replacements, 2 * count);
      }
      starts[count] = start;
      ends[count] = end;
      replacements[count] = replacement;
      count++;
      length += replacement.length() - (end - start);
      return this;
    }

    /** Whether anything was replaced. */
    boolean isEmpty() {
      return count == 0;
    }

    /**
     * The text with the replacements; as one string in the rare case where a replacement's edge
     * would join the halves of a surrogate pair (a high surrogate at the end of one piece and a low
     * one at the start of the next), which a piece-by-piece writer would see as two lone ones.
     */
    CharSequence build() {
      if (length > Integer.MAX_VALUE - 8) {
        throw new IllegalStateException("the rewritten text is too long");
      }
      SplicedText text = new SplicedText(original, starts, ends, replacements, count, (int) length);
      char last = 0;
      for (int k = 0; k < text.pieces(); k++) {
        int from = text.pieceFrom(k);
        int to = text.pieceTo(k);
        if (from < to) {
          String piece = text.piece(k);
          if (Character.isHighSurrogate(last) && Character.isLowSurrogate(piece.charAt(from))) {
            return text.toString();
          }
          last = piece.charAt(to - 1);
        }
      }
      return text;
    }
  }
}
