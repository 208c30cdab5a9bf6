package dev.parley.nat.stun;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encodes and decodes STUN messages (RFC 8489 §5, §14). See {@link StunMessage} for the header
 * and {@link StunAttribute} for the attribute layout. Decoding is bounded and total: any input
 * yields a {@link StunMessage} or a {@link StunDecodeException}, never another exception. A
 * present FINGERPRINT is checked while decoding; MESSAGE-INTEGRITY is checked separately with
 * {@link #verifyIntegrity} because only the caller knows the key.
 */
public final class StunCodec {
    /** The magic cookie (RFC 8489 §5). */
    public static final int MAGIC_COOKIE = 0x2112A442;
    /** FINGERPRINT XOR constant, "STUN" in ASCII (§14.7). */
    public static final int FINGERPRINT_XOR = 0x5354554E;
    /** Header size. */
    public static final int HEADER_BYTES = 20;
    /** Default bound: a STUN message over UDP must fit one unfragmented datagram (§6.1). */
    public static final int DEFAULT_MAX_BYTES = 1500;

    private StunCodec() {}

    /**
     * @param message the message; attributes MESSAGE-INTEGRITY(-SHA256)/FINGERPRINT in it are
     *     written as given (use {@code seal} to compute them instead)
     * @param seal what to compute and append
     * @return the datagram payload
     * @throws IllegalArgumentException if an attribute cannot be encoded (e.g. unresolved address)
     */
    public static byte[] encode(StunMessage message, StunSeal seal) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        byte[] header = new byte[HEADER_BYTES];
        ByteBuffer.wrap(header).putShort((short) message.type().wireValue()).putShort((short) 0)
                .putInt(MAGIC_COOKIE).put(message.transactionId().bytes());
        out.writeBytes(header);
        for (StunAttribute a : message.attributes()) {
            writeAttribute(out, a.type(), StunAttributeCodec.encodeValue(a, message.transactionId()));
        }
        if (seal.sha1()) {
            byte[] mac = hmac("HmacSHA1", seal.key(), withLength(out.toByteArray(), out.size() - HEADER_BYTES + 24));
            writeAttribute(out, StunAttribute.MESSAGE_INTEGRITY, mac);
        }
        if (seal.sha256()) {
            byte[] mac = hmac("HmacSHA256", seal.key(), withLength(out.toByteArray(), out.size() - HEADER_BYTES + 36));
            writeAttribute(out, StunAttribute.MESSAGE_INTEGRITY_SHA256, mac);
        }
        if (seal.fingerprint()) {
            byte[] soFar = withLength(out.toByteArray(), out.size() - HEADER_BYTES + 8);
            writeAttribute(out, StunAttribute.FINGERPRINT, ByteBuffer.allocate(4).putInt(crc(soFar, soFar.length)).array());
        }
        return withLength(out.toByteArray(), out.size() - HEADER_BYTES);
    }

    /** Decodes with the default bound of {@value #DEFAULT_MAX_BYTES} bytes. */
    public static StunMessage decode(byte[] data) throws StunDecodeException {
        return decode(data, DEFAULT_MAX_BYTES);
    }

    /**
     * @param data one whole datagram
     * @param maxBytes upper bound on the datagram size
     * @return the message
     * @throws StunDecodeException naming the offending field, e.g. "stunMessage: 7 bytes (expected: >= 20)"
     */
    public static StunMessage decode(byte[] data, int maxBytes) throws StunDecodeException {
        checkHeader(data, maxBytes);
        ByteBuffer buf = ByteBuffer.wrap(data);
        StunMessageType type = StunMessageType.fromWire(buf.getShort(0) & 0xffff);
        TransactionId id = TransactionId.of(Arrays.copyOfRange(data, 8, HEADER_BYTES));
        List<StunAttribute> attributes = new ArrayList<>();
        int pos = HEADER_BYTES;
        while (pos < data.length) {
            if (data.length - pos < 4) {
                throw new StunDecodeException(String.format("attribute header at %d: %d bytes (expected: 4)", pos, data.length - pos));
            }
            int attrType = buf.getShort(pos) & 0xffff;
            int len = buf.getShort(pos + 2) & 0xffff;
            int padded = (len + 3) & ~3;
            if (padded > data.length - pos - 4) {
                throw new StunDecodeException(String.format("attribute 0x%04x: length %d (expected: <= %d)",
                        attrType, len, data.length - pos - 4));
            }
            if (!attributes.isEmpty() && attributes.get(attributes.size() - 1) instanceof StunAttribute.Fingerprint) {
                throw new StunDecodeException(String.format("attribute 0x%04x: after FINGERPRINT (expected: FINGERPRINT last)", attrType));
            }
            byte[] value = Arrays.copyOfRange(data, pos + 4, pos + 4 + len);
            StunAttribute a = StunAttributeCodec.decodeValue(attrType, value, id);
            if (a instanceof StunAttribute.Fingerprint fp) {
                int expected = crc(data, pos);
                if (fp.crc32XorStun() != expected) {
                    throw new StunDecodeException(String.format("fingerprint: 0x%08x (expected: 0x%08x)", fp.crc32XorStun(), expected));
                }
            }
            attributes.add(a);
            pos += 4 + padded;
        }
        return new StunMessage(type, id, attributes);
    }

    /**
     * Cheap test used for demultiplexing (RFC 8489 §6.3, RFC 7983): first two bits zero, length a
     * multiple of 4 that matches the datagram, magic cookie present.
     *
     * @return true if the datagram has a plausible STUN header
     */
    public static boolean looksLikeStun(byte[] data) {
        try {
            checkHeader(data, Integer.MAX_VALUE);
            return true;
        } catch (StunDecodeException e) {
            return false;
        }
    }

    /**
     * Checks MESSAGE-INTEGRITY (HMAC-SHA1, RFC 8489 §14.5) of a received datagram.
     *
     * @param data the datagram as received (must decode)
     * @param key short-term key (the UTF-8 password)
     * @return true if MESSAGE-INTEGRITY is present and matches
     */
    public static boolean verifyIntegrity(byte[] data, byte[] key) {
        return verify(data, key, StunAttribute.MESSAGE_INTEGRITY, "HmacSHA1");
    }

    /** Like {@link #verifyIntegrity} for MESSAGE-INTEGRITY-SHA256 (§14.6); truncated HMACs compare their prefix. */
    public static boolean verifyIntegritySha256(byte[] data, byte[] key) {
        return verify(data, key, StunAttribute.MESSAGE_INTEGRITY_SHA256, "HmacSHA256");
    }

    private static boolean verify(byte[] data, byte[] key, int attrType, String algorithm) {
        if (!looksLikeStun(data) || key == null) {
            return false;
        }
        ByteBuffer buf = ByteBuffer.wrap(data);
        int pos = HEADER_BYTES;
        while (pos + 4 <= data.length) {
            int t = buf.getShort(pos) & 0xffff;
            int len = buf.getShort(pos + 2) & 0xffff;
            int padded = (len + 3) & ~3;
            if (pos + 4 + padded > data.length) {
                return false;
            }
            if (t == attrType) {
                byte[] prefix = withLength(Arrays.copyOf(data, pos), pos - HEADER_BYTES + 4 + len);
                byte[] mac = hmac(algorithm, key, prefix);
                byte[] got = Arrays.copyOfRange(data, pos + 4, pos + 4 + len);
                return len >= 16 && len <= mac.length && MessageDigest.isEqual(Arrays.copyOf(mac, len), got);
            }
            pos += 4 + padded;
        }
        return false;
    }

    private static void checkHeader(byte[] data, int maxBytes) throws StunDecodeException {
        if (data == null || data.length < HEADER_BYTES) {
            throw new StunDecodeException(String.format("stunMessage: %d bytes (expected: >= %d)", data == null ? 0 : data.length, HEADER_BYTES));
        }
        if (data.length > maxBytes) {
            throw new StunDecodeException(String.format("stunMessage: %d bytes (expected: <= %d)", data.length, maxBytes));
        }
        if ((data[0] & 0xc0) != 0) {
            throw new StunDecodeException(String.format("firstByte: 0x%02x (expected: 0x00..0x3f)", data[0] & 0xff));
        }
        int length = ((data[2] & 0xff) << 8) | (data[3] & 0xff);
        if ((length & 3) != 0 || length != data.length - HEADER_BYTES) {
            throw new StunDecodeException(String.format("messageLength: %d (expected: %d, a multiple of 4)", length, data.length - HEADER_BYTES));
        }
        int cookie = ByteBuffer.wrap(data).getInt(4);
        if (cookie != MAGIC_COOKIE) {
            throw new StunDecodeException(String.format("magicCookie: 0x%08x (expected: 0x%08x)", cookie, MAGIC_COOKIE));
        }
    }

    private static void writeAttribute(ByteArrayOutputStream out, int type, byte[] value) {
        if (value.length > 0xffff) {
            throw new IllegalArgumentException(String.format("attribute 0x%04x: %d bytes (expected: <= 65535)", type, value.length));
        }
        out.write(type >>> 8);
        out.write(type);
        out.write(value.length >>> 8);
        out.write(value.length);
        out.writeBytes(value);
        for (int i = value.length; (i & 3) != 0; i++) {
            out.write(0);
        }
    }

    /** @return a copy of the bytes with the header's length field set */
    private static byte[] withLength(byte[] message, int length) {
        byte[] copy = message.clone();
        copy[2] = (byte) (length >>> 8);
        copy[3] = (byte) length;
        return copy;
    }

    private static int crc(byte[] data, int length) {
        CRC32 crc = new CRC32();
        crc.update(data, 0, length);
        return (int) crc.getValue() ^ FINGERPRINT_XOR;
    }

    private static byte[] hmac(String algorithm, byte[] key, byte[] input) {
        try {
            Mac mac = Mac.getInstance(algorithm);
            // HMAC keys may be empty (an empty password); SecretKeySpec refuses that, pad-free 1-byte 0 is equivalent.
            mac.init(new SecretKeySpec(key.length == 0 ? new byte[1] : key, algorithm));
            return mac.doFinal(input);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(algorithm + " unavailable", e);
        }
    }
}
