package org.complianceproxy.proxy.audit;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.complianceproxy.auditschema.AuditSchemas;

/**
 * Checks the hash chains ({@link AuditChain}) of every proxy instance found in an audit log: feed
 * it every record with the stream it was read from ({@link #accept}), in stream order, then ask for
 * the {@link #report()}.
 *
 * <p>A stream is one place whose order is meaningful: a Kafka partition, or the spool. Within a
 * stream an instance's records must appear in increasing {@code seq}, since the proxy writes and
 * ships them in chain order. It reports:
 *
 * <ul>
 *   <li>a <b>gap</b>: a {@code seq} missing from an instance's chain (a removed record), including
 *       records missing before the first one seen;
 *   <li>a <b>broken link</b>: a record whose {@code prev_hash} is not the hash of its predecessor
 *       (the predecessor was altered, or records were renumbered);
 *   <li>a <b>reordering</b>: within one stream, a record with a lower {@code seq} after a higher
 *       one;
 *   <li>a <b>conflict</b>: two different records with the same instance and {@code seq};
 *   <li>records that are not JSON or do not match their schema.
 * </ul>
 *
 * Byte-identical copies of a record (at-least-once delivery after a crash) are counted as
 * duplicates, not problems. The newest record of a chain has no successor, so an alteration of it
 * alone cannot be detected; a chain that ends in a {@code lifecycle} {@code stop} record ended
 * cleanly. Not thread-safe.
 */
public final class AuditVerifier {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** What is known about one instance's chain. */
  private static final class Chain {
    // seq -> hash of the record's bytes
    final TreeMap<Long, String> hashes = new TreeMap<>();
    // seq -> prev_hash the record claims
    final Map<Long, String> prevHashes = new HashMap<>();
    // seq of a lifecycle stop record, or -1
    long stopSeq = -1;
    long duplicates;
    // conflicts and reorderings found while reading
    int streamProblems;
  }

  private final Map<String, Chain> chains = new TreeMap<>();
  // stream + "\u0000" + instance -> highest seq seen there
  private final Map<String, Long> lastSeqInStream = new HashMap<>();
  private final List<String> problems = new ArrayList<>();
  private final boolean checkSchemas;
  private long records;

  /** A verifier that also checks each record against its schema when {@code checkSchemas}. */
  public AuditVerifier(boolean checkSchemas) {
    this.checkSchemas = checkSchemas;
  }

  /**
   * One record as read, with its stream (e.g. {@code partition 3}) and its position there (e.g. the
   * offset), which problems name.
   */
  public void accept(String stream, long position, byte[] line) {
    records++;
    String where = stream + " at " + position;
    JsonNode record;
    try {
      record = MAPPER.readTree(line);
    } catch (IOException e) {
      problems.add("unreadable: " + where + " is not JSON");
      return;
    }
    if (record == null || !record.isObject()) {
      problems.add("unreadable: " + where + " is not a JSON object");
      return;
    }
    if (checkSchemas) {
      for (String problem : AuditSchemas.v1().problems(record)) {
        problems.add("invalid: " + where + ": " + problem);
      }
    }
    String instance = record.path("instance").asText("");
    JsonNode seqNode = record.get("seq");
    if (instance.isEmpty() || seqNode == null || !seqNode.canConvertToLong()) {
      problems.add("unchained: " + where + " has no instance or seq");
      return;
    }
    long seq = seqNode.asLong();
    String hash = AuditChain.hash(line);
    Chain chain = chains.computeIfAbsent(instance, k -> new Chain());
    String known = chain.hashes.get(seq);
    if (known != null) {
      if (known.equals(hash)) {
        chain.duplicates++;
      } else {
        chain.streamProblems++;
        problems.add(
            "conflict: "
                + instance
                + " seq "
                + seq
                + " at "
                + where
                + " differs from an earlier record with the same seq (altered or forged)");
      }
      return;
    }
    String streamKey = stream + "\u0000" + instance;
    Long last = lastSeqInStream.get(streamKey);
    if (last != null && seq < last) {
      chain.streamProblems++;
      problems.add(
          "reordered: " + instance + " seq " + seq + " comes after seq " + last + " in " + where);
    } else {
      lastSeqInStream.put(streamKey, seq);
    }
    chain.hashes.put(seq, hash);
    chain.prevHashes.put(seq, record.path("prev_hash").asText(""));
    if ("lifecycle".equals(record.path("kind").asText())
        && "stop".equals(record.path("event").asText())) {
      chain.stopSeq = seq;
    }
  }

  /** {@link #accept(String, long, byte[])} for a line of text. */
  public void accept(String stream, long position, String line) {
    accept(stream, position, line.getBytes(UTF_8));
  }

  /** The result over everything accepted so far. */
  public Report report() {
    List<String> all = new ArrayList<>(problems);
    List<InstanceStatus> instances = new ArrayList<>();
    for (Map.Entry<String, Chain> entry : chains.entrySet()) {
      String instance = entry.getKey();
      Chain chain = entry.getValue();
      List<String> own = new ArrayList<>();
      long expected = 0;
      for (Map.Entry<Long, String> link : chain.hashes.entrySet()) {
        long seq = link.getKey();
        if (seq > expected) {
          own.add(
              "gap: "
                  + instance
                  + (seq - expected == 1
                      ? " seq " + expected
                      : " seq " + expected + ".." + (seq - 1))
                  + " missing (removed records)");
        } else {
          String prev = seq == 0 ? AuditChain.GENESIS : chain.hashes.get(seq - 1);
          if (prev != null && !prev.equals(chain.prevHashes.get(seq))) {
            own.add(
                "broken link: "
                    + instance
                    + " seq "
                    + seq
                    + " does not follow seq "
                    + (seq - 1)
                    + " (a record was altered, replaced or moved)");
          }
        }
        expected = seq + 1;
      }
      // A record right after a gap has no known predecessor; its link is unchecked.
      all.addAll(own);
      long first = chain.hashes.isEmpty() ? -1 : chain.hashes.firstKey();
      long last = chain.hashes.isEmpty() ? -1 : chain.hashes.lastKey();
      instances.add(
          new InstanceStatus(
              instance,
              chain.hashes.size(),
              first,
              last,
              chain.duplicates,
              chain.stopSeq >= 0 && chain.stopSeq == last,
              own.size() + chain.streamProblems));
    }
    return new Report(records, List.copyOf(instances), List.copyOf(all));
  }

  /**
   * The chain of one instance.
   *
   * @param records distinct records found
   * @param duplicates byte-identical copies that were skipped
   * @param endedCleanly whether the newest record is a lifecycle stop
   * @param problems how many problems concern this instance
   */
  public record InstanceStatus(
      String instance,
      long records,
      long firstSeq,
      long lastSeq,
      long duplicates,
      boolean endedCleanly,
      int problems) {}

  /**
   * The verification result.
   *
   * @param records every record read, duplicates included
   * @param problems one line per problem; empty when every chain is intact
   */
  public record Report(long records, List<InstanceStatus> instances, List<String> problems) {
    public boolean ok() {
      return problems.isEmpty();
    }
  }
}
