package dev.parley.nat.ice;

import java.net.InetSocketAddress;
import org.jspecify.annotations.Nullable;

/**
 * One entry of the {@link ConnectivityChecks} checklist: the pair of the socket's host candidate
 * and one remote candidate (RFC 8445 §6.1.2), keyed there by the remote address, with its check
 * state (§6.1.2.6, without Frozen: one component), whether the controlled side saw the peer
 * nominate it (USE-CANDIDATE) and the address the peer saw our check come from. Loop-confined.
 */
final class CheckPair {
    /** RFC 8445 §6.1.2.6 pair states; a failed check returns its pair to WAITING (retried until the deadline). */
    enum State { WAITING, IN_PROGRESS, SUCCEEDED, FAILED }

    final Candidate remote;
    State state = State.WAITING;
    boolean nominatedByPeer;
    /** XOR-MAPPED-ADDRESS of the successful check's response: our address as the peer saw it. */
    @Nullable InetSocketAddress mapped;

    CheckPair(Candidate remote) {
        this.remote = remote;
    }
}
