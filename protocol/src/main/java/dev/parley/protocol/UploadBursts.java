package dev.parley.protocol;

import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.ServeBurst;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * The upload burst of a serve candidate (docs/protocol.md "Serving clients"; {@code ServeBurst}):
 * the datagrams it sends from its serve port to the login server's probe socket, and the one
 * datagram the login server answers with. Both carry the reachability probe's 16-byte nonce, which
 * only the candidate and the login server know, so neither side acts on a stranger's datagram.
 * <pre>
 * burst:  "PRLYBST1" | nonce (16) | sequence (uint32 BE; top bit set on the last) | zeros, datagramBytes in all
 * answer: "PRLYBSA1" | nonce (16) | kbps (uint32 BE) | datagrams (uint32 BE), {@value #ANSWER_BYTES} bytes
 * </pre>
 */
public final class UploadBursts {
    /** The first 8 bytes of a burst datagram. */
    public static final byte[] BURST_MAGIC = "PRLYBST1".getBytes(StandardCharsets.US_ASCII);
    /** The first 8 bytes of the answer. */
    public static final byte[] ANSWER_MAGIC = "PRLYBSA1".getBytes(StandardCharsets.US_ASCII);
    /** Bytes of the nonce (the reachability probe's). */
    public static final int NONCE_BYTES = 16;
    /** Bytes of a burst datagram's header (magic, nonce, sequence): the least a datagram may have. */
    public static final int HEADER_BYTES = 28;
    /** Bytes of the answer: never more than one burst datagram, so never more than the prober received. */
    public static final int ANSWER_BYTES = 32;
    /** The most datagram bytes a burst may ask for (below a 1,500-byte MTU with IP and UDP headers). */
    public static final int MAX_DATAGRAM_BYTES = 1_400;
    /** The most datagrams a burst may ask for. */
    public static final int MAX_DATAGRAMS = 256;
    /** The longest a burst may be asked to last, ms. */
    public static final int MAX_DURATION_MS = 2_000;
    private static final int LAST = 0x8000_0000;

    private UploadBursts() {
    }

    /** A burst datagram's header. @param last whether the sender sends no more */
    public record Datagram(byte[] nonce, int sequence, boolean last) {}

    /** The prober's answer. @param kbps the upload it measured, kbit/s @param datagrams burst datagrams it counted */
    public record Answer(byte[] nonce, int kbps, int datagrams) {}

    /**
     * @throws ProtocolException unless the burst asks for 1..{@value #MAX_DATAGRAMS} datagrams of
     *     {@value #ANSWER_BYTES}..{@value #MAX_DATAGRAM_BYTES} bytes within 1..{@value #MAX_DURATION_MS} ms
     *     (a candidate sends no more than that, whoever asks)
     */
    public static void check(ServeBurst burst) throws ProtocolException {
        if (burst.getMaxDatagrams() < 1 || burst.getMaxDatagrams() > MAX_DATAGRAMS
                || burst.getDatagramBytes() < ANSWER_BYTES || burst.getDatagramBytes() > MAX_DATAGRAM_BYTES
                || burst.getDurationMs() < 1 || burst.getDurationMs() > MAX_DURATION_MS) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, String.format(
                    "serveBurst: %d datagrams of %d bytes in %d ms (expected: 1..%d of %d..%d bytes in 1..%d ms)",
                    burst.getMaxDatagrams(), burst.getDatagramBytes(), burst.getDurationMs(), MAX_DATAGRAMS,
                    ANSWER_BYTES, MAX_DATAGRAM_BYTES, MAX_DURATION_MS));
        }
    }

    /** @return burst datagram number {@code sequence} of {@code bytes} bytes ({@value #HEADER_BYTES}..{@value #MAX_DATAGRAM_BYTES}) */
    public static byte[] datagram(byte[] nonce, int sequence, boolean last, int bytes) {
        if (bytes < HEADER_BYTES || bytes > MAX_DATAGRAM_BYTES || nonce.length != NONCE_BYTES || sequence < 0) {
            throw new IllegalArgumentException(String.format("datagram: %d bytes, nonce %d bytes, sequence %d "
                    + "(expected: %d..%d, %d, >= 0)", bytes, nonce.length, sequence, HEADER_BYTES, MAX_DATAGRAM_BYTES,
                    NONCE_BYTES));
        }
        return ByteBuffer.allocate(bytes).put(BURST_MAGIC).put(nonce).putInt(last ? sequence | LAST : sequence).array();
    }

    /**
     * @param datagram a received datagram (not modified)
     * @return its header, or null if it is not a burst datagram (wrong size range or magic)
     */
    public static @Nullable Datagram parseDatagram(byte[] datagram) {
        if (datagram.length < HEADER_BYTES || datagram.length > MAX_DATAGRAM_BYTES
                || !Arrays.equals(datagram, 0, BURST_MAGIC.length, BURST_MAGIC, 0, BURST_MAGIC.length)) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(datagram, BURST_MAGIC.length, NONCE_BYTES + 4);
        byte[] nonce = new byte[NONCE_BYTES];
        b.get(nonce);
        int seq = b.getInt();
        return new Datagram(nonce, seq & ~LAST, (seq & LAST) != 0);
    }

    /** @return the answer datagram ({@value #ANSWER_BYTES} bytes) */
    public static byte[] answer(byte[] nonce, int kbps, int datagrams) {
        return ByteBuffer.allocate(ANSWER_BYTES).put(ANSWER_MAGIC).put(nonce, 0, NONCE_BYTES).putInt(kbps).putInt(datagrams)
                .array();
    }

    /** @return the answer in {@code datagram}, or null if it is not one (wrong size or magic) */
    public static @Nullable Answer parseAnswer(byte[] datagram) {
        if (datagram.length != ANSWER_BYTES
                || !Arrays.equals(datagram, 0, ANSWER_MAGIC.length, ANSWER_MAGIC, 0, ANSWER_MAGIC.length)) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(datagram, ANSWER_MAGIC.length, NONCE_BYTES + 8);
        byte[] nonce = new byte[NONCE_BYTES];
        b.get(nonce);
        return new Answer(nonce, b.getInt(), b.getInt());
    }
}
