package dev.parley.client.call;

import dev.parley.protocol.HostPort;
import dev.parley.protocol.wire.RelayAllocated;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The client's access to super-node media relays (docs/nat.md "Relays"): allocation over the
 * control connection, and a TCP relay link for when UDP is blocked.
 */
public interface RelayService {
    /** No relays: allocation fails, so calls offer host and server-reflexive candidates only. */
    RelayService NONE = new RelayService() {
        @Override
        public CompletableFuture<RelayAllocated> allocate(String callId) {
            return CompletableFuture.failedFuture(new UnsupportedOperationException("no relay service"));
        }

        @Override
        public void release(long allocationId) {
        }

        @Override
        public CompletableFuture<TcpRelayLink> connectTcp(HostPort relay, byte[] token, byte[] key, Consumer<byte[]> onPacket) {
            return CompletableFuture.failedFuture(new UnsupportedOperationException("no relay service"));
        }
    };

    /**
     * Asks the client's super node for a relay allocation for one call.
     *
     * @return completes with the allocation, or exceptionally (quota: ProtocolException RATE_LIMITED; old super node)
     */
    CompletableFuture<RelayAllocated> allocate(String callId);

    /** Releases an allocation of ours (best effort, fire and forget). */
    void release(long allocationId);

    /**
     * Opens a dedicated TCP connection to a relay super node and latches it with {@code token}
     * and its party's {@code key} (RelayBindTcp, on TLS); afterwards RelayPacket frames carry the
     * media both ways.
     *
     * @param onPacket receives each relayed packet (on a network thread)
     * @return completes with the link once the relay accepted the token
     */
    CompletableFuture<TcpRelayLink> connectTcp(HostPort relay, byte[] token, byte[] key, Consumer<byte[]> onPacket);

    /** A latched TCP relay connection. */
    interface TcpRelayLink extends AutoCloseable {
        /** Sends one packet (RTP, RTCP or STUN) to the other party; dropped when the connection is not writable. */
        void send(byte[] packet);

        @Override
        void close();
    }
}
