package dev.parley.app;

import dev.parley.client.call.CallListener;
import dev.parley.client.call.CallPhase;
import dev.parley.client.call.CallReport;
import dev.parley.client.call.CallSecurity;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * The call listener of {@code parley client --call} and {@code --auto-answer}: one line per event
 * on stderr (stdout is kept for the report), and the first call's report completes {@code firstCall}.
 */
final class ConsoleCallListener implements CallListener {
    private final @Nullable String callee;
    private final int ringTimeoutSeconds;
    private final CompletableFuture<CallReport> firstCall;

    /**
     * @param callee the user being called ({@code --call}), null when answering
     * @param ringTimeoutSeconds how long the caller lets it ring, for the "ringing" line
     * @param firstCall completed with the first call's report
     */
    ConsoleCallListener(@Nullable String callee, int ringTimeoutSeconds, CompletableFuture<CallReport> firstCall) {
        this.callee = callee;
        this.ringTimeoutSeconds = ringTimeoutSeconds;
        this.firstCall = firstCall;
    }

    @Override
    public void onMediaProblem(String callId, String peer, String message) {
        System.err.println("parley client: " + message);
    }

    @Override
    public void onSecured(String callId, String peer, CallSecurity security) {
        System.err.println("parley client: call with " + peer + " is end-to-end encrypted (" + security.cipherSuite()
                + "); SAS " + security.sas() + " (compare it with " + peer + ")");
    }

    @Override
    public void onPeerNewDevice(String callId, String peer, String fingerprint) {
        System.err.println(CallPrinter.newDeviceWarning(peer, fingerprint));
    }

    @Override
    public void onPhase(String callId, String peer, CallPhase phase) {
        if (phase instanceof CallPhase.Ringing && peer.equals(callee)) {
            System.err.println("parley client: " + peer + "'s phone is ringing (giving up after " + ringTimeoutSeconds + " s)");
        }
    }

    @Override
    public void onHold(String callId, String peer, boolean heldHere, boolean heldThere) {
        System.err.println("parley client: " + (heldThere ? peer + " put the call on hold" : "the call is resumed"));
    }

    @Override
    public void onMissedCall(String caller, long atMs, String why) {
        System.err.println("parley client: missed call from " + caller + " (" + why + ")");
    }

    @Override
    public void onEnded(CallReport r) {
        firstCall.complete(r);
    }
}
