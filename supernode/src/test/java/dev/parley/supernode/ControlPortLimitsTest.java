package dev.parley.supernode;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocol.HostPort;
import dev.parley.protocol.wire.Envelope;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.Keepalive;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The super node's TCP control port under connection abuse: too many connections from one address,
 * and connections that hold a socket open without saying anything (the shared {@code ConnectionGuard}).
 */
class ControlPortLimitsTest {
    @TempDir
    Path dir;
    @AutoClose
    private Cluster cluster;

    private RawConnection raw(HostPort to) throws Exception {
        return RawConnection.open(cluster.clients, to);
    }

    @Test
    void connectionsOverTheCapPerAddressAreRefused() throws Exception {
        cluster = new Cluster(1, dir, List.of(), c -> c.withLimits(ControlLimits.DEFAULTS.withConnectionsPerAddress(3)));
        HostPort sn = cluster.node(0).advertisedAddress();
        TestClient first = cluster.connect(0);
        cluster.connect(0);
        cluster.connect(0);

        RawConnection fourth = raw(sn);
        Envelope refused = fourth.next();
        assertThat(refused.getError().getCode()).isEqualTo(ErrorCode.RATE_LIMITED);
        assertThat(refused.getError().getMessage()).isEqualTo("connections from 127.0.0.1: 4 (expected: <= 3)");
        fourth.connection().closeFuture().get(TestClient.WAIT.toMillis(), TimeUnit.MILLISECONDS);

        first.close(); // its slot is released when the super node sees the close
        Await.until("a new connection gets ServerHello", () -> {
            RawConnection again = raw(sn);
            boolean admitted = again.next().hasServerHello();
            again.connection().close();
            return admitted;
        });
    }

    @Test
    void silentConnectionsAndIdleLinksAreClosedButClientsThatKeepAliveStay() throws Exception {
        cluster = new Cluster(1, dir, List.of(),
                c -> c.withLimits(ControlLimits.DEFAULTS.withIdleTimeout(Duration.ofMillis(300))));
        HostPort sn = cluster.node(0).advertisedAddress();
        TestClient alice = cluster.signIn(0, "alice");
        // Alice sends a Keepalive every 100 ms (as clients do every minute); bob, registered too, stays silent.
        var keepalives = alice.connection.channel().eventLoop().scheduleAtFixedRate(
                () -> alice.connection.send(Envelope.newBuilder().setKeepalive(Keepalive.getDefaultInstance())),
                0, 100, TimeUnit.MILLISECONDS);
        TestClient bob = cluster.signIn(0, "bob");
        String idle = "connection idle: 300 ms (expected: a request at least every 300 ms)";

        RawConnection silent = raw(sn); // never chooses a role: closed long before the 30 s role timeout
        assertThat(silent.next().hasServerHello()).isTrue();
        Envelope closed = silent.next();
        assertThat(closed.getError().getCode()).isEqualTo(ErrorCode.RATE_LIMITED);
        assertThat(closed.getError().getMessage()).isEqualTo(idle);
        silent.connection().closeFuture().get(TestClient.WAIT.toMillis(), TimeUnit.MILLISECONDS);

        RawConnection peerLink = raw(sn); // a certified peer's valid PeerHello, then nothing
        Envelope hello = peerLink.next();
        assertThat(hello.hasServerHello()).isTrue();
        CertifiedPeer peer = new CertifiedPeer(cluster.login, TestKeys.key(77), new HostPort("127.0.0.1", 1));
        peerLink.connection().send(Envelope.newBuilder().setPeerHello(peer.hello(hello.getServerHello(),
                peerLink.connection().channel())));
        assertThat(peerLink.next().getError().getMessage()).isEqualTo(idle);
        peerLink.connection().closeFuture().get(TestClient.WAIT.toMillis(), TimeUnit.MILLISECONDS);

        bob.awaitClosed();
        assertThat(bob.nextPush().getError().getMessage()).isEqualTo(idle);
        assertThat(alice.connection.isActive()).isTrue();
        assertThat(alice.search("alice").getFound()).isTrue();
        keepalives.cancel(false);
    }
}
