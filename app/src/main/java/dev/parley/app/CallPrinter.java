package dev.parley.app;

import dev.parley.client.CallHistory;
import dev.parley.client.call.CallListener;
import dev.parley.client.call.CallPhase;
import dev.parley.client.call.CallReport;
import dev.parley.client.call.CallSecurity;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The shell's call listener: prints call progress above the prompt, rings the bell for an incoming
 * call and keeps the call shown in the prompt current. Events come from the client's call thread.
 */
final class CallPrinter implements CallListener {
    private final ShellView view;
    /** The user the shell is calling, so its RINGING is not announced as an incoming call. */
    private volatile @Nullable String calling;

    CallPrinter(ShellView view) {
        this.view = view;
    }

    /** Called by the shell's {@code call NAME} before the call starts. */
    void calling(String peer) {
        calling = peer.toLowerCase(Locale.ROOT);
        view.call("calling " + peer);
    }

    /** Called when a call the shell placed was refused before it started (no call events follow). */
    void notPlaced(String peer, String reason) {
        calling = null;
        view.call(null);
        view.notice("* call to " + peer + " not placed: " + reason);
    }

    @Override
    public void onPhase(String callId, String peer, CallPhase phase) {
        boolean outgoing = peer.equals(calling);
        switch (phase) {
            case CallPhase.Ringing r when outgoing -> {
                view.call("calling " + peer + ", ringing");
                view.notice("* " + peer + "'s phone is ringing");
            }
            case CallPhase.Ringing r -> {
                view.call(peer + " is calling");
                view.alert("* incoming call from " + peer + ": type 'answer' or 'reject'");
            }
            case CallPhase.Connecting c -> view.call("connecting to " + peer);
            case CallPhase.Active a -> {
                view.call("in a call with " + peer);
                view.notice("* in a call with " + peer + " (" + a.path() + "; type 'hangup' to end)");
            }
            case CallPhase.Recovering r -> {
                view.call("reconnecting to " + peer);
                view.notice("* media path lost (" + r.reason() + "); reconnecting");
            }
            default -> { }
        }
    }

    @Override
    public void onMediaProblem(String callId, String peer, String message) {
        view.notice("* audio: " + message);
    }

    @Override
    public void onSecured(String callId, String peer, CallSecurity security) {
        view.notice("* end-to-end encrypted; SAS " + security.sas() + " - read it to " + peer
                + " and check they see the same (" + peer + "'s key " + security.peerFingerprint() + ")");
    }

    @Override
    public void onPeerNewDevice(String callId, String peer, String fingerprint) {
        view.notice(newDeviceWarning(peer, fingerprint));
    }

    @Override
    public void onHold(String callId, String peer, boolean heldHere, boolean heldThere) {
        view.call(heldHere ? "call with " + peer + " on hold" : heldThere ? peer + " put you on hold" : "in a call with " + peer);
        view.notice(heldHere ? "* call with " + peer + " on hold (type 'resume')"
                : heldThere ? "* " + peer + " put the call on hold" : "* call with " + peer + " resumed");
    }

    @Override
    public void onCallWaiting(String callId, String caller, String currentPeer) {
        view.alert("* call waiting: " + caller + " is calling; 'answer' puts " + currentPeer
                + " on hold and answers, 'reject' declines (busy)");
    }

    @Override
    public void onMissedCall(String caller, long atMs, String why) {
        view.alert("* missed call from " + caller + " at " + CallHistory.timeOfDay(atMs) + " (" + why + ")");
    }

    @Override
    public void onEnded(CallReport r) {
        calling = null;
        view.call(null);
        view.notice("* call with " + r.peer() + " ended: " + r.endReason()
                + (r.media() == null || !r.connected() ? "" : String.format(" (%d packets received, %d lost, jitter %.1f ms, MOS %.2f)",
                        r.media().packetsReceived(), r.media().packetsLost(), r.media().jitterMs(), r.media().mos())));
    }

    /** @return the loud warning for a contact whose identity key changed since the last call */
    static String newDeviceWarning(String peer, String fingerprint) {
        return "!!! " + peer + " has a NEW DEVICE: key " + fingerprint + ".\n"
                + "!!! If " + peer + " did not add one, someone may be in the middle. Compare the SAS by voice before you say"
                + " anything private.";
    }
}
