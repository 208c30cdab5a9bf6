package dev.parley.client;

import dev.parley.client.call.CallEngine;
import dev.parley.protocol.wire.CallSignal;
import dev.parley.protocol.wire.PeerGone;
import org.jspecify.annotations.Nullable;

/**
 * Where the super-node session delivers pushed call signals: the call engine, which is created
 * after the session it needs to send signals. Nothing is buffered: a signal pushed before the
 * engine exists (while joining, when no call can be under way) is not delivered.
 */
final class SignalInbox implements SuperNodePushes {
    private volatile @Nullable CallEngine engine;

    /** From now on signals go to {@code engine}. */
    void deliverTo(CallEngine engine) {
        this.engine = engine;
    }

    /** Any thread. */
    @Override
    public void accept(CallSignal signal) {
        CallEngine e = engine;
        if (e != null) {
            e.onSignal(signal);
        }
    }

    /** Any thread. */
    @Override
    public void peerGone(PeerGone notice) {
        CallEngine e = engine;
        if (e != null) {
            e.onPeerGone(notice.getCallId(), notice.getUser());
        }
    }
}
