package dev.parley.supernode.meshauth;

/**
 * Why a mesh datagram was not sealed or not accepted. Every datagram that fails {@link MeshSeal#open}
 * is dropped without an answer; the reason is for counters, logs and tests.
 */
public final class MeshDatagramException extends Exception {
    /** What was wrong. */
    public enum Reason {
        /** Not a sealed datagram, or its header, lengths or certificate do not parse. */
        MALFORMED,
        /** Sealed for another boot of this super node (one from before a restart) or by this node itself. */
        NOT_FOR_US,
        /** Sent more than {@link MeshSeal#MAX_AGE} away from this node's clock. */
        STALE,
        /** A counter already accepted from that sender's boot, or too far below the newest. */
        REPLAYED,
        /** No valid certificate is known for the sender's key id and the datagram carries none. */
        UNKNOWN_SENDER,
        /** The certificate carried does not verify (another login server, expired, key id mismatch). */
        BAD_CERTIFICATE,
        /** A new certificate to verify, but the verification budget is spent. */
        RATE_LIMITED,
        /** The source address is not the one the sender's certificate names. */
        WRONG_ADDRESS,
        /** The AEAD tag does not verify: tampered, or sealed with other keys. */
        FORGED,
        /** Sealing: no certificate is known for the destination, or the result would be too large. */
        CANNOT_SEAL
    }

    private final Reason reason;

    /**
     * @param reason what was wrong
     * @param message details for logs
     */
    public MeshDatagramException(Reason reason, String message) {
        super(reason + ": " + message, null, false, false); // dropped datagrams are common: no stack trace
        this.reason = reason;
    }

    /** @return what was wrong */
    public Reason reason() {
        return reason;
    }
}
