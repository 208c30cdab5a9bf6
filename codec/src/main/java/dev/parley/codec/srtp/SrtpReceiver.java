package dev.parley.codec.srtp;

import dev.parley.codec.rtp.MalformedPacketException;
import dev.parley.codec.rtp.RtpPacket;
import java.security.GeneralSecurityException;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLongArray;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;

/**
 * Unprotects what the peer sends: SRTP (RFC 7714 §8) and SRTCP (RFC 7714 §9) with
 * AEAD_AES_128_GCM under the receiving direction's session keys. Each packet's index is found
 * (RFC 3711 §3.3.1: ROC guessed from the stream's highest index; SRTCP: the explicit index),
 * checked against the stream's replay window (§3.3.2), then authenticated and decrypted; only an
 * authenticated packet creates a stream or moves its window. Anything else is dropped with an
 * {@link SrtpException} naming a {@link SrtpDropReason}, counted in {@link #stats()}; no other
 * exception escapes for any received bytes.
 *
 * <p>Per-SSRC state is bounded ({@value #MAX_STREAMS} streams each for SRTP and SRTCP) and never
 * evicted. RTP and RTCP have separate ciphers and state: {@link #unprotectRtp} and
 * {@link #unprotectRtcp} may each run on its own thread, each on one thread at a time;
 * {@link #stats()} may be read from any thread.
 */
public final class SrtpReceiver {
    /** Most SSRCs accepted per session, for SRTP and for SRTCP: a call's peer sends one stream. */
    public static final int MAX_STREAMS = 16;
    private static final int RTCP_HEADER_BYTES = 8;
    private static final int MIN_SRTCP_BYTES = RTCP_HEADER_BYTES + SrtpSender.RTCP_OVERHEAD_BYTES;
    private final AesGcm rtp;
    private final AesGcm rtcp;
    private final SsrcTable<ReplayWindow> rtpStreams = new SsrcTable<>(MAX_STREAMS);
    private final SsrcTable<ReplayWindow> rtcpStreams = new SsrcTable<>(MAX_STREAMS);
    /** Accepted RTP, accepted RTCP, then one counter per {@link SrtpDropReason}. */
    private final AtomicLongArray counters = new AtomicLongArray(2 + SrtpDropReason.values().length);

    SrtpReceiver(SrtpSessionKeys keys) {
        this.rtp = new AesGcm(keys.rtpKey(), keys.rtpSalt());
        this.rtcp = new AesGcm(keys.rtcpKey(), keys.rtcpSalt());
    }

    /**
     * @param master the peer's sending master key ({@link SrtpKeys#receive()})
     * @return a receiver with no streams yet
     */
    public static SrtpReceiver forReceiving(SrtpMasterKey master) {
        return new SrtpReceiver(SrtpKeyDerivation.derive(master));
    }

    /**
     * Unprotects one SRTP packet into a new array.
     *
     * @param in the datagram's buffer
     * @param off start of the packet
     * @param len packet length, bytes
     * @return the RTP packet, {@value SrtpSender#RTP_OVERHEAD_BYTES} bytes shorter
     * @throws SrtpException if dropped, with the reason counted
     * @throws IndexOutOfBoundsException if {@code off}/{@code len} are outside {@code in}
     */
    public byte[] unprotectRtp(byte[] in, int off, int len) throws SrtpException {
        Objects.checkFromIndexSize(off, len, in.length);
        if (len < RtpPacket.HEADER_BYTES + AesGcm.TAG_BYTES || len > RtpPacket.MAX_PACKET_BYTES) {
            throw drop(SrtpDropReason.MALFORMED, "srtpPacket: " + len + " bytes (expected: "
                    + (RtpPacket.HEADER_BYTES + AesGcm.TAG_BYTES) + ".." + RtpPacket.MAX_PACKET_BYTES + ")");
        }
        byte[] out = new byte[len - AesGcm.TAG_BYTES];
        unprotectRtp(in, off, len, out, 0);
        return out;
    }

    /**
     * Unprotects one SRTP packet (RFC 7714 §8.2, §9.3 for the tag check; RFC 3711 §3.3 for the
     * order: index, replay check, authentication, then state update).
     *
     * @param in the datagram's buffer
     * @param off start of the packet
     * @param len packet length, bytes, at most {@link RtpPacket#MAX_PACKET_BYTES}
     * @param out where the RTP packet goes: {@code in} at the same offset, or another array
     * @param outOff start of the RTP packet in {@code out}
     * @return the RTP packet's length, {@code len − }{@value SrtpSender#RTP_OVERHEAD_BYTES}
     * @throws SrtpException if dropped, with the reason counted
     * @throws IndexOutOfBoundsException if {@code off}/{@code len} are outside {@code in}
     * @throws IllegalArgumentException if {@code out} cannot hold {@code len} bytes from {@code outOff}, or overlaps
     *                                  {@code in} at another offset
     */
    public int unprotectRtp(byte[] in, int off, int len, byte[] out, int outOff) throws SrtpException {
        checkOut(in, off, len, out, outOff, SrtpSender.RTP_OVERHEAD_BYTES);
        int headerBytes;
        try {
            headerBytes = RtpPacket.headerLength(in, off, len);
        } catch (MalformedPacketException e) {
            throw drop(SrtpDropReason.MALFORMED, e.getMessage());
        }
        if (len < headerBytes + AesGcm.TAG_BYTES) {
            throw drop(SrtpDropReason.MALFORMED, "srtpPacket: " + len + " bytes (expected: >= "
                    + (headerBytes + AesGcm.TAG_BYTES) + " for its header and tag)");
        }
        long ssrc = SrtpSender.uint32(in, off + 8);
        int seq = (in[off + 2] & 0xFF) << 8 | (in[off + 3] & 0xFF);
        ReplayWindow stream = rtpStreams.find(ssrc);
        if (stream == null && rtpStreams.isFull()) {
            throw drop(SrtpDropReason.UNKNOWN_STREAM, "ssrc: " + Long.toHexString(ssrc) + " (expected: one of "
                    + MAX_STREAMS + " known streams)");
        }
        long index = SrtpIndex.estimate(stream == null ? -1 : stream.highest(), seq);
        if (index < 0 || (stream != null && stream.isReplay(index))) {
            throw drop(SrtpDropReason.REPLAY, "srtpIndex: " + index + " (expected: new, within "
                    + ReplayWindow.SIZE + " of " + (stream == null ? -1 : stream.highest()) + ")");
        }
        Cipher cipher = this.rtp.start(Cipher.DECRYPT_MODE, ssrc, index);
        int opened = open(cipher, in, off, headerBytes, off + headerBytes, len - headerBytes, out,
                outOff + headerBytes, -1, "srtp");
        System.arraycopy(in, off, out, outOff, headerBytes);
        if (stream == null) {
            stream = new ReplayWindow();
            rtpStreams.add(ssrc, stream);
        }
        stream.accept(index);
        counters.incrementAndGet(0);
        return headerBytes + opened;
    }

    /**
     * Unprotects one SRTCP packet into a new array.
     *
     * @param in the datagram's buffer
     * @param off start of the packet
     * @param len packet length, bytes
     * @return the compound RTCP packet, {@value SrtpSender#RTCP_OVERHEAD_BYTES} bytes shorter
     * @throws SrtpException if dropped, with the reason counted
     * @throws IndexOutOfBoundsException if {@code off}/{@code len} are outside {@code in}
     */
    public byte[] unprotectRtcp(byte[] in, int off, int len) throws SrtpException {
        Objects.checkFromIndexSize(off, len, in.length);
        if (len < MIN_SRTCP_BYTES || len > RtpPacket.MAX_PACKET_BYTES) {
            throw drop(SrtpDropReason.MALFORMED, "srtcpPacket: " + len + " bytes (expected: " + MIN_SRTCP_BYTES + ".."
                    + RtpPacket.MAX_PACKET_BYTES + ")");
        }
        byte[] out = new byte[len - SrtpSender.RTCP_OVERHEAD_BYTES];
        unprotectRtcp(in, off, len, out, 0);
        return out;
    }

    /**
     * Unprotects one SRTCP packet (RFC 7714 §9.1–§9.3): the trailing ESRTCP word gives E and the
     * SRTCP index; E=0 (authentication only) is refused as {@link SrtpDropReason#MALFORMED}.
     *
     * @param in the datagram's buffer
     * @param off start of the packet
     * @param len packet length, bytes, at most {@link RtpPacket#MAX_PACKET_BYTES}
     * @param out where the RTCP packet goes: {@code in} at the same offset, or another array
     * @param outOff start of the RTCP packet in {@code out}
     * @return the RTCP packet's length, {@code len − }{@value SrtpSender#RTCP_OVERHEAD_BYTES}
     * @throws SrtpException if dropped, with the reason counted
     * @throws IndexOutOfBoundsException if {@code off}/{@code len} are outside {@code in}
     * @throws IllegalArgumentException if {@code out} cannot hold {@code len} bytes from {@code outOff}, or overlaps
     *                                  {@code in} at another offset
     */
    public int unprotectRtcp(byte[] in, int off, int len, byte[] out, int outOff) throws SrtpException {
        checkOut(in, off, len, out, outOff, SrtpSender.RTCP_OVERHEAD_BYTES);
        if (len < MIN_SRTCP_BYTES || len > RtpPacket.MAX_PACKET_BYTES) {
            throw drop(SrtpDropReason.MALFORMED, "srtcpPacket: " + len + " bytes (expected: " + MIN_SRTCP_BYTES + ".."
                    + RtpPacket.MAX_PACKET_BYTES + ")");
        }
        int version = (in[off] & 0xFF) >>> 6;
        if (version != RtpPacket.VERSION) {
            throw drop(SrtpDropReason.MALFORMED, "rtcpVersion: " + version + " (expected: " + RtpPacket.VERSION + ")");
        }
        int wordAt = off + len - 4;
        long word = SrtpSender.uint32(in, wordAt);
        if ((word & 0x8000_0000L) == 0) {
            throw drop(SrtpDropReason.MALFORMED, "srtcpE: 0 (expected: 1, unencrypted SRTCP is refused)");
        }
        long index = word & SrtpSender.MAX_RTCP_INDEX;
        long ssrc = SrtpSender.uint32(in, off + 4);
        ReplayWindow stream = rtcpStreams.find(ssrc);
        if (stream == null && rtcpStreams.isFull()) {
            throw drop(SrtpDropReason.UNKNOWN_STREAM, "ssrc: " + Long.toHexString(ssrc) + " (expected: one of "
                    + MAX_STREAMS + " known streams)");
        }
        if (stream != null && stream.isReplay(index)) {
            throw drop(SrtpDropReason.REPLAY, "srtcpIndex: " + index + " (expected: new, within "
                    + ReplayWindow.SIZE + " of " + stream.highest() + ")");
        }
        Cipher cipher = rtcp.start(Cipher.DECRYPT_MODE, ssrc, index);
        int opened = open(cipher, in, off, RTCP_HEADER_BYTES, off + RTCP_HEADER_BYTES, len - RTCP_HEADER_BYTES - 4,
                out, outOff + RTCP_HEADER_BYTES, wordAt, "srtcp");
        System.arraycopy(in, off, out, outOff, RTCP_HEADER_BYTES);
        if (stream == null) {
            stream = new ReplayWindow();
            rtcpStreams.add(ssrc, stream);
        }
        stream.accept(index);
        counters.incrementAndGet(1);
        return RTCP_HEADER_BYTES + opened;
    }

    /** @return the counters so far (any thread) */
    public SrtpStats stats() {
        return new SrtpStats(counters.get(0), counters.get(1), dropped(SrtpDropReason.MALFORMED),
                dropped(SrtpDropReason.AUTHENTICATION), dropped(SrtpDropReason.REPLAY),
                dropped(SrtpDropReason.UNKNOWN_STREAM));
    }

    private long dropped(SrtpDropReason reason) {
        return counters.get(2 + reason.ordinal());
    }

    private SrtpException drop(SrtpDropReason reason, String message) {
        counters.incrementAndGet(2 + reason.ordinal());
        return new SrtpException(reason, message);
    }

    /** Feeds the AAD (and the ESRTCP word at {@code wordAt} if >= 0), then authenticates and decrypts the body. */
    private int open(Cipher cipher, byte[] in, int aadOff, int aadLen, int bodyOff, int bodyLen, byte[] out, int outOff,
                     int wordAt, String what) throws SrtpException {
        try {
            cipher.updateAAD(in, aadOff, aadLen);
            if (wordAt >= 0) {
                cipher.updateAAD(in, wordAt, 4);
            }
            return cipher.doFinal(in, bodyOff, bodyLen, out, outOff);
        } catch (AEADBadTagException e) {
            throw drop(SrtpDropReason.AUTHENTICATION, what + "Tag: mismatch (expected: authentic under the session key)");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(what + " decryption failed", e);
        }
    }

    /** The caller's buffers, checked before any received byte is read, for the longest packet {@code len} can be. */
    private static void checkOut(byte[] in, int off, int len, byte[] out, int outOff, int overheadBytes) {
        Objects.checkFromIndexSize(off, len, in.length);
        int need = Math.clamp(len - overheadBytes, 0, RtpPacket.MAX_PACKET_BYTES - overheadBytes);
        if (outOff < 0 || outOff > out.length - need) {
            throw new IllegalArgumentException("out: " + (out.length - outOff) + " bytes from offset " + outOff
                    + " (expected: >= " + need + ")");
        }
        if (in == out && off != outOff && outOff < off + len && off < outOff + need) {
            throw new IllegalArgumentException("out: overlaps in at another offset (expected: in place or apart)");
        }
    }
}
