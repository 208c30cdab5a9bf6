package dev.parley.codec.opus;

/** Facts read from an Opus packet's first bytes without decoding it (RFC 6716 §3.1). */
public final class OpusPackets {
    private OpusPackets() {
    }

    /**
     * Whether a single-frame 20 ms mono SILK or hybrid packet carries in-band FEC (LBRR) data for
     * the previous frame. The TOC byte gives mode, frame size and frame count (RFC 6716 §3.1); the
     * SILK layer, which comes first in the range-coded data, starts with one VAD flag per frame and
     * then the LBRR flag, each coded with probability ½ (RFC 6716 §4.2.3), so they are the first two
     * bits of the byte after the TOC.
     *
     * @param packet an Opus packet
     * @return true if the packet says it carries LBRR data; false for CELT-only, stereo,
     *     multi-frame or too-short packets
     */
    public static boolean hasLbrr(byte[] packet) {
        if (packet == null || packet.length < 2) {
            return false;
        }
        int toc = packet[0] & 0xFF;
        int config = toc >> 3;
        if ((toc & 0x07) != 0) { // stereo flag or frame count code other than 0
            return false;
        }
        boolean silk20 = config < 12 && config % 4 == 1;
        boolean hybrid20 = config >= 12 && config < 16 && config % 2 == 1;
        return (silk20 || hybrid20) && (packet[1] & 0x40) != 0;
    }
}
