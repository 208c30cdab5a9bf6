package dev.parley.client;

import dev.parley.protocol.wire.CallSignal;
import dev.parley.protocol.wire.ChatPacket;
import dev.parley.protocol.wire.PeerGone;
import java.util.function.Consumer;

/**
 * What a registered super-node session pushes to the client: call signals ({@link #accept}), chat
 * packets and notices of the super node itself. Called on a network event loop: hand off, don't block.
 */
@FunctionalInterface
public interface SuperNodePushes extends Consumer<CallSignal> {
    /**
     * The super node says a peer's connection dropped mid-call (docs/protocol.md "Peer gone").
     * Delivered only from a session whose super node's certificate verified: it is our own super
     * node's word, not the peer's.
     */
    default void peerGone(PeerGone notice) {}

    /** A chat packet pushed by the super node (docs/protocol.md "Contacts, presence and messages"). */
    default void chat(ChatPacket packet) {}
}
