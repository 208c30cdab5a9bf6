package dev.parley.codec.srtp;

/**
 * Counters of one receiving direction since it was created: packets accepted and dropped by
 * {@link SrtpDropReason}.
 *
 * @param rtpPackets SRTP packets authenticated and decrypted
 * @param rtcpPackets SRTCP packets authenticated and decrypted
 * @param droppedMalformed drops for {@link SrtpDropReason#MALFORMED}
 * @param droppedAuthentication drops for {@link SrtpDropReason#AUTHENTICATION}
 * @param droppedReplay drops for {@link SrtpDropReason#REPLAY}
 * @param droppedUnknownStream drops for {@link SrtpDropReason#UNKNOWN_STREAM}
 */
public record SrtpStats(long rtpPackets, long rtcpPackets, long droppedMalformed, long droppedAuthentication,
                        long droppedReplay, long droppedUnknownStream) {

    /** @return the drops counted for {@code reason} */
    public long dropped(SrtpDropReason reason) {
        return switch (reason) {
            case MALFORMED -> droppedMalformed;
            case AUTHENTICATION -> droppedAuthentication;
            case REPLAY -> droppedReplay;
            case UNKNOWN_STREAM -> droppedUnknownStream;
        };
    }

    /** @return all drops, whatever the reason */
    public long droppedTotal() {
        return droppedMalformed + droppedAuthentication + droppedReplay + droppedUnknownStream;
    }
}
