package dev.parley.supernode;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocol.wire.CallSignal;
import dev.parley.protocol.wire.Invite;
import dev.parley.protocol.wire.MediaDescription;
import io.netty.channel.nio.NioEventLoopGroup;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link SuperNode#abortConnections}, the bots benchmark's crash of a serving bot: its clients see
 * their connections end at once, even while the super node's event loop is busy, and nothing is
 * said on their behalf afterwards (as after a real crash).
 */
class AbortConnectionsTest {
    private static final Duration QUIET = Duration.ofMillis(800);

    @TempDir
    Path dir;
    Cluster cluster;
    /** The crashing super node's one event loop, which the tests keep busy. */
    final NioEventLoopGroup loop = new NioEventLoopGroup(1);
    final CountDownLatch release = new CountDownLatch(1);

    @BeforeEach
    void start() throws Exception {
        cluster = new Cluster(1, dir, List.of());
        SuperNode crashing = SuperNode.start(cluster.config(dir.resolve("crashing")), TestKeys.seededSecureRandom(7), loop);
        cluster.nodes.add(crashing);
        crashing.ready().get(10, TimeUnit.SECONDS);
        cluster.awaitDirectory(List.of());
    }

    @AfterEach
    void stop() {
        release.countDown();
        cluster.close();
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }

    /** Blocks the crashing super node's event loop until the test ends. */
    private void keepItsLoopBusy() throws InterruptedException {
        CountDownLatch busy = new CountDownLatch(1);
        loop.execute(() -> {
            busy.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertThat(busy.await(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void itsClientsSeeTheirConnectionsEndWhileItsEventLoopIsBusy() throws Exception {
        TestClient alice = cluster.signIn(1, "alice");
        TestClient bob = cluster.signIn(1, "bob");
        keepItsLoopBusy(); // a close through the loop would wait for this

        cluster.node(1).abortConnections();
        alice.awaitClosed();
        bob.awaitClosed();
    }

    @Test
    void nothingIsSaidOnBehalfOfItsClientsAfterwards() throws Exception {
        TestClient alice = cluster.signIn(1, "alice");
        TestClient bob = cluster.signIn(0, "bob");
        assertThat(TestClient.await(alice.signal(CallSignal.newBuilder().setCallId("c1").setTo("bob")
                .setInvite(Invite.newBuilder().setMedia(MediaDescription.newBuilder().setSsrc(0x1234)
                        .setPayloadType(111).setClockRate(48000).setBitrateKbps(32).setFrameMs(20))))).hasOk()).isTrue();
        assertThat(bob.nextPush().getCallSignal().getCallId()).isEqualTo("c1");

        cluster.node(1).abortConnections();
        alice.awaitClosed();
        // Its loop handles alice's end-of-stream, but a crashed node tells bob nothing: his call
        // fails over instead (docs/protocol.md "Peer gone").
        assertThat(bob.pollPush(QUIET)).isNull();
    }
}
