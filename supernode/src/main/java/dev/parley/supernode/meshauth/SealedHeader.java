package dev.parley.supernode.meshauth;

import dev.parley.supernode.meshauth.MeshDatagramException.Reason;
import java.nio.ByteBuffer;
import org.jspecify.annotations.Nullable;

/**
 * The clear header of a sealed mesh datagram (layout in {@link MeshSeal}): read before anything is
 * authenticated, so every field is bounds-checked here and nothing in it is trusted until the AEAD
 * tag, which covers all of it, verifies.
 *
 * @param flags {@link #FLAG_CERTIFICATE} or 0
 * @param senderKeyId the sender's key id (first 8 bytes of SHA-256 of its node key), big-endian
 * @param senderBoot the sender's boot id
 * @param receiverBoot the receiver's boot id as the sender knows it; 0 if it knows none yet
 * @param counter the sender's datagram counter (≥ 1), unique per sender boot
 * @param sentAtMs the sender's wall clock at sealing, epoch ms
 * @param certificate the sender's encoded {@code SuperNodeCertificate}, if carried
 * @param length header bytes, certificate included: where the ciphertext starts
 */
record SealedHeader(int flags, long senderKeyId, long senderBoot, long receiverBoot, long counter, long sentAtMs,
        byte @Nullable [] certificate, int length) {
    /** Flag bit: a certificate follows the fixed header. */
    static final int FLAG_CERTIFICATE = 0x01;
    /** Bytes of the fixed part: type, flags, key id, two boot ids, counter, time. */
    static final int FIXED_BYTES = 1 + 1 + 8 + 8 + 8 + 8 + 8;
    /** Largest certificate carried, in bytes (a real one is about 170). */
    static final int MAX_CERTIFICATE_BYTES = 1024;

    /**
     * Reads and bounds-checks the header of {@code datagram}.
     *
     * @param datagram a whole datagram (at most {@link MeshSeal#MAX_DATAGRAM_BYTES})
     * @return the header
     * @throws MeshDatagramException {@link Reason#MALFORMED} if the type, flags, counter or lengths are wrong
     */
    static SealedHeader parse(byte[] datagram) throws MeshDatagramException {
        if (datagram.length < FIXED_BYTES + MeshSeal.TAG_BYTES || datagram.length > MeshSeal.MAX_DATAGRAM_BYTES) {
            throw malformed(String.format("datagram: %d bytes (expected: %d..%d)", datagram.length,
                    FIXED_BYTES + MeshSeal.TAG_BYTES, MeshSeal.MAX_DATAGRAM_BYTES));
        }
        if ((datagram[0] & 0xff) != MeshSeal.TYPE) {
            throw malformed(String.format("type: 0x%02x (expected: 0x%02x)", datagram[0] & 0xff, MeshSeal.TYPE));
        }
        int flags = datagram[1] & 0xff;
        if ((flags & ~FLAG_CERTIFICATE) != 0) {
            throw malformed(String.format("flags: 0x%02x (expected: 0x00 or 0x01)", flags));
        }
        ByteBuffer in = ByteBuffer.wrap(datagram);
        long counter = in.getLong(26);
        if (counter <= 0) {
            throw malformed(String.format("counter: %d (expected: >= 1)", counter));
        }
        byte[] certificate = null;
        int length = FIXED_BYTES;
        if ((flags & FLAG_CERTIFICATE) != 0) {
            int certificateBytes = datagram.length < FIXED_BYTES + 2 ? -1 : in.getShort(FIXED_BYTES) & 0xffff;
            int room = datagram.length - FIXED_BYTES - 2 - MeshSeal.TAG_BYTES;
            if (certificateBytes < 1 || certificateBytes > Math.min(MAX_CERTIFICATE_BYTES, room)) {
                throw malformed(String.format("certificate: %d bytes (expected: 1..%d)", certificateBytes,
                        Math.max(0, Math.min(MAX_CERTIFICATE_BYTES, room))));
            }
            certificate = new byte[certificateBytes];
            System.arraycopy(datagram, FIXED_BYTES + 2, certificate, 0, certificateBytes);
            length = FIXED_BYTES + 2 + certificateBytes;
        }
        return new SealedHeader(flags, in.getLong(2), in.getLong(10), in.getLong(18), counter, in.getLong(34),
                certificate, length);
    }

    /**
     * Writes this header at the start of {@code out}.
     *
     * @param out the datagram being built (at least {@link #length} bytes)
     */
    void writeTo(byte[] out) {
        ByteBuffer buf = ByteBuffer.wrap(out);
        buf.put((byte) MeshSeal.TYPE).put((byte) flags).putLong(senderKeyId).putLong(senderBoot).putLong(receiverBoot)
                .putLong(counter).putLong(sentAtMs);
        if (certificate != null) {
            buf.putShort((short) certificate.length).put(certificate);
        }
    }

    /** @return the header length with {@code certificate} carried (null: none) */
    static int lengthWith(byte @Nullable [] certificate) {
        return certificate == null ? FIXED_BYTES : FIXED_BYTES + 2 + certificate.length;
    }

    private static MeshDatagramException malformed(String message) {
        return new MeshDatagramException(Reason.MALFORMED, message);
    }
}
