package dev.parley.supernode;

/**
 * What an accepted control connection has become: each role is one handler in the pipeline
 * ({@link HandshakeHandler} until a role is chosen, then {@link ClientSessionHandler},
 * {@link PeerLinkHandler} or {@link TcpRelayHandler}). Decides how {@link ForeignMessages}
 * answers messages that belong to another role.
 */
enum ConnectionRole {
    /** No {@code Register}, {@code PeerHello} or {@code RelayBindTcp} yet. */
    NONE,
    /** A registered client's session. */
    CLIENT,
    /** A peer super node's link. */
    PEER,
    /** A client's dedicated TCP relay connection. */
    RELAY;

    /** @return the lower-case name used in error messages ("client", "peer", "relay") */
    String label() {
        return name().toLowerCase();
    }
}
