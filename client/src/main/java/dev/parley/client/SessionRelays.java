package dev.parley.client;

import com.google.protobuf.ByteString;
import dev.parley.client.call.RelayService;
import dev.parley.protocol.ControlConnection;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.wire.Envelope;
import dev.parley.protocol.wire.RelayAllocated;
import dev.parley.protocol.wire.RelayBindTcp;
import dev.parley.protocol.wire.RelayPacket;
import io.netty.channel.EventLoopGroup;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * {@link RelayService} over the client's super-node session: allocations on the control
 * connection, TCP relay links as dedicated control connections to the relay super node
 * (RelayBindTcp, then RelayPacket frames both ways; docs/nat.md "TCP relay").
 */
final class SessionRelays implements RelayService {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    private final EventLoopGroup io;
    private final Supplier<CompletableFuture<SuperNodeSession>> session;
    /** Allocation id → the session that made it: ids are per super node, so a release must go there. */
    private final Map<Long, SuperNodeSession> allocations = new ConcurrentHashMap<>();

    SessionRelays(EventLoopGroup io, SuperNodeSession session) {
        this(io, () -> CompletableFuture.completedFuture(session));
    }

    /** @param session the current super-node session (it changes when the client rejoins the overlay) */
    SessionRelays(EventLoopGroup io, Supplier<CompletableFuture<SuperNodeSession>> session) {
        this.io = io;
        this.session = session;
    }

    @Override
    public CompletableFuture<RelayAllocated> allocate(String callId) {
        return session.get().thenCompose(s -> s.allocateRelay(callId).thenApply(a -> {
            allocations.put(a.getAllocationId(), s);
            return a;
        }));
    }

    @Override
    public void release(long allocationId) {
        SuperNodeSession s = allocations.remove(allocationId);
        if (s != null && s.isActive()) { // a dead super node's allocations died with it
            s.releaseRelay(allocationId);
        }
    }

    @Override
    public CompletableFuture<TcpRelayLink> connectTcp(HostPort relay, byte[] token, byte[] key, Consumer<byte[]> onPacket) {
        Consumer<Envelope> pushes = env -> {
            if (env.hasRelayPacket()) {
                onPacket.accept(env.getRelayPacket().getPacket().toByteArray());
            }
        };
        return ControlConnection.connect(io, relay, ClientTls.superNodes(), pushes, CONNECT_TIMEOUT).thenCompose(conn -> conn.request(
                        Envelope.newBuilder().setRelayBindTcp(RelayBindTcp.newBuilder().setToken(ByteString.copyFrom(token)).setKey(ByteString.copyFrom(key))))
                .whenComplete((ok, e) -> {
                    if (e != null) {
                        conn.close();
                    }
                })
                .thenApply(ok -> new TcpRelayLink() {
                    @Override
                    public void send(byte[] packet) {
                        var ch = conn.channel();
                        if (ch.isActive() && ch.isWritable()) { // bounded by the channel's write-buffer high water mark
                            conn.send(Envelope.newBuilder().setRelayPacket(RelayPacket.newBuilder().setPacket(ByteString.copyFrom(packet))));
                        }
                    }

                    @Override
                    public void close() {
                        conn.close();
                    }
                }));
    }
}
