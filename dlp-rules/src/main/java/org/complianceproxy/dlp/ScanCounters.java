package org.complianceproxy.dlp;

/**
 * Work done by one scan, counted so that tests can prove the scanner linear without timing it.
 * Mutable and confined to the thread running the scan.
 */
final class ScanCounters {
  /** Anchored pattern matches tried, summed over rules. */
  long attempts;

  /** Chars handed to RE2J: the slices of all attempts and the candidate prefixes re-matched. */
  long searchedChars;

  /** Candidates (and candidate prefixes) handed to validators. */
  long validatorCalls;
}
