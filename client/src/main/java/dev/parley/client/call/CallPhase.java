package dev.parley.client.call;

/**
 * Where a call is (the state of its {@link CallSession}):
 * <pre>
 * caller: Calling ─RINGING→ Ringing ─ACCEPT→ Connecting ─pair selected→ Active ⇄ Recovering
 * callee: Ringing ─answer→ Connecting ─pair selected→ Active ⇄ Recovering
 * any phase ──BYE / REJECT / BUSY / timeout / failure──→ Ended(reason)
 * </pre>
 */
public sealed interface CallPhase {
    /** Outgoing: INVITE sent (or being prepared), no answer yet. */
    record Calling() implements CallPhase {}

    /** Outgoing: the callee's client is ringing. Incoming: waiting for the local user to answer. */
    record Ringing() implements CallPhase {}

    /** Answered: connectivity checks look for the media path. */
    record Connecting() implements CallPhase {}

    /**
     * Media flows.
     *
     * @param path how: {@code direct}, {@code hole-punched}, {@code relay-udp} or {@code relay-tcp}
     */
    record Active(String path) implements CallPhase {}

    /**
     * The media path was lost; a new one is being negotiated (docs/nat.md "Path failover").
     *
     * @param generation the renegotiation round ({@code MediaUpdate} generation)
     * @param reason why the path was found lost
     */
    record Recovering(int generation, String reason) implements CallPhase {}

    /**
     * Over.
     *
     * @param reason why
     * @param detail more for the user (the peer's words, an error message), or empty
     */
    record Ended(EndReason reason, String detail) implements CallPhase {}

    /** @return true once the call is over */
    default boolean ended() {
        return this instanceof Ended;
    }
}
