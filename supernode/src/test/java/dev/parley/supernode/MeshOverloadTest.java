package dev.parley.supernode;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocol.Ed25519KeyPair;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.wire.Envelope;
import dev.parley.protocol.wire.MeshPing;
import dev.parley.protocol.wire.MeshPong;
import dev.parley.protocol.wire.PeerLookup;
import dev.parley.protocol.wire.PeerLookupResult;
import dev.parley.protocol.wire.SuperNodeCertificate;
import io.netty.channel.EventLoop;
import io.netty.channel.nio.NioEventLoopGroup;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The attack, or just a busy mesh: more lookups than a super node's loop can answer. Without
 * shedding it answers every one in turn, each later than the last, so its queue stands and every
 * answer comes after its asker gave up. With it, the lookups that waited in a standing queue are
 * dropped unanswered, pings still get their pong, and once the queue drained lookups are answered
 * again.
 */
class MeshOverloadTest {
    private static final int LOOKUPS = 500;

    private final NioEventLoopGroup askerLoop = new NioEventLoopGroup(1);
    private final NioEventLoopGroup busyLoop = new NioEventLoopGroup(1);

    @AfterEach
    void stop() {
        askerLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
        busyLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }

    @Test
    void lookupsThatWaitedInAStandingQueueAreShedWhilePingsAreAnswered() throws Exception {
        try (FakeLoginServer login = new FakeLoginServer(TestKeys.key(1))) {
            AtomicReference<SuperNodeCertificate> askerCert = new AtomicReference<>();
            AtomicReference<SuperNodeCertificate> busyCert = new AtomicReference<>();
            Ed25519KeyPair askerKey = TestKeys.key(2);
            Ed25519KeyPair busyKey = TestKeys.key(3);
            try (MeshTransport asker = MeshTransport.bind(askerLoop, new InetSocketAddress("127.0.0.1", 0),
                    new SplittableRandom(2), TestMeshKeys.of(askerKey, askerCert::get, login, 2));
                    MeshTransport busy = MeshTransport.bind(busyLoop, new InetSocketAddress("127.0.0.1", 0),
                            new SplittableRandom(3), TestMeshKeys.of(busyKey, busyCert::get, login, 3))) {
                askerCert.set(login.certify(askerKey, new HostPort("127.0.0.1", asker.localAddress().getPort()), login.clock.instant()));
                busyCert.set(login.certify(busyKey, new HostPort("127.0.0.1", busy.localAddress().getPort()), login.clock.instant()));
                asker.loop().submit(() -> asker.keys().learn(busyCert.get())).get(10, TimeUnit.SECONDS);
                busy.loop().submit(() -> busy.keys().learn(askerCert.get())).get(10, TimeUnit.SECONDS);
                AtomicInteger answered = new AtomicInteger();
                AtomicInteger pinged = new AtomicInteger();
                busy.setInbound((msg, sender) -> {
                    if (msg.hasPeerLookup()) {
                        answered.incrementAndGet();
                        return Envelope.newBuilder().setPeerLookupResult(PeerLookupResult.newBuilder().setFound(false));
                    }
                    if (msg.hasMeshPing()) {
                        pinged.incrementAndGet();
                        return Envelope.newBuilder().setMeshPong(MeshPong.getDefaultInstance());
                    }
                    return null;
                });
                InetSocketAddress to = busy.localAddress();
                lookup(asker, to).get(10, TimeUnit.SECONDS); // on time: the busy node learns the asker's clock
                assertThat(answered).hasValue(1);

                // The busy node's loop computes 5 ms at a time and reads between: it answers far fewer
                // lookups per second than arrive.
                AtomicBoolean hogging = new AtomicBoolean(true);
                hog(busy.loop(), hogging);
                for (int i = 0; i < LOOKUPS; i++) {
                    lookup(asker, to);
                }
                CompletableFuture<Envelope> ping = asker.request(to, Envelope.newBuilder().setMeshPing(MeshPing.getDefaultInstance()),
                        30_000, 0);
                assertThat(ping.get(30, TimeUnit.SECONDS).hasMeshPong()).as("the ping behind the lookups is answered").isTrue();
                assertThat(busy.loop().submit(() -> busy.queueStanding(System.currentTimeMillis())).get(10, TimeUnit.SECONDS))
                        .as("its queue stands: DeathWatch spreads no news now").isTrue();
                hogging.set(false);
                Await.until("every lookup read", Duration.ofSeconds(30), () -> answered.get() - 1 + busy.shed() == LOOKUPS);

                assertThat(busy.shed()).as("lookups shed").isPositive();
                assertThat(answered.get() - 1).as("lookups answered before the queue stood").isPositive();
                assertThat(pinged).hasValue(1);
                // Drained: a lookup is answered again.
                assertThat(lookup(asker, to).get(10, TimeUnit.SECONDS).hasPeerLookupResult()).isTrue();
            }
        }
    }

    private static CompletableFuture<Envelope> lookup(MeshTransport from, InetSocketAddress to) {
        return from.request(to, Envelope.newBuilder().setPeerLookup(PeerLookup.newBuilder().setUsername("bob")), 30_000, 0);
    }

    /** Busies {@code loop} for 5 ms, then lets it read for 1 ms, until {@code hogging} is false. */
    private static void hog(EventLoop loop, AtomicBoolean hogging) {
        loop.execute(() -> {
            long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(5);
            while (System.nanoTime() < end) {
                Thread.onSpinWait();
            }
            if (hogging.get()) {
                loop.schedule(() -> hog(loop, hogging), 1, TimeUnit.MILLISECONDS);
            }
        });
    }
}
