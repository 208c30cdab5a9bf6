package dev.parley.nat.relay;

import dev.parley.nat.stun.StunCodec;
import dev.parley.nat.stun.TransactionId;
import dev.parley.protocol.RateBucket;
import java.net.InetSocketAddress;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import org.jspecify.annotations.Nullable;

/**
 * One party of a relay allocation: its key, latched source address, byte rate and the transaction
 * ids of the binds it accepted. Owned by its {@link RelayAllocationTable} (relay loop).
 */
final class RelayParty {
    /** Accepted bind transactions remembered per party (a client sends one per gathering). */
    static final int REMEMBERED_BINDS = 8;

    private final byte[] key;
    private final ArrayDeque<TransactionId> accepted = new ArrayDeque<>(REMEMBERED_BINDS);
    final RateBucket rate;
    private @Nullable InetSocketAddress address;
    /** The route to this party, made once per latch: routing a packet here allocates nothing. */
    private RelayRoute route = RelayRoute.UNKNOWN;
    long droppedPackets;
    long droppedBytes;

    RelayParty(byte[] key, RateBucket rate) {
        this.key = key.clone();
        this.rate = rate;
    }

    /** @return the latched source address, if any */
    @Nullable InetSocketAddress address() {
        return address;
    }

    /** @return {@link RelayRoute.Forward} to the latched address, or {@link RelayRoute#UNKNOWN} if none */
    RelayRoute routeHere() {
        return route;
    }

    /** @param latched the party's new source address, or null to forget it */
    void latch(@Nullable InetSocketAddress latched) {
        address = latched;
        route = latched == null ? RelayRoute.UNKNOWN : new RelayRoute.Forward(latched);
    }

    /**
     * Checks a bind's proof: the STUN request's MESSAGE-INTEGRITY with our key, or the key itself.
     * A STUN bind whose transaction was already accepted is allowed only from the address it
     * latched (a retransmission), never from another one (a replay).
     *
     * @return true if the bind may latch {@code from}
     */
    boolean admits(RelayBindProof proof, InetSocketAddress from) {
        return switch (proof) {
            case RelayBindProof.Key k -> MessageDigest.isEqual(key, k.key());
            case RelayBindProof.StunIntegrity s -> {
                if (!StunCodec.verifyIntegrity(s.request(), key)) {
                    yield false;
                }
                if (accepted.contains(s.transactionId())) {
                    yield from.equals(address);
                }
                if (accepted.size() == REMEMBERED_BINDS) {
                    accepted.removeFirst();
                }
                accepted.addLast(s.transactionId());
                yield true;
            }
        };
    }
}
