package org.complianceproxy.dlp;

/**
 * A validated match before overlaps are resolved.
 *
 * @param finding what the rule found
 * @param ruleIndex position of the rule in its file; the earlier rule wins the last tie
 */
record Candidate(Finding finding, int ruleIndex) {}
