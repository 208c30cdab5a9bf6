package dev.parley.client;

import dev.parley.client.call.CallEngine;
import dev.parley.client.chat.ChatService;
import dev.parley.protocol.wire.CallSignal;
import dev.parley.protocol.wire.ChatPacket;
import dev.parley.protocol.wire.PeerGone;
import org.jspecify.annotations.Nullable;

/**
 * Where the super-node session delivers pushed call signals (to the call engine) and chat packets
 * (to {@link ChatService}), both created after the session they need to send. Nothing is
 * buffered: a signal pushed before the engine exists (while joining, when no call can be under
 * way) is not delivered; nor is a chat packet before the chat service exists (stored ones wait in
 * the mailbox, and presence is asked for again once it runs).
 */
final class SignalInbox implements SuperNodePushes {
    private volatile @Nullable CallEngine engine;
    private volatile @Nullable ChatService chat;

    /** From now on chat packets go to {@code chat} (none before: the mailbox holds what is stored). */
    void chatTo(ChatService chat) {
        this.chat = chat;
    }

    @Override
    public void chat(ChatPacket packet) {
        ChatService c = chat;
        if (c != null) {
            c.onPacket(packet);
        }
    }

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
