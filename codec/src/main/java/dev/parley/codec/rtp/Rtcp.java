package dev.parley.codec.rtp;

import dev.parley.protocol.PacketKind;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Encodes and decodes compound RTCP packets (RFC 3550 §6.1) of {@link RtcpPacket}s, and tells
 * RTCP from RTP on a shared socket (RFC 5761 §4): both start with a byte in 128..191 (RFC 7983),
 * and RTCP's second byte (packet type) is 192..223, which as marker + payload type would be the
 * RTP payload types 64..95 that RFC 5761 tells RTP not to use.
 *
 * <p>Every packet starts with the common header:
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * |V=2|P|  count  |      PT       |  length (32-bit words − 1)    |
 * </pre>
 * The decoder is bounded: at most {@link RtpPacket#MAX_PACKET_BYTES} bytes, every declared length
 * and count is checked against the bytes present before anything is read, and unknown packet types
 * are skipped whole. Packets are built only from validated fields, so garbage yields a
 * {@link MalformedPacketException}, never another exception.
 */
public final class Rtcp {
    /** Seconds from the NTP epoch (1900) to the Unix epoch (1970). */
    static final long NTP_UNIX_OFFSET_SECONDS = 2_208_988_800L;
    private static final int HEADER_BYTES = 4;

    private Rtcp() {
    }

    /**
     * @param datagram a datagram received on the media socket, at least 2 bytes
     * @return true if it is RTCP by the RFC 5761 rule (first byte 128..191, second byte 192..223)
     */
    public static boolean isRtcp(byte[] datagram, int off, int len) {
        return len >= 2 && PacketKind.of(datagram[off] & 0xFF) == PacketKind.RTP_OR_RTCP && (datagram[off + 1] & 0xFF) >= 192
                && (datagram[off + 1] & 0xFF) <= 223;
    }

    /**
     * @param packets one or more packets, in order (RFC 3550 wants SR or RR first, then SDES)
     * @return the compound packet
     * @throws IllegalArgumentException if empty or longer than {@link RtpPacket#MAX_PACKET_BYTES}
     */
    public static byte[] encode(List<? extends RtcpPacket> packets) {
        if (packets.isEmpty()) {
            throw new IllegalArgumentException("rtcpPackets: 0 (expected: >= 1)");
        }
        int size = 0;
        for (RtcpPacket p : packets) {
            size += encodedLength(p);
        }
        if (size > RtpPacket.MAX_PACKET_BYTES) {
            throw new IllegalArgumentException("rtcpCompound: " + size + " bytes (expected: <= " + RtpPacket.MAX_PACKET_BYTES + ")");
        }
        byte[] out = new byte[size];
        int at = 0;
        for (RtcpPacket p : packets) {
            at = write(p, out, at);
        }
        return out;
    }

    /**
     * @return the packets of a compound RTCP packet, unknown types left out
     * @throws MalformedPacketException naming the problem, e.g. {@code "rtcpLength: 7 words (expected: <= 3)"}
     */
    public static List<RtcpPacket> decode(byte[] buf, int off, int len) throws MalformedPacketException {
        if (off < 0 || len < 0 || off + len > buf.length) {
            throw new MalformedPacketException("rtcpBounds: offset " + off + ", length " + len + " (buffer " + buf.length + ")");
        }
        if (len < HEADER_BYTES || len > RtpPacket.MAX_PACKET_BYTES) {
            throw new MalformedPacketException("rtcpCompound: " + len + " bytes (expected: 4.." + RtpPacket.MAX_PACKET_BYTES + ")");
        }
        List<RtcpPacket> packets = new ArrayList<>();
        int at = off;
        int end = off + len;
        while (at < end) {
            if (end - at < HEADER_BYTES) {
                throw new MalformedPacketException("rtcpTrailing: " + (end - at) + " bytes (expected: a 4-byte header)");
            }
            int b0 = buf[at] & 0xFF;
            if (b0 >> 6 != 2) {
                throw new MalformedPacketException("rtcpVersion: " + (b0 >> 6) + " (expected: 2)");
            }
            int count = b0 & 0x1F;
            int type = buf[at + 1] & 0xFF;
            int bytes = (getUint16(buf, at + 2) + 1) * 4;
            if (bytes > end - at) {
                throw new MalformedPacketException("rtcpLength: " + bytes + " bytes (expected: <= " + (end - at) + ")");
            }
            int bodyEnd = at + bytes;
            if ((b0 & 0x20) != 0) { // padding: only legal on the last packet (RFC 3550 A.2)
                int pad = buf[bodyEnd - 1] & 0xFF;
                if (bodyEnd != end || pad == 0 || pad > bytes - HEADER_BYTES) {
                    throw new MalformedPacketException("rtcpPadding: " + pad + " (expected: 1.." + (bytes - HEADER_BYTES) + " on the last packet)");
                }
                bodyEnd -= pad;
            }
            RtcpPacket p = parse(type, count, buf, at + HEADER_BYTES, bodyEnd);
            if (p != null) {
                packets.add(p);
            }
            at += bytes;
        }
        return packets;
    }

    private static RtcpPacket parse(int type, int count, byte[] b, int at, int end) throws MalformedPacketException {
        int body = end - at;
        switch (type) {
            case RtcpPacket.PT_SR -> {
                need("sr", body, 24 + count * RtcpReportBlock.BYTES);
                return new RtcpPacket.SenderReport(getUint32(b, at), getUint32(b, at + 4) << 32 | getUint32(b, at + 8),
                        getUint32(b, at + 12), getUint32(b, at + 16), getUint32(b, at + 20), blocks(b, at + 24, count));
            }
            case RtcpPacket.PT_RR -> {
                need("rr", body, 4 + count * RtcpReportBlock.BYTES);
                return new RtcpPacket.ReceiverReport(getUint32(b, at), blocks(b, at + 4, count));
            }
            case RtcpPacket.PT_SDES -> {
                if (count == 0) {
                    return null;
                }
                need("sdes", body, 4);
                long ssrc = getUint32(b, at);
                int i = at + 4;
                while (i + 2 <= end && b[i] != 0) { // items of the first chunk; we only need its CNAME
                    int itemType = b[i] & 0xFF;
                    int itemLen = b[i + 1] & 0xFF;
                    if (i + 2 + itemLen > end) {
                        throw new MalformedPacketException("sdesItem: " + itemLen + " bytes (expected: <= " + (end - i - 2) + ")");
                    }
                    if (itemType == 1 && itemLen > 0) {
                        return new RtcpPacket.SourceDescription(ssrc, new String(b, i + 2, itemLen, StandardCharsets.UTF_8));
                    }
                    i += 2 + itemLen;
                }
                return null;
            }
            case RtcpPacket.PT_BYE -> {
                if (count == 0) {
                    return null;
                }
                need("bye", body, 4 * count);
                return new RtcpPacket.Bye(getUint32(b, at));
            }
            default -> {
                return null; // APP, XR, feedback, ...: skipped
            }
        }
    }

    private static List<RtcpReportBlock> blocks(byte[] b, int at, int count) {
        List<RtcpReportBlock> blocks = new ArrayList<>(count);
        for (int k = 0; k < count; k++, at += RtcpReportBlock.BYTES) {
            int lost = (b[at + 5] & 0xFF) << 16 | (b[at + 6] & 0xFF) << 8 | (b[at + 7] & 0xFF);
            lost = lost << 8 >> 8; // sign-extend 24 bits
            blocks.add(new RtcpReportBlock(getUint32(b, at), b[at + 4] & 0xFF, lost, getUint32(b, at + 8),
                    getUint32(b, at + 12), getUint32(b, at + 16), getUint32(b, at + 20)));
        }
        return blocks;
    }

    private static int encodedLength(RtcpPacket p) {
        return switch (p) {
            case RtcpPacket.SenderReport sr -> HEADER_BYTES + 24 + sr.blocks().size() * RtcpReportBlock.BYTES;
            case RtcpPacket.ReceiverReport rr -> HEADER_BYTES + 4 + rr.blocks().size() * RtcpReportBlock.BYTES;
            case RtcpPacket.SourceDescription sd -> HEADER_BYTES + sdesChunkBytes(sd);
            case RtcpPacket.Bye bye -> HEADER_BYTES + 4;
        };
    }

    /** SSRC + CNAME item + at least one null octet, padded to 32 bits (RFC 3550 §6.5). */
    private static int sdesChunkBytes(RtcpPacket.SourceDescription sd) {
        int raw = 4 + 2 + sd.cname().getBytes(StandardCharsets.UTF_8).length + 1;
        return (raw + 3) & ~3;
    }

    private static int write(RtcpPacket p, byte[] out, int at) {
        int bytes = encodedLength(p);
        int count;
        int type;
        int i = at + HEADER_BYTES;
        switch (p) {
            case RtcpPacket.SenderReport sr -> {
                count = sr.blocks().size();
                type = RtcpPacket.PT_SR;
                putUint32(out, i, sr.ssrc());
                putUint32(out, i + 4, sr.ntpTimestamp() >>> 32);
                putUint32(out, i + 8, sr.ntpTimestamp() & 0xFFFF_FFFFL);
                putUint32(out, i + 12, sr.rtpTimestamp());
                putUint32(out, i + 16, sr.packetCount());
                putUint32(out, i + 20, sr.octetCount());
                writeBlocks(sr.blocks(), out, i + 24);
            }
            case RtcpPacket.ReceiverReport rr -> {
                count = rr.blocks().size();
                type = RtcpPacket.PT_RR;
                putUint32(out, i, rr.ssrc());
                writeBlocks(rr.blocks(), out, i + 4);
            }
            case RtcpPacket.SourceDescription sd -> {
                count = 1;
                type = RtcpPacket.PT_SDES;
                byte[] cname = sd.cname().getBytes(StandardCharsets.UTF_8);
                putUint32(out, i, sd.ssrc());
                out[i + 4] = 1; // CNAME
                out[i + 5] = (byte) cname.length;
                System.arraycopy(cname, 0, out, i + 6, cname.length);
                // the rest of the chunk stays zero: the end-of-items null octet and padding
            }
            case RtcpPacket.Bye bye -> {
                count = 1;
                type = RtcpPacket.PT_BYE;
                putUint32(out, i, bye.ssrc());
            }
        }
        out[at] = (byte) (0x80 | count);
        out[at + 1] = (byte) type;
        putUint16(out, at + 2, bytes / 4 - 1);
        return at + bytes;
    }

    private static void writeBlocks(List<RtcpReportBlock> blocks, byte[] out, int at) {
        for (RtcpReportBlock b : blocks) {
            putUint32(out, at, b.ssrc());
            out[at + 4] = (byte) b.fractionLost();
            int lost = b.cumulativeLost() & 0xFF_FFFF;
            out[at + 5] = (byte) (lost >> 16);
            out[at + 6] = (byte) (lost >> 8);
            out[at + 7] = (byte) lost;
            putUint32(out, at + 8, b.extendedHighestSeq());
            putUint32(out, at + 12, b.jitter());
            putUint32(out, at + 16, b.lastSr());
            putUint32(out, at + 20, b.delaySinceLastSr());
            at += RtcpReportBlock.BYTES;
        }
    }

    /**
     * @param epochMillis Unix time in ms
     * @return the 64-bit NTP timestamp (seconds since 1900 in the high word, fraction in the low word)
     */
    public static long ntpTimestamp(long epochMillis) {
        long seconds = Math.floorDiv(epochMillis, 1000L) + NTP_UNIX_OFFSET_SECONDS;
        long fraction = (Math.floorMod(epochMillis, 1000L) << 32) / 1000;
        return seconds << 32 | fraction;
    }

    /** @return the middle 32 bits of a 64-bit NTP timestamp (the LSR / "A" format of RFC 3550 §6.4.1) */
    public static long middle32(long ntpTimestamp) {
        return (ntpTimestamp >>> 16) & 0xFFFF_FFFFL;
    }

    /** @return a duration in ms as 1/65536 s units (DLSR), clamped to 0..2^32−1 */
    public static long toUnits65536(double millis) {
        return Math.max(0, Math.min(0xFFFF_FFFFL, Math.round(millis * 65.536)));
    }

    static void checkRange(String name, long value, long min, long max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + ": " + value + " (expected: " + min + ".." + max + ")");
        }
    }

    private static void need(String what, int have, int needed) throws MalformedPacketException {
        if (have < needed) {
            throw new MalformedPacketException(what + "Length: " + have + " bytes (expected: >= " + needed + ")");
        }
    }

    private static void putUint16(byte[] b, int at, int v) {
        b[at] = (byte) (v >> 8);
        b[at + 1] = (byte) v;
    }

    private static void putUint32(byte[] b, int at, long v) {
        b[at] = (byte) (v >> 24);
        b[at + 1] = (byte) (v >> 16);
        b[at + 2] = (byte) (v >> 8);
        b[at + 3] = (byte) v;
    }

    private static int getUint16(byte[] b, int at) {
        return (b[at] & 0xFF) << 8 | (b[at + 1] & 0xFF);
    }

    private static long getUint32(byte[] b, int at) {
        return (b[at] & 0xFFL) << 24 | (b[at + 1] & 0xFFL) << 16 | (b[at + 2] & 0xFFL) << 8 | (b[at + 3] & 0xFFL);
    }
}
