package dev.parley.client;

import dev.parley.protocol.ControlConnection;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.wire.Envelope;
import dev.parley.protocol.wire.LiveSuperNodes;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Waits for the overlay to have a super node (docs/architecture.md "Self-organizing overlay"):
 * with only a login server and clients, the login hands out none until the first clients are
 * promoted, so a client asks again ({@code LiveSuperNodes}) every {@value #POLL_MS} ms.
 */
final class FirstSuperNodes {
    static final long POLL_MS = 250;
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private FirstSuperNodes() {
    }

    /**
     * Asks once (asynchronously) for the live super nodes: a rejoin whose host cache holds none
     * alive (it joined while the overlay had one super node) learns the others here.
     *
     * @return completes with the live super nodes' addresses (maybe none), or exceptionally (IOException)
     */
    static CompletableFuture<List<HostPort>> fetch(EventLoopGroup io, HostPort login, SslContext tls) {
        return ControlConnection.connect(io, login, tls, push -> { }, TIMEOUT).thenCompose(c -> c
                .request(Envelope.newBuilder().setLiveSuperNodes(LiveSuperNodes.getDefaultInstance()), TIMEOUT)
                .whenComplete((r, e) -> c.close()))
                .thenApply(r -> r.getSupernodeDirectory().getSuperNodesList().stream().map(HostPort::of).toList());
    }

    /**
     * Blocking: not on an event loop.
     *
     * @return the live super nodes' addresses (at least one)
     * @throws IOException if none appeared within {@code giveUpMs} or the login server could not be asked
     */
    static List<HostPort> await(EventLoopGroup io, HostPort login, SslContext tls, long giveUpMs) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(giveUpMs);
        try (ControlConnection c = ControlConnection.connect(io, login, tls, push -> { }, TIMEOUT)
                .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            while (System.nanoTime() < deadline) {
                Envelope r = c.request(Envelope.newBuilder().setLiveSuperNodes(LiveSuperNodes.getDefaultInstance()), TIMEOUT)
                        .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                if (r.getSupernodeDirectory().getSuperNodesCount() > 0) {
                    return r.getSupernodeDirectory().getSuperNodesList().stream().map(HostPort::of).toList();
                }
                Thread.sleep(POLL_MS); // polling the login server, not waiting for an event of ours
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for a super node", e);
        } catch (Exception e) {
            throw new IOException("asking login server " + login + " for super nodes failed: " + e.getMessage(), e);
        }
        throw new IOException("no super node in the overlay after " + giveUpMs + " ms (no dedicated super node, and no "
                + "client reachable enough to be promoted?)");
    }
}
