package dev.parley.client.call;

import dev.parley.codec.AudioFormats;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.wire.Candidate;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.MediaDescription;
import java.net.InetSocketAddress;
import java.util.Comparator;

/** Builds and checks the media offer/answer carried in INVITE and ACCEPT. */
final class MediaDescriptions {
    private MediaDescriptions() {}

    static MediaDescription describe(long ssrc, int bitrateKbps, HostPort hostCandidate) {
        return MediaDescription.newBuilder()
                .addCandidates(Candidate.newBuilder().setType(Candidate.Type.HOST)
                        .setAddress(hostCandidate.toAddress()).setPriority(126 << 24))
                .setSsrc((int) ssrc)
                .setPayloadType(AudioFormats.OPUS_PAYLOAD_TYPE)
                .setClockRate(AudioFormats.SAMPLE_RATE_HZ)
                .setBitrateKbps(bitrateKbps)
                .setFrameMs(AudioFormats.FRAME_MS)
                .build();
    }

    /**
     * Picks where to send media: the highest-priority usable candidate.
     *
     * @throws ProtocolException BAD_REQUEST if the codec is not Opus/48 kHz or no candidate is usable
     */
    static InetSocketAddress remoteAddress(MediaDescription remote) throws ProtocolException {
        if (remote.getPayloadType() != AudioFormats.OPUS_PAYLOAD_TYPE || remote.getClockRate() != AudioFormats.SAMPLE_RATE_HZ) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, String.format(
                    "unsupported media: payload type %d at %d Hz (expected: Opus, PT %d at %d Hz)",
                    remote.getPayloadType(), remote.getClockRate(), AudioFormats.OPUS_PAYLOAD_TYPE, AudioFormats.SAMPLE_RATE_HZ));
        }
        return remote.getCandidatesList().stream()
                .filter(c -> !c.getAddress().getHost().isBlank() && c.getAddress().getPort() > 0 && c.getAddress().getPort() <= 65535)
                .max(Comparator.comparingLong(c -> Integer.toUnsignedLong(c.getPriority())))
                .map(c -> new InetSocketAddress(c.getAddress().getHost(), c.getAddress().getPort()))
                .orElseThrow(() -> new ProtocolException(ErrorCode.BAD_REQUEST, "media description has no usable candidate"));
    }
}
