package dev.parley.client.call;

/** Lifecycle of a call (signalling state machine). */
public enum CallState {
    /** Outgoing: INVITE sent, no answer yet. */
    CALLING,
    /** Outgoing: the callee's client is ringing. Incoming: waiting for the local user to answer. */
    RINGING,
    /** ACCEPT exchanged; media flowing (or about to). */
    ACTIVE,
    /** Over: BYE, REJECT, BUSY, error or timeout. */
    ENDED
}
