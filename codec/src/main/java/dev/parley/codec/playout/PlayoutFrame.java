package dev.parley.codec.playout;

import dev.parley.codec.rtp.RtpPacket;
import org.jspecify.annotations.Nullable;

/**
 * What the playout clock should do for one 20 ms slot, as decided by {@link JitterBuffer#poll}.
 *
 * @param kind   what to do
 * @param packet the packet to decode for PACKET, the next packet for FEC; absent for the other kinds
 * @param slot   the slot (extended timestamp / 960 plus an offset) for PACKET, FEC, LOST, DTX and EXPAND, else -1
 * @param droppable for PACKET: the adaptive delay is too high; if the decoded frame is quiet the
 *               caller may {@link JitterBuffer#drop} it and poll again at once
 */
public record PlayoutFrame(Kind kind, @Nullable RtpPacket packet, long slot, boolean droppable) {
    public enum Kind {
        /** Decode {@link PlayoutFrame#packet()}. */
        PACKET,
        /** The slot's packet is missing; decode it from the in-band FEC of {@link PlayoutFrame#packet()}, the next packet. */
        FEC,
        /** The slot's packet is missing: run packet loss concealment. */
        LOST,
        /** The sender sent nothing for this slot (DTX): run PLC, which fades to comfort silence. */
        DTX,
        /** Stretch: play one concealment frame to increase the delay; the slot is still to come. */
        EXPAND,
        /** Playout has not started (or re-buffers): play silence. */
        NOTHING
    }

    /** The shared NOTHING frame. */
    public static final PlayoutFrame NOTHING = new PlayoutFrame(Kind.NOTHING, null, -1, false);

    /** A frame that is not a drop candidate. */
    public PlayoutFrame(Kind kind, @Nullable RtpPacket packet, long slot) {
        this(kind, packet, slot, false);
    }

    /** @return the Opus payload for PACKET and FEC frames; absent for the other kinds */
    public byte @Nullable [] payload() {
        return packet == null ? null : packet.payload();
    }
}
