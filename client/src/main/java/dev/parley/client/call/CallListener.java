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

    /** The call ended. */
    default void onEnded(CallReport report) {}

    /** A listener that ignores everything. */
    CallListener NONE = new CallListener() {};
}
