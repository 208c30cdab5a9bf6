package dev.parley.codec.rtp;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * An RTP data packet (RFC 3550 §5.1), fixed header in network byte order:
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |V=2|P|X|  CC   |M|     PT      |       sequence number         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                           timestamp                           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |           synchronization source (SSRC) identifier            |
 * +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
 * |       contributing source (CSRC) identifiers (CC × 32 bits)   |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  defined by profile (if X)    |  length in 32-bit words       |  RFC 3550 §5.3.1
 * |                   header extension data ...                   |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                         payload ...                           |
 * |                               | padding (if P) ... | pad count|
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * The version is always 2; the P, X and CC header fields are derived from {@code paddingBytes},
 * {@code extension} and {@code csrcs}. Arrays are held as given (not copied): treat them as
 * read-only. {@code equals}/{@code hashCode} compare array contents.
 *
 * @param marker         M bit; for Opus set on the first packet of a talkspurt (RFC 7587 §4.1)
 * @param payloadType    PT, 0..127 (111 for Opus here)
 * @param sequenceNumber 16-bit sequence number, 0..65535
 * @param timestamp      32-bit RTP timestamp as unsigned, 0..2^32-1 (48 kHz units for Opus)
 * @param ssrc           32-bit synchronization source as unsigned, 0..2^32-1
 * @param csrcs          contributing sources, 0..15 unsigned 32-bit values
 * @param extension      header extension; absent when X=0
 * @param payload        payload bytes, excluding padding
 * @param paddingBytes   0 for P=0, else 1..255 padding octets (the last octet holds the count)
 */
public record RtpPacket(boolean marker, int payloadType, int sequenceNumber, long timestamp, long ssrc,
                        long[] csrcs, @Nullable Extension extension, byte[] payload, int paddingBytes) {

    /** RTP version carried in every packet. */
    public static final int VERSION = 2;
    /** Fixed header length in bytes. */
    public static final int HEADER_BYTES = 12;
    /** Largest packet encoded or accepted: one Ethernet MTU, since we never fragment media. */
    public static final int MAX_PACKET_BYTES = 1500;
    private static final int MAX_CSRCS = 15;
    private static final long UINT32_MAX = 0xFFFF_FFFFL;
    private static final long[] NO_CSRCS = new long[0];

    /**
     * RTP header extension (RFC 3550 §5.3.1).
     *
     * @param profile 16-bit profile-defined value
     * @param data    extension body, a multiple of 4 bytes
     */
    public record Extension(int profile, byte[] data) {
        /** @throws IllegalArgumentException if profile is not 16-bit or data is not whole 32-bit words */
        public Extension {
            Objects.requireNonNull(data, "data");
            if (profile < 0 || profile > 0xFFFF) {
                throw new IllegalArgumentException("extensionProfile: " + profile + " (expected: 0..65535)");
            }
            if (data.length % 4 != 0) {
                throw new IllegalArgumentException("extensionBytes: " + data.length + " (expected: multiple of 4)");
            }
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Extension e && e.profile == profile && Arrays.equals(e.data, data);
        }

        @Override
        public int hashCode() {
            return 31 * profile + Arrays.hashCode(data);
        }

        @Override
        public String toString() {
            return "Extension[profile=" + profile + ", bytes=" + data.length + "]";
        }
    }

    /**
     * Validates every field so that any constructed packet encodes to a legal datagram.
     *
     * @throws IllegalArgumentException if a field is out of range or the packet would exceed {@link #MAX_PACKET_BYTES}
     */
    public RtpPacket {
        Objects.requireNonNull(payload, "payload");
        csrcs = csrcs == null ? NO_CSRCS : csrcs;
        checkRange("payloadType", payloadType, 0, 127);
        checkRange("sequenceNumber", sequenceNumber, 0, 0xFFFF);
        checkRange("timestamp", timestamp, 0, UINT32_MAX);
        checkRange("ssrc", ssrc, 0, UINT32_MAX);
        checkRange("paddingBytes", paddingBytes, 0, 255);
        if (csrcs.length > MAX_CSRCS) {
            throw new IllegalArgumentException("csrcCount: " + csrcs.length + " (expected: <= " + MAX_CSRCS + ")");
        }
        for (long csrc : csrcs) {
            checkRange("csrc", csrc, 0, UINT32_MAX);
        }
        int size = HEADER_BYTES + 4 * csrcs.length + (extension == null ? 0 : 4 + extension.data().length)
                + payload.length + paddingBytes;
        if (size > MAX_PACKET_BYTES) {
            throw new IllegalArgumentException("rtpPacket: " + size + " bytes (expected: <= " + MAX_PACKET_BYTES + ")");
        }
    }

    /**
     * A plain packet: no CSRCs, no extension, no padding.
     *
     * @throws IllegalArgumentException as the canonical constructor
     */
    public static RtpPacket of(boolean marker, int payloadType, int sequenceNumber, long timestamp, long ssrc,
                               byte[] payload) {
        return new RtpPacket(marker, payloadType, sequenceNumber, timestamp, ssrc, NO_CSRCS, null, payload, 0);
    }

    /** @return always {@value #VERSION} */
    public int version() {
        return VERSION;
    }

    /** @return the P bit */
    public boolean padding() {
        return paddingBytes > 0;
    }

    /** @return the X bit */
    public boolean hasExtension() {
        return extension != null;
    }

    /** @return the CC field */
    public int csrcCount() {
        return csrcs.length;
    }

    /** @return the encoded size in bytes */
    public int encodedLength() {
        return HEADER_BYTES + 4 * csrcs.length + (extension == null ? 0 : 4 + extension.data().length)
                + payload.length + paddingBytes;
    }

    /** @return the packet in wire format; padding octets are zero except the final count octet */
    public byte[] encode() {
        byte[] out = new byte[encodedLength()];
        out[0] = (byte) (VERSION << 6 | (paddingBytes > 0 ? 0x20 : 0) | (extension != null ? 0x10 : 0) | csrcs.length);
        out[1] = (byte) ((marker ? 0x80 : 0) | payloadType);
        putUint16(out, 2, sequenceNumber);
        putUint32(out, 4, timestamp);
        putUint32(out, 8, ssrc);
        int pos = HEADER_BYTES;
        for (long csrc : csrcs) {
            putUint32(out, pos, csrc);
            pos += 4;
        }
        if (extension != null) {
            putUint16(out, pos, extension.profile());
            putUint16(out, pos + 2, extension.data().length / 4);
            System.arraycopy(extension.data(), 0, out, pos + 4, extension.data().length);
            pos += 4 + extension.data().length;
        }
        System.arraycopy(payload, 0, out, pos, payload.length);
        if (paddingBytes > 0) {
            out[out.length - 1] = (byte) paddingBytes;
        }
        return out;
    }

    /**
     * Validates an RTP header without parsing it: what SRTP needs to find the header it
     * authenticates but does not encrypt (RFC 3711 §3.1, RFC 7714 §8.2).
     *
     * @param buf datagram buffer
     * @param off start of the packet
     * @param len packet length in bytes
     * @return the header length in bytes: fixed header, CSRCs and extension (header and body)
     * @throws MalformedPacketException  if shorter than the fixed header, longer than {@link #MAX_PACKET_BYTES},
     *                                   not version 2, or the CSRC list or extension overrun the packet
     * @throws IndexOutOfBoundsException if {@code off}/{@code len} are outside {@code buf}
     */
    public static int headerLength(byte[] buf, int off, int len) throws MalformedPacketException {
        Objects.checkFromIndexSize(off, len, buf.length);
        if (len < HEADER_BYTES) {
            throw new MalformedPacketException("rtpPacket: " + len + " bytes (expected: >= " + HEADER_BYTES + ")");
        }
        if (len > MAX_PACKET_BYTES) {
            throw new MalformedPacketException("rtpPacket: " + len + " bytes (expected: <= " + MAX_PACKET_BYTES + ")");
        }
        int b0 = buf[off] & 0xFF;
        int version = b0 >>> 6;
        if (version != VERSION) {
            throw new MalformedPacketException("rtpVersion: " + version + " (expected: " + VERSION + ")");
        }
        int csrcCount = b0 & 0x0F;
        int end = off + len;
        int pos = off + HEADER_BYTES + 4 * csrcCount;
        if (pos > end) {
            throw new MalformedPacketException("rtpCsrcCount: " + csrcCount + " needs " + (HEADER_BYTES + 4 * csrcCount)
                    + " bytes (have: " + len + ")");
        }
        if ((b0 & 0x10) != 0) {
            if (pos + 4 > end) {
                throw new MalformedPacketException("rtpExtensionHeader: needs " + (pos + 4 - off)
                        + " bytes (have: " + len + ")");
            }
            int extBytes = 4 * getUint16(buf, pos + 2);
            pos += 4;
            if (pos + extBytes > end) {
                throw new MalformedPacketException("rtpExtensionLength: " + extBytes + " bytes (expected: <= "
                        + (end - pos) + ")");
            }
            pos += extBytes;
        }
        return pos - off;
    }

    /**
     * Parses one RTP packet.
     *
     * @param buf datagram buffer
     * @param off start of the packet
     * @param len packet length in bytes
     * @return the packet; payload, CSRCs and extension are copies
     * @throws MalformedPacketException  if shorter than the fixed header, longer than {@link #MAX_PACKET_BYTES},
     *                                   not version 2, or the CSRC list, extension or padding overrun the packet
     * @throws IndexOutOfBoundsException if {@code off}/{@code len} are outside {@code buf}
     */
    public static RtpPacket decode(byte[] buf, int off, int len) throws MalformedPacketException {
        int headerBytes = headerLength(buf, off, len);
        int b0 = buf[off] & 0xFF;
        boolean hasPadding = (b0 & 0x20) != 0;
        int csrcCount = b0 & 0x0F;
        int b1 = buf[off + 1] & 0xFF;
        int end = off + len;
        int pos = off + HEADER_BYTES;
        long[] csrcs = csrcCount == 0 ? NO_CSRCS : new long[csrcCount];
        for (int i = 0; i < csrcCount; i++, pos += 4) {
            csrcs[i] = getUint32(buf, pos);
        }
        Extension extension = null;
        if ((b0 & 0x10) != 0) {
            extension = new Extension(getUint16(buf, pos), Arrays.copyOfRange(buf, pos + 4, off + headerBytes));
        }
        pos = off + headerBytes;
        int paddingBytes = 0;
        if (hasPadding) {
            paddingBytes = buf[end - 1] & 0xFF;
            if (paddingBytes == 0 || paddingBytes > end - pos) {
                throw new MalformedPacketException("rtpPadding: " + paddingBytes + " bytes (expected: 1.."
                        + (end - pos) + ")");
            }
        }
        byte[] payload = Arrays.copyOfRange(buf, pos, end - paddingBytes);
        return new RtpPacket((b1 & 0x80) != 0, b1 & 0x7F, getUint16(buf, off + 2), getUint32(buf, off + 4),
                getUint32(buf, off + 8), csrcs, extension, payload, paddingBytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RtpPacket p && p.marker == marker && p.payloadType == payloadType
                && p.sequenceNumber == sequenceNumber && p.timestamp == timestamp && p.ssrc == ssrc
                && p.paddingBytes == paddingBytes && Arrays.equals(p.csrcs, csrcs)
                && Objects.equals(p.extension, extension) && Arrays.equals(p.payload, payload);
    }

    @Override
    public int hashCode() {
        int h = Objects.hash(marker, payloadType, sequenceNumber, timestamp, ssrc, paddingBytes, extension);
        return 31 * (31 * h + Arrays.hashCode(csrcs)) + Arrays.hashCode(payload);
    }

    @Override
    public String toString() {
        return "RtpPacket[pt=" + payloadType + ", seq=" + sequenceNumber + ", ts=" + timestamp
                + ", ssrc=" + Long.toHexString(ssrc) + (marker ? ", M" : "") + ", csrcs=" + csrcs.length
                + (extension != null ? ", " + extension : "") + ", payloadBytes=" + payload.length
                + (paddingBytes > 0 ? ", paddingBytes=" + paddingBytes : "")
                + ", payload=" + HexFormat.of().formatHex(payload, 0, Math.min(payload.length, 8)) + "...]";
    }

    private static void checkRange(String name, long value, long min, long max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + ": " + value + " (expected: " + min + ".." + max + ")");
        }
    }

    private static void putUint16(byte[] b, int at, int v) {
        b[at] = (byte) (v >>> 8);
        b[at + 1] = (byte) v;
    }

    private static void putUint32(byte[] b, int at, long v) {
        b[at] = (byte) (v >>> 24);
        b[at + 1] = (byte) (v >>> 16);
        b[at + 2] = (byte) (v >>> 8);
        b[at + 3] = (byte) v;
    }

    private static int getUint16(byte[] b, int at) {
        return (b[at] & 0xFF) << 8 | (b[at + 1] & 0xFF);
    }

    private static long getUint32(byte[] b, int at) {
        return ((long) (b[at] & 0xFF) << 24) | (b[at + 1] & 0xFF) << 16 | (b[at + 2] & 0xFF) << 8 | (b[at + 3] & 0xFF);
    }
}
