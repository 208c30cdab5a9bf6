package dev.parley.client.media;

import dev.parley.codec.opus.OpusDecoder;
import dev.parley.codec.quality.Fidelity;
import dev.parley.codec.rtp.MalformedPacketException;
import dev.parley.codec.rtp.Rtcp;
import dev.parley.codec.rtp.RtpPacket;
import dev.parley.protocol.PacketKind;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** What a curious relay can make of the media it forwards: every RTP stream decoded with Opus, scored against speech. */
public final class RelayedSpeech {
    private RelayedSpeech() {}

    /**
     * @param datagrams what the relay forwarded (STUN, RTCP and other datagrams are skipped)
     * @param speech the speech one party played
     * @return the best {@link Fidelity} score of any RTP stream's Opus decoding against {@code speech}
     *     (a lost or undecodable frame is concealed, as a receiver would); 0 without RTP
     */
    public static double bestFidelity(List<byte[]> datagrams, short[] speech) {
        Map<Long, List<RtpPacket>> streams = new HashMap<>();
        for (byte[] d : datagrams) {
            if (PacketKind.of(d) != PacketKind.RTP_OR_RTCP || Rtcp.isRtcp(d, 0, d.length)) {
                continue;
            }
            try {
                RtpPacket p = RtpPacket.decode(d, 0, d.length); // the header is in clear under SRTP too
                streams.computeIfAbsent(p.ssrc(), k -> new ArrayList<>()).add(p);
            } catch (MalformedPacketException e) {
                // not RTP
            }
        }
        double best = 0;
        for (List<RtpPacket> stream : streams.values()) {
            short[] pcm = new short[stream.size() * 960];
            short[] frame = new short[960];
            try (OpusDecoder decoder = OpusDecoder.create()) {
                for (int i = 0; i < stream.size(); i++) {
                    byte[] payload = stream.get(i).payload();
                    try {
                        decoder.decode(payload, 0, payload.length, frame);
                    } catch (RuntimeException e) { // corrupt: what ciphertext mostly is
                        decoder.conceal(frame);
                    }
                    System.arraycopy(frame, 0, pcm, i * 960, 960);
                }
            }
            best = Math.max(best, Fidelity.score(speech, pcm).score());
        }
        return best;
    }

    /** @return the number of RTP packets in {@code datagrams} */
    public static long rtpPackets(List<byte[]> datagrams) {
        return datagrams.stream().filter(d -> PacketKind.of(d) == PacketKind.RTP_OR_RTCP && !Rtcp.isRtcp(d, 0, d.length)).count();
    }
}
