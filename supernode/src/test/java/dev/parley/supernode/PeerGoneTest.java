package dev.parley.supernode;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocol.HostPort;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.wire.CallSignal;
import dev.parley.protocol.wire.Envelope;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.Invite;
import dev.parley.protocol.wire.MediaDescription;
import dev.parley.protocol.wire.PeerGone;
import dev.parley.protocol.wire.Ringing;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The peer-gone notice (docs/protocol.md "Peer gone"): when a client's connection drops mid-call,
 * its super node tells the peer at once, through the peer's super node; only for calls it routed.
 */
class PeerGoneTest {
    private static final Duration QUIET = Duration.ofMillis(800);

    @TempDir
    Path dir;
    @AutoClose
    Cluster cluster;

    @BeforeEach
    void start() throws Exception {
        cluster = new Cluster(3, dir, List.of());
        cluster.awaitDirectory(List.of());
    }

    private static CallSignal.Builder invite(String callId, String to) {
        return CallSignal.newBuilder().setCallId(callId).setTo(to).setInvite(Invite.newBuilder()
                .setMedia(MediaDescription.newBuilder().setSsrc(0x1234).setPayloadType(111).setClockRate(48000)
                        .setBitrateKbps(32).setFrameMs(20)));
    }

    /** alice calls bob and bob's phone rings: signals both ways through their super nodes. */
    private static void call(TestClient alice, String aliceName, TestClient bob, String bobName, String callId) throws Exception {
        assertThat(TestClient.await(alice.signal(invite(callId, bobName))).hasOk()).isTrue();
        assertThat(bob.nextPush().getCallSignal().getCallId()).isEqualTo(callId);
        assertThat(TestClient.await(bob.signal(CallSignal.newBuilder().setCallId(callId).setTo(aliceName)
                .setRinging(Ringing.getDefaultInstance()))).hasOk()).isTrue();
        assertThat(alice.nextPush().getCallSignal().hasRinging()).isTrue();
    }

    private static PeerGone peerGone(TestClient c) throws InterruptedException {
        Envelope push = c.nextPush();
        assertThat(push.getRequestId()).isZero();
        assertThat(push.hasPeerGone()).as("a PeerGone push: %s", push).isTrue();
        return push.getPeerGone();
    }

    @Test
    void whenACallersConnectionDropsThePeerAcrossTheMeshIsToldAtOnce() throws Exception {
        TestClient alice = cluster.signIn(0, "alice");
        TestClient bob = cluster.signIn(2, "bob");
        call(alice, "alice", bob, "bob", "c1");

        long closedAt = System.nanoTime();
        alice.close(); // the process died: no BYE
        PeerGone notice = peerGone(bob);
        assertThat(notice.getCallId()).isEqualTo("c1");
        assertThat(notice.getUser()).isEqualTo("alice");
        assertThat(notice.getTo()).isEqualTo("bob");
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - closedAt)).as("at once, not after a media timeout")
                .isLessThan(3_000);
    }

    @Test
    void whenACalleesConnectionDropsItsCallerOnTheSameSuperNodeIsTold() throws Exception {
        TestClient alice = cluster.signIn(1, "alice");
        TestClient carol = cluster.signIn(1, "carol");
        call(alice, "alice", carol, "carol", "c2");
        carol.close();
        PeerGone notice = peerGone(alice);
        assertThat(notice.getCallId()).isEqualTo("c2");
        assertThat(notice.getUser()).isEqualTo("carol");
    }

    /** The attack: a client forges its peer's super node's notice. Refused; nothing reaches bob. */
    @Test
    void aClientCannotSendAPeerGone() throws Exception {
        TestClient alice = cluster.signIn(0, "alice");
        TestClient bob = cluster.signIn(2, "bob");
        TestClient mallory = cluster.signIn(0, "mallory");
        call(alice, "alice", bob, "bob", "c3");

        ProtocolException refused = TestClient.failure(mallory.request(Envelope.newBuilder().setPeerGone(
                PeerGone.newBuilder().setCallId("c3").setUser("alice").setTo("bob"))));
        assertThat(refused.code()).isEqualTo(ErrorCode.BAD_REQUEST);
        assertThat(bob.pollPush(QUIET)).isNull();
    }

    /**
     * The attack: a (certified) peer super node names a call it did not route, or a user not in it.
     * Dropped; the same notice for the call bob's super node did route is delivered.
     */
    @Test
    void aPeerSuperNodeCannotEndACallThisSuperNodeDidNotRoute() throws Exception {
        TestClient alice = cluster.signIn(0, "alice");
        TestClient bob = cluster.signIn(0, "bob");
        call(alice, "alice", bob, "bob", "c4");
        HostPort sn = cluster.node(0).advertisedAddress();
        RawConnection link = RawConnection.open(cluster.clients, sn);
        Envelope hello = link.next();
        CertifiedPeer peer = new CertifiedPeer(cluster.login, TestKeys.key(78), new HostPort("127.0.0.1", 4));
        assertThat(link.connection().request(Envelope.newBuilder().setPeerHello(peer.hello(hello.getServerHello(),
                link.connection().channel())), TestClient.WAIT).get(10, TimeUnit.SECONDS).hasOk()).isTrue();

        for (PeerGone forged : List.of(
                PeerGone.newBuilder().setCallId("c4").setUser("mallory").setTo("bob").build(),
                PeerGone.newBuilder().setCallId("other").setUser("alice").setTo("bob").build())) {
            assertThat(link.connection().request(Envelope.newBuilder().setPeerGone(forged), TestClient.WAIT)
                    .get(10, TimeUnit.SECONDS).hasOk()).isTrue();
        }
        assertThat(bob.pollPush(QUIET)).as("no notice for calls this super node did not route").isNull();

        assertThat(link.connection().request(Envelope.newBuilder().setPeerGone(
                PeerGone.newBuilder().setCallId("c4").setUser("Alice").setTo("bob")), TestClient.WAIT)
                .get(10, TimeUnit.SECONDS).hasOk()).isTrue();
        assertThat(peerGone(bob).getUser()).isEqualTo("alice");
    }
}
