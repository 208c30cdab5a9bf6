package dev.parley.codec.rtp;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;

/**
 * The RTCP packets Parley sends and understands (RFC 3550 §6.4, §6.5). Other types in a compound
 * packet are skipped by the decoder, so newer peers may add them.
 */
public sealed interface RtcpPacket {
    /** Packet type of a sender report. */
    int PT_SR = 200;
    /** Packet type of a receiver report. */
    int PT_RR = 201;
    /** Packet type of a source description. */
    int PT_SDES = 202;
    /** Packet type of BYE. */
    int PT_BYE = 203;
    /** Largest number of report blocks in one SR/RR (5-bit count). */
    int MAX_BLOCKS = 31;

    /** @return the SSRC of the packet's sender (the first chunk's SSRC for SDES) */
    long ssrc();

    /**
     * Sender report (RFC 3550 §6.4.1), sent by a participant that sent RTP since its last report.
     *
     * @param ssrc         sender's SSRC
     * @param ntpTimestamp 64-bit NTP wallclock time when the report was sent (RFC 5905 era 0 format)
     * @param rtpTimestamp the same instant in RTP timestamp units, unsigned 32-bit
     * @param packetCount  RTP packets sent, unsigned 32-bit (wraps)
     * @param octetCount   RTP payload octets sent, unsigned 32-bit (wraps)
     * @param blocks       0..31 reception reports
     */
    record SenderReport(long ssrc, long ntpTimestamp, long rtpTimestamp, long packetCount, long octetCount,
                        List<RtcpReportBlock> blocks) implements RtcpPacket {
        /** @throws IllegalArgumentException if a field does not fit its wire width */
        public SenderReport {
            Rtcp.checkRange("ssrc", ssrc, 0, 0xFFFF_FFFFL);
            Rtcp.checkRange("rtpTimestamp", rtpTimestamp, 0, 0xFFFF_FFFFL);
            Rtcp.checkRange("packetCount", packetCount, 0, 0xFFFF_FFFFL);
            Rtcp.checkRange("octetCount", octetCount, 0, 0xFFFF_FFFFL);
            blocks = List.copyOf(blocks);
            Rtcp.checkRange("reportBlocks", blocks.size(), 0, MAX_BLOCKS);
        }
    }

    /**
     * Receiver report (RFC 3550 §6.4.2), sent by a participant that did not send RTP lately.
     *
     * @param ssrc   reporter's SSRC
     * @param blocks 0..31 reception reports
     */
    record ReceiverReport(long ssrc, List<RtcpReportBlock> blocks) implements RtcpPacket {
        /** @throws IllegalArgumentException if a field does not fit its wire width */
        public ReceiverReport {
            Rtcp.checkRange("ssrc", ssrc, 0, 0xFFFF_FFFFL);
            blocks = List.copyOf(blocks);
            Rtcp.checkRange("reportBlocks", blocks.size(), 0, MAX_BLOCKS);
        }
    }

    /**
     * Source description with one chunk carrying a CNAME item (RFC 3550 §6.5.1), which every
     * compound packet must include.
     *
     * @param ssrc  the described source
     * @param cname canonical name, 1..255 UTF-8 bytes
     */
    record SourceDescription(long ssrc, String cname) implements RtcpPacket {
        /** @throws IllegalArgumentException if the SSRC or CNAME length is out of range */
        public SourceDescription {
            Rtcp.checkRange("ssrc", ssrc, 0, 0xFFFF_FFFFL);
            Objects.requireNonNull(cname, "cname");
            Rtcp.checkRange("cnameBytes", cname.getBytes(StandardCharsets.UTF_8).length, 1, 255);
        }
    }

    /**
     * BYE (RFC 3550 §6.6) for one source, without a reason.
     *
     * @param ssrc the source leaving
     */
    record Bye(long ssrc) implements RtcpPacket {
        /** @throws IllegalArgumentException if the SSRC is out of range */
        public Bye {
            Rtcp.checkRange("ssrc", ssrc, 0, 0xFFFF_FFFFL);
        }
    }
}
