package dev.parley.client.call;

/** Observes call progress; called on the call engine's thread, so keep it quick. */
public interface CallListener {
    /** The call moved to another phase (also between two {@link CallPhase.Active} paths). */
    default void onPhase(String callId, String peer, CallPhase phase) {}

    /**
     * An audio device of the call failed or disappeared (e.g. unplugged); the call goes on with
     * silence in that direction. Called on the call's media thread, once per distinct message.
     */
    default void onMediaProblem(String callId, String peer, String message) {}

    /**
     * The call's keys are agreed: {@code security} holds the SAS both users should see (before
     * media flows). Called once per call.
     */
    default void onSecured(String callId, String peer, CallSecurity security) {}

    /**
     * LOUD: the peer's identity key is none of the device keys remembered for it ({@link KeyMemory}):
     * a new device of the peer's account (each device has its own key certified by the login
     * server) — or someone in the middle. Called before the call connects; users should compare the
     * SAS by voice.
     *
     * @param fingerprint the new key's fingerprint ({@link CallKeys#fingerprint})
     */
    default void onPeerNewDevice(String callId, String peer, String fingerprint) {}

    /**
     * The call's hold changed (docs/protocol.md "Hold"): media flows only when neither side holds it.
     *
     * @param heldHere we hold the call
     * @param heldThere the peer holds the call
     */
    default void onHold(String callId, String peer, boolean heldHere, boolean heldThere) {}

    /**
     * An incoming call was missed: the caller gave up, it rang out, or it came while we were busy
     * (answered BUSY). Called after {@link #onEnded} for calls that rang.
     *
     * @param caller the caller's username (verified)
     * @param atMs when it came, wall clock ms since the epoch
     * @param why what happened, e.g. "the caller hung up"
     */
    default void onMissedCall(String caller, long atMs, String why) {}

    /**
     * Call waiting: an incoming call rings while we are in a call with {@code currentPeer}. Answering it
     * ({@link CallEngine#answer}) holds the current call; declining it ({@link CallEngine#reject}) answers busy.
     */
    default void onCallWaiting(String callId, String caller, String currentPeer) {}

    /** The call ended. */
    default void onEnded(CallReport report) {}

    /** A listener that ignores everything. */
    CallListener NONE = new CallListener() {};
}
