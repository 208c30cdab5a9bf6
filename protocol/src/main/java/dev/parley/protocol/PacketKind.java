package dev.parley.protocol;

import io.netty.buffer.ByteBuf;

/**
 * Demultiplexes datagrams that share one UDP socket by their first byte (RFC 7983 §7, as
 * updated by RFC 9443):
 * <pre>
 *   0..3     STUN
 *   16..19   ZRTP
 *   20..63   DTLS
 *   64..79   TURN channel data
 *   128..191 RTP / RTCP
 *   else     unknown (drop)
 * </pre>
 * The one classifier for every socket that carries more than one of these (the client's media
 * socket, the super node's relay/STUN/mesh socket, the media relay). The super node's mesh
 * datagrams are protobuf and start with 0x08, which is {@link #UNKNOWN} here.
 */
public enum PacketKind {
    /** First byte 0..3. */
    STUN,
    /** First byte 16..19. */
    ZRTP,
    /** First byte 20..63. */
    DTLS,
    /** First byte 64..79. */
    TURN_CHANNEL,
    /** First byte 128..191. */
    RTP_OR_RTCP,
    /** Anything else, including empty datagrams. */
    UNKNOWN;

    /**
     * @param firstByte the first byte of the datagram, 0..255, or -1 for an empty datagram
     * @return its kind
     */
    public static PacketKind of(int firstByte) {
        if (firstByte < 0) {
            return UNKNOWN;
        }
        int b = firstByte & 0xff;
        if (b <= 3) {
            return STUN;
        }
        if (b >= 16 && b <= 19) {
            return ZRTP;
        }
        if (b >= 20 && b <= 63) {
            return DTLS;
        }
        if (b >= 64 && b <= 79) {
            return TURN_CHANNEL;
        }
        if (b >= 128 && b <= 191) {
            return RTP_OR_RTCP;
        }
        return UNKNOWN;
    }

    /** @return the kind of a datagram payload (by its first byte) */
    public static PacketKind of(byte[] datagram) {
        return of(datagram.length == 0 ? -1 : datagram[0] & 0xff);
    }

    /**
     * @param datagram a datagram's payload; its first readable byte is looked at, not consumed
     * @return its kind
     */
    public static PacketKind of(ByteBuf datagram) {
        return of(datagram.isReadable() ? datagram.getUnsignedByte(datagram.readerIndex()) : -1);
    }
}
