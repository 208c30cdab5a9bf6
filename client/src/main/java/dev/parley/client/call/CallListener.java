package dev.parley.client.call;

/** Observes call progress; called on the call engine's thread, so keep it quick. */
public interface CallListener {
    /** The call's state changed. */
    default void onState(String callId, String peer, CallState state) {}

    /** The call ended. */
    default void onEnded(CallReport report) {}

    /** A listener that ignores everything. */
    CallListener NONE = new CallListener() {};
}
