package org.complianceproxy.proxy.vault;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;
import org.complianceproxy.proxy.vault.Sealer.Sealed;

/**
 * The on-disk form of the local vault: an append-only log.
 *
 * <pre>
 * file    = magic record*
 * magic   = "CPVAULT" 0x01
 * record  = length:u32 crc32c(payload):u32 payload
 * payload = entry | shred
 * entry   = 0x01 tenantLength:u16 tenant tokenLength:u16 token keyVersion:i32
 *           nonce:12 bytes ciphertextLength:u32 ciphertext     (strings in UTF-8, integers big-endian)
 * shred   = 0x02 tenantLength:u16 tenant      (every earlier entry of the tenant is gone)
 * </pre>
 *
 * A crash can leave a torn last record (short, or zero-filled by the file system); replay drops it
 * because its future never completed. Damage anywhere else is reported, never skipped, since it
 * would lose entries that callers were told are durable.
 */
final class VaultLog {

  static final byte[] MAGIC = {'C', 'P', 'V', 'A', 'U', 'L', 'T', 1};
  private static final byte ENTRY = 1;
  private static final byte SHRED = 2;
  private static final int MIN_SHRED_PAYLOAD_BYTES = 1 + 2;
  private static final int HEADER_BYTES = 2 * Integer.BYTES;
  private static final int MAX_STRING_BYTES = 0xffff;
  private static final int MAX_CIPHERTEXT_BYTES = 16 << 20;
  private static final int MIN_PAYLOAD_BYTES = 1 + 2 + 2 + 4 + Sealer.NONCE_BYTES + 4;
  private static final int MAX_PAYLOAD_BYTES =
      MIN_PAYLOAD_BYTES + 2 * MAX_STRING_BYTES + MAX_CIPHERTEXT_BYTES;

  private VaultLog() {}

  /** One entry as stored. */
  record LogEntry(String tenant, String token, Sealed sealed) {}

  /** What replay finds, record by record. */
  interface Sink {
    void entry(LogEntry entry);

    /** Every entry of {@code tenant} before this record was shredded. */
    void shred(String tenant);
  }

  /** The framed record that shreds {@code tenant}'s earlier entries. */
  static ByteBuffer encodeShred(String tenant) {
    byte[] bytes = tenant.getBytes(UTF_8);
    if (bytes.length > MAX_STRING_BYTES) {
      throw new IllegalArgumentException("tenant: longer than " + MAX_STRING_BYTES + " bytes");
    }
    ByteBuffer out = ByteBuffer.allocate(HEADER_BYTES + MIN_SHRED_PAYLOAD_BYTES + bytes.length);
    out.position(HEADER_BYTES);
    out.put(SHRED).putShort((short) bytes.length).put(bytes);
    CRC32C crc = new CRC32C();
    crc.update(out.array(), HEADER_BYTES, out.position() - HEADER_BYTES);
    out.putInt(0, out.position() - HEADER_BYTES);
    out.putInt(Integer.BYTES, (int) crc.getValue());
    return out.flip();
  }

  /** Appends the framed form of one entry to {@code out}, which must have room. */
  static void encode(LogEntry entry, ByteBuffer out) {
    byte[] tenant = entry.tenant().getBytes(UTF_8);
    byte[] token = entry.token().getBytes(UTF_8);
    int payloadStart = out.position() + HEADER_BYTES;
    out.position(payloadStart);
    out.put(ENTRY)
        .putShort((short) tenant.length)
        .put(tenant)
        .putShort((short) token.length)
        .put(token)
        .putInt(entry.sealed().keyVersion())
        .put(entry.sealed().nonce())
        .putInt(entry.sealed().ciphertext().length)
        .put(entry.sealed().ciphertext());
    int payloadEnd = out.position();
    CRC32C crc = new CRC32C();
    crc.update(out.array(), out.arrayOffset() + payloadStart, payloadEnd - payloadStart);
    out.putInt(payloadStart - HEADER_BYTES, payloadEnd - payloadStart);
    out.putInt(payloadStart - Integer.BYTES, (int) crc.getValue());
  }

  /**
   * The framed size of {@code entry}.
   *
   * @throws IllegalArgumentException when a field is too large for the format
   */
  static int encodedSize(LogEntry entry) {
    int tenant = entry.tenant().getBytes(UTF_8).length;
    int token = entry.token().getBytes(UTF_8).length;
    int ciphertext = entry.sealed().ciphertext().length;
    if (tenant > MAX_STRING_BYTES || token > MAX_STRING_BYTES) {
      throw new IllegalArgumentException(
          "tenant or token: longer than " + MAX_STRING_BYTES + " bytes");
    }
    if (ciphertext > MAX_CIPHERTEXT_BYTES) {
      throw new IllegalArgumentException(
          "value: " + ciphertext + " bytes sealed (expected: <= " + MAX_CIPHERTEXT_BYTES + ")");
    }
    return HEADER_BYTES + MIN_PAYLOAD_BYTES + tenant + token + ciphertext;
  }

  static ByteBuffer encodeAll(List<LogEntry> entries) {
    int size = 0;
    for (LogEntry entry : entries) {
      size += encodedSize(entry);
    }
    ByteBuffer buffer = ByteBuffer.allocate(size);
    for (LogEntry entry : entries) {
      encode(entry, buffer);
    }
    return buffer.flip();
  }

  /**
   * Reads every record of {@code channel} into {@code sink}, writing the magic first when the file
   * is empty.
   *
   * @return the offset just past the last intact record, where the next append goes
   * @throws IOException when the file is not a vault log or is damaged before its last record
   */
  static long replay(FileChannel channel, Path file, Sink sink) throws IOException {
    long size = channel.size();
    if (size < MAGIC.length) {
      byte[] head = readAt(channel, 0, (int) size);
      if (!Arrays.equals(head, Arrays.copyOf(MAGIC, (int) size))) {
        throw new IOException("Vault log " + file + " does not start with the vault magic");
      }
      ByteBuffer magic = ByteBuffer.wrap(MAGIC);
      while (magic.hasRemaining()) {
        channel.write(magic, MAGIC.length - magic.remaining());
      }
      channel.force(false);
      return MAGIC.length;
    }
    DataInputStream in =
        new DataInputStream(
            new BufferedInputStream(Channels.newInputStream(channel.position(0)), 1 << 16));
    byte[] magic = new byte[MAGIC.length];
    in.readFully(magic);
    if (!Arrays.equals(magic, MAGIC)) {
      throw new IOException("Vault log " + file + " does not start with the vault magic");
    }
    long offset = MAGIC.length;
    CRC32C crc = new CRC32C();
    while (offset < size) {
      String damage = null;
      long declaredEnd = Long.MAX_VALUE;
      if (size - offset < HEADER_BYTES) {
        damage = "a short record header";
      } else {
        int length = in.readInt();
        int checksum = in.readInt();
        declaredEnd = offset + HEADER_BYTES + Integer.toUnsignedLong(length);
        if (length < MIN_SHRED_PAYLOAD_BYTES || length > MAX_PAYLOAD_BYTES) {
          damage = "a record length of " + Integer.toUnsignedLong(length);
        } else if (declaredEnd > size) {
          damage = "a short record";
        } else {
          byte[] payload = new byte[length];
          in.readFully(payload);
          crc.reset();
          crc.update(payload);
          if ((int) crc.getValue() != checksum) {
            damage = "a checksum mismatch";
          } else {
            try {
              if (payload[0] == SHRED) {
                sink.shred(decodeShred(payload));
              } else {
                sink.entry(decode(payload));
              }
            } catch (BufferUnderflowException | IllegalArgumentException e) {
              damage = "a malformed record";
            }
          }
        }
      }
      if (damage != null) {
        if (declaredEnd >= size || allZero(channel, offset, size)) {
          return offset;
        }
        throw new IOException(
            "Vault log "
                + file
                + " is damaged at offset "
                + offset
                + ": "
                + damage
                + " before the last record; restore it from a backup");
      }
      offset = declaredEnd;
    }
    return offset;
  }

  private static String decodeShred(byte[] payload) {
    ByteBuffer in = ByteBuffer.wrap(payload);
    in.get();
    String tenant = readString(in);
    if (in.hasRemaining()) {
      throw new IllegalArgumentException("shred record length");
    }
    return tenant;
  }

  private static LogEntry decode(byte[] payload) {
    ByteBuffer in = ByteBuffer.wrap(payload);
    if (in.get() != ENTRY) {
      throw new IllegalArgumentException("record type");
    }
    String tenant = readString(in);
    String token = readString(in);
    int keyVersion = in.getInt();
    byte[] nonce = new byte[Sealer.NONCE_BYTES];
    in.get(nonce);
    int ciphertextLength = in.getInt();
    if (ciphertextLength < 0 || ciphertextLength != in.remaining()) {
      throw new IllegalArgumentException("ciphertext length");
    }
    byte[] ciphertext = new byte[ciphertextLength];
    in.get(ciphertext);
    return new LogEntry(tenant, token, new Sealed(keyVersion, nonce, ciphertext));
  }

  private static String readString(ByteBuffer in) {
    int length = Short.toUnsignedInt(in.getShort());
    byte[] bytes = new byte[length];
    in.get(bytes);
    return new String(bytes, UTF_8);
  }

  private static boolean allZero(FileChannel channel, long from, long size) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(1 << 16);
    for (long position = from; position < size; ) {
      buffer.clear();
      int n = channel.read(buffer, position);
      if (n < 0) {
        break;
      }
      for (int i = 0; i < n; i++) {
        if (buffer.get(i) != 0) {
          return false;
        }
      }
      position += n;
    }
    return true;
  }

  private static byte[] readAt(FileChannel channel, long position, int length) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(length);
    while (buffer.hasRemaining()) {
      if (channel.read(buffer, position + buffer.position()) < 0) {
        throw new EOFException();
      }
    }
    return buffer.array();
  }
}
