package dev.parley.client.call;

import dev.parley.codec.audio.AudioSink;
import dev.parley.codec.audio.AudioSource;

/** Decides what to do with an incoming call; called on the call engine's thread. */
public interface IncomingCallPolicy {

    /** The decision for one incoming call. */
    sealed interface Decision {}

    /** Answer at once with this audio. */
    record Answer(AudioSource source, AudioSink sink) implements Decision {}

    /** Decline with a reason shown to the caller. */
    record Decline(String reason) implements Decision {}

    /** Keep ringing; the user answers later with {@link CallEngine#answer}. */
    record Ring() implements Decision {}

    /**
     * @param callId the call's id
     * @param caller the caller's username (from a verified credential)
     * @return what to do
     */
    Decision onIncoming(String callId, String caller);
}
