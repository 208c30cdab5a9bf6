package dev.parley.nat.turn;

import io.netty.buffer.ByteBuf;

/**
 * A TURN ChannelData message (RFC 8656 §12.4): application data to or from a peer bound to a
 * channel, behind a 4-byte header instead of a STUN Send/Data indication:
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |         Channel Number        |            Length             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                       Application Data                        |
 * </pre>
 * Channel numbers are 0x4000..0x4FFF (§12), so the first byte is 64..79 (RFC 7983's TURN channel
 * range). Length counts the application data only; over UDP the datagram may carry up to 3 bytes of
 * padding after it (§12.5).
 *
 * @param channel 0x4000..0x4FFF
 * @param length application data bytes, starting {@value #HEADER_BYTES} bytes into the datagram
 */
public record ChannelData(int channel, int length) {
    /** Header size. */
    public static final int HEADER_BYTES = 4;
    /** Lowest channel number (RFC 8656 §12). */
    public static final int MIN_CHANNEL = 0x4000;
    /** Highest channel number. */
    public static final int MAX_CHANNEL = 0x4FFF;
    /** Default bound on a datagram: one unfragmented Ethernet-sized UDP payload. */
    public static final int DEFAULT_MAX_BYTES = 1500;

    /** @throws IllegalArgumentException if the channel is out of range or the length negative */
    public ChannelData {
        checkChannel(channel);
        if (length < 0 || length > 0xFFFF) {
            throw new IllegalArgumentException(String.format("length: %d (expected: 0..65535)", length));
        }
    }

    static void checkChannel(int channel) {
        if (channel < MIN_CHANNEL || channel > MAX_CHANNEL) {
            throw new IllegalArgumentException(String.format("channel: 0x%x (expected: 0x4000..0x4fff)", channel));
        }
    }

    /**
     * Writes the header; the caller writes {@code length} bytes of application data after it.
     *
     * @param out where to write 4 bytes
     */
    public void writeHeader(ByteBuf out) {
        out.writeShort(channel).writeShort(length);
    }

    /**
     * Reads a ChannelData header, without consuming it.
     *
     * @param datagram one whole datagram (its readable bytes)
     * @param maxBytes upper bound on the datagram size
     * @return the header, whose data fits the datagram
     * @throws ChannelDataDecodeException naming the field, e.g. "channelData: 3 bytes (expected: >= 4)"
     */
    public static ChannelData decode(ByteBuf datagram, int maxBytes) throws ChannelDataDecodeException {
        int size = datagram.readableBytes();
        if (size < HEADER_BYTES) {
            throw new ChannelDataDecodeException(String.format("channelData: %d bytes (expected: >= %d)", size, HEADER_BYTES));
        }
        if (size > maxBytes) {
            throw new ChannelDataDecodeException(String.format("channelData: %d bytes (expected: <= %d)", size, maxBytes));
        }
        int at = datagram.readerIndex();
        int channel = datagram.getUnsignedShort(at);
        if (channel < MIN_CHANNEL || channel > MAX_CHANNEL) {
            throw new ChannelDataDecodeException(String.format("channel: 0x%04x (expected: 0x4000..0x4fff)", channel));
        }
        int length = datagram.getUnsignedShort(at + 2);
        int data = size - HEADER_BYTES;
        if (length > data || data - length > 3) {
            throw new ChannelDataDecodeException(String.format("length: %d (expected: %d..%d, the datagram's data)",
                    length, Math.max(0, data - 3), data));
        }
        return new ChannelData(channel, length);
    }
}
