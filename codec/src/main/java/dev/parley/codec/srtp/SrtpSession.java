package dev.parley.codec.srtp;

/**
 * A call's media protection: a {@link SrtpSender} under the send key and a {@link SrtpReceiver}
 * under the receive key of one {@link SrtpKeys} (suite {@value SrtpKeys#SUITE}, RFC 7714). The
 * four operations keep separate state, so each may run on its own thread; see the two halves for
 * shapes, bounds and errors.
 */
public final class SrtpSession {
    private final SrtpSender sender;
    private final SrtpReceiver receiver;

    private SrtpSession(SrtpSender sender, SrtpReceiver receiver) {
        this.sender = sender;
        this.receiver = receiver;
    }

    /**
     * Derives both directions' session keys (RFC 3711 §4.3).
     *
     * @param keys the call's master keys
     * @return a session with no streams yet
     */
    public static SrtpSession of(SrtpKeys keys) {
        return new SrtpSession(SrtpSender.forSending(keys.send()), SrtpReceiver.forReceiving(keys.receive()));
    }

    /** @return the protecting half */
    public SrtpSender sender() {
        return sender;
    }

    /** @return the unprotecting half */
    public SrtpReceiver receiver() {
        return receiver;
    }

    /** @see SrtpSender#protectRtp(byte[]) */
    public byte[] protectRtp(byte[] rtp) {
        return sender.protectRtp(rtp);
    }

    /** @see SrtpSender#protectRtcp(byte[]) */
    public byte[] protectRtcp(byte[] rtcp) {
        return sender.protectRtcp(rtcp);
    }

    /** @see SrtpReceiver#unprotectRtp(byte[], int, int) */
    public byte[] unprotectRtp(byte[] srtp, int off, int len) throws SrtpException {
        return receiver.unprotectRtp(srtp, off, len);
    }

    /** @see SrtpReceiver#unprotectRtcp(byte[], int, int) */
    public byte[] unprotectRtcp(byte[] srtcp, int off, int len) throws SrtpException {
        return receiver.unprotectRtcp(srtcp, off, len);
    }

    /** @return the receiving direction's counters (any thread) */
    public SrtpStats stats() {
        return receiver.stats();
    }
}
