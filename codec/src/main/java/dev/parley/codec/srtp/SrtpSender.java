package dev.parley.codec.srtp;

import dev.parley.codec.rtp.MalformedPacketException;
import dev.parley.codec.rtp.RtpPacket;
import java.security.GeneralSecurityException;
import java.util.Objects;
import javax.crypto.Cipher;

/**
 * Protects what one side sends: SRTP (RFC 7714 §8) and SRTCP (RFC 7714 §9) with
 * AEAD_AES_128_GCM under one direction's session keys. RTP headers stay readable and are
 * authenticated; payloads are encrypted; a 16-byte tag follows. SRTCP keeps its first 8 octets
 * (header and sender SSRC) readable and ends with the tag and the E flag + 31-bit SRTCP index.
 *
 * <p>A GCM (key, IV) pair must never protect two packets, so the SRTP index of each SSRC must
 * grow: a sequence number that does not move the stream's index forward (a resent or stale
 * packet) is refused, and so is an exhausted key. RTP and RTCP have separate ciphers and state:
 * {@link #protectRtp} and {@link #protectRtcp} may each be called from its own thread, but each
 * from one thread at a time.
 */
public final class SrtpSender {
    /** Most SSRCs one sender protects: a call sends one stream; a few more cover a restart. */
    public static final int MAX_STREAMS = 16;
    /** Bytes SRTP adds to an RTP packet: the GCM tag. */
    public static final int RTP_OVERHEAD_BYTES = AesGcm.TAG_BYTES;
    /** Bytes SRTCP adds to an RTCP packet: the GCM tag and the E flag + SRTCP index word. */
    public static final int RTCP_OVERHEAD_BYTES = AesGcm.TAG_BYTES + 4;
    /** Largest SRTCP index (2^31-1): a key protects at most 2^31 SRTCP packets (RFC 7714 §13). */
    static final long MAX_RTCP_INDEX = 0x7FFF_FFFFL;
    private static final int RTCP_HEADER_BYTES = 8;
    private final AesGcm rtp;
    private final AesGcm rtcp;
    private final SsrcTable<ReplayWindow> rtpStreams = new SsrcTable<>(MAX_STREAMS);
    private final byte[] rtcpWord = new byte[4];
    private long nextRtcpIndex;

    SrtpSender(SrtpSessionKeys keys, long firstRtcpIndex) {
        this.rtp = new AesGcm(keys.rtpKey(), keys.rtpSalt());
        this.rtcp = new AesGcm(keys.rtcpKey(), keys.rtcpSalt());
        this.nextRtcpIndex = firstRtcpIndex;
    }

    /**
     * @param master this side's sending master key ({@link SrtpKeys#send()})
     * @return a sender whose first SRTCP index is 0 (RFC 3711 §3.4)
     */
    public static SrtpSender forSending(SrtpMasterKey master) {
        return new SrtpSender(SrtpKeyDerivation.derive(master), 0);
    }

    /**
     * Protects one RTP packet into a new array.
     *
     * @param rtp an RTP packet, at most {@link RtpPacket#MAX_PACKET_BYTES} − {@value #RTP_OVERHEAD_BYTES} bytes
     * @return the SRTP packet, {@value #RTP_OVERHEAD_BYTES} bytes longer
     * @throws IllegalArgumentException as {@link #protectRtp(byte[], int, int, byte[], int)}
     * @throws IllegalStateException as {@link #protectRtp(byte[], int, int, byte[], int)}
     */
    public byte[] protectRtp(byte[] rtp) {
        byte[] out = new byte[rtp.length + RTP_OVERHEAD_BYTES];
        protectRtp(rtp, 0, rtp.length, out, 0);
        return out;
    }

    /**
     * Protects one RTP packet (RFC 7714 §8.2): IV from SSRC, ROC and SEQ (§8.1), AAD the header
     * with CSRCs and extension, payload (with any padding) encrypted, tag appended.
     *
     * @param in the RTP packet's buffer
     * @param off start of the packet
     * @param len packet length, bytes
     * @param out where the SRTP packet goes; {@code in} at the same offset works in place if it has room for the tag
     * @param outOff start of the SRTP packet in {@code out}
     * @return the SRTP packet's length, {@code len + }{@value #RTP_OVERHEAD_BYTES}
     * @throws IllegalArgumentException if the packet is not valid RTP, too long, or does not advance its SSRC's index
     *                                  (a repeat would reuse a GCM IV); if {@code out} overlaps {@code in} elsewhere
     *                                  or is too small; or if a {@value #MAX_STREAMS}+1st SSRC is sent
     * @throws IllegalStateException if the stream's 2^48 indices are used up: the call must be rekeyed
     */
    public int protectRtp(byte[] in, int off, int len, byte[] out, int outOff) {
        int headerBytes;
        try {
            headerBytes = RtpPacket.headerLength(in, off, len);
        } catch (MalformedPacketException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        checkOut(in, off, len, out, outOff, RTP_OVERHEAD_BYTES);
        long ssrc = uint32(in, off + 8);
        int seq = (in[off + 2] & 0xFF) << 8 | (in[off + 3] & 0xFF);
        ReplayWindow stream = rtpStreams.find(ssrc);
        if (stream == null) {
            if (rtpStreams.isFull()) {
                throw new IllegalArgumentException("ssrcs: " + (MAX_STREAMS + 1) + " (expected: <= " + MAX_STREAMS + ")");
            }
            stream = new ReplayWindow();
            rtpStreams.add(ssrc, stream);
        }
        long index = SrtpIndex.estimate(stream.highest(), seq);
        if (index < 0 && stream.highest() >>> 16 == 0xFFFF_FFFFL) {
            throw new IllegalStateException("srtpIndex: 2^48 packets protected (expected: a new key)");
        }
        if (index <= stream.highest()) {
            throw new IllegalArgumentException("srtpIndex: " + index + " (expected: > " + stream.highest()
                    + ", a sequence number is never protected twice)");
        }
        Cipher cipher = this.rtp.start(Cipher.ENCRYPT_MODE, ssrc, index);
        try {
            cipher.updateAAD(in, off, headerBytes);
            int sealed = cipher.doFinal(in, off + headerBytes, len - headerBytes, out, outOff + headerBytes);
            System.arraycopy(in, off, out, outOff, headerBytes);
            stream.accept(index);
            return headerBytes + sealed;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SRTP encryption failed", e);
        }
    }

    /**
     * Protects one compound RTCP packet into a new array.
     *
     * @param rtcp an RTCP packet, at most {@link RtpPacket#MAX_PACKET_BYTES} − {@value #RTCP_OVERHEAD_BYTES} bytes
     * @return the SRTCP packet, {@value #RTCP_OVERHEAD_BYTES} bytes longer
     * @throws IllegalArgumentException as {@link #protectRtcp(byte[], int, int, byte[], int)}
     * @throws IllegalStateException as {@link #protectRtcp(byte[], int, int, byte[], int)}
     */
    public byte[] protectRtcp(byte[] rtcp) {
        byte[] out = new byte[rtcp.length + RTCP_OVERHEAD_BYTES];
        protectRtcp(rtcp, 0, rtcp.length, out, 0);
        return out;
    }

    /**
     * Protects one compound RTCP packet (RFC 7714 §9.1–§9.2, E=1): IV from the sender SSRC and
     * the next SRTCP index, AAD the first 8 octets and the ESRTCP word, the rest encrypted, then
     * tag and ESRTCP word appended.
     *
     * @param in the RTCP packet's buffer
     * @param off start of the packet
     * @param len packet length, bytes, at least 8
     * @param out where the SRTCP packet goes; {@code in} at the same offset works in place if it has room
     * @param outOff start of the SRTCP packet in {@code out}
     * @return the SRTCP packet's length, {@code len + }{@value #RTCP_OVERHEAD_BYTES}
     * @throws IllegalArgumentException if not RTCP version 2 with a sender SSRC, too long, or {@code out} overlaps
     *                                  {@code in} elsewhere or is too small
     * @throws IllegalStateException if 2^31 SRTCP packets were protected: the call must be rekeyed
     */
    public int protectRtcp(byte[] in, int off, int len, byte[] out, int outOff) {
        Objects.checkFromIndexSize(off, len, in.length);
        if (len < RTCP_HEADER_BYTES || len > RtpPacket.MAX_PACKET_BYTES - RTCP_OVERHEAD_BYTES) {
            throw new IllegalArgumentException("rtcpPacket: " + len + " bytes (expected: " + RTCP_HEADER_BYTES + ".."
                    + (RtpPacket.MAX_PACKET_BYTES - RTCP_OVERHEAD_BYTES) + ")");
        }
        if ((in[off] & 0xFF) >>> 6 != RtpPacket.VERSION) {
            throw new IllegalArgumentException("rtcpVersion: " + ((in[off] & 0xFF) >>> 6) + " (expected: 2)");
        }
        checkOut(in, off, len, out, outOff, RTCP_OVERHEAD_BYTES);
        if (nextRtcpIndex > MAX_RTCP_INDEX) {
            throw new IllegalStateException("srtcpIndex: 2^31 packets protected (expected: a new key)");
        }
        long index = nextRtcpIndex;
        long word = 0x8000_0000L | index; // E=1: encrypted (RFC 7714 §9.1)
        rtcpWord[0] = (byte) (word >>> 24);
        rtcpWord[1] = (byte) (word >>> 16);
        rtcpWord[2] = (byte) (word >>> 8);
        rtcpWord[3] = (byte) word;
        Cipher cipher = rtcp.start(Cipher.ENCRYPT_MODE, uint32(in, off + 4), index);
        try {
            cipher.updateAAD(in, off, RTCP_HEADER_BYTES);
            cipher.updateAAD(rtcpWord);
            int sealed = cipher.doFinal(in, off + RTCP_HEADER_BYTES, len - RTCP_HEADER_BYTES, out,
                    outOff + RTCP_HEADER_BYTES);
            System.arraycopy(in, off, out, outOff, RTCP_HEADER_BYTES);
            System.arraycopy(rtcpWord, 0, out, outOff + RTCP_HEADER_BYTES + sealed, 4);
            nextRtcpIndex++;
            return RTCP_HEADER_BYTES + sealed + 4;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SRTCP encryption failed", e);
        }
    }

    private static void checkOut(byte[] in, int off, int len, byte[] out, int outOff, int overheadBytes) {
        if (len > RtpPacket.MAX_PACKET_BYTES - overheadBytes) {
            throw new IllegalArgumentException("packet: " + len + " bytes (expected: <= "
                    + (RtpPacket.MAX_PACKET_BYTES - overheadBytes) + ")");
        }
        if (outOff < 0 || outOff > out.length - len - overheadBytes) {
            throw new IllegalArgumentException("out: " + (out.length - outOff) + " bytes from offset " + outOff
                    + " (expected: >= " + (len + overheadBytes) + ")");
        }
        if (in == out && off != outOff && outOff < off + len && off < outOff + len + overheadBytes) {
            throw new IllegalArgumentException("out: overlaps in at another offset (expected: in place or apart)");
        }
    }

    static long uint32(byte[] b, int at) {
        return ((long) (b[at] & 0xFF) << 24) | (b[at + 1] & 0xFF) << 16 | (b[at + 2] & 0xFF) << 8 | (b[at + 3] & 0xFF);
    }
}
