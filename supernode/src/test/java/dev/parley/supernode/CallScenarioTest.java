package dev.parley.supernode;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.parley.protocol.CallSignalSeals;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.wire.Accept;
import dev.parley.protocol.wire.Bye;
import dev.parley.protocol.wire.CallSignal;
import dev.parley.protocol.wire.Envelope;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.Invite;
import dev.parley.protocol.wire.MediaDescription;
import dev.parley.protocol.wire.Ringing;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Call signalling relayed across three super nodes. */
class CallScenarioTest {
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

    private static CallSignal received(TestClient c) throws InterruptedException {
        Envelope push = c.nextPush();
        assertThat(push.getRequestId()).isZero();
        assertThat(push.hasCallSignal()).as("CallSignal push: %s", push).isTrue();
        return push.getCallSignal();
    }

    @Test
    void inviteRingingAcceptByeAcrossSuperNodes() throws Exception {
        TestClient alice = cluster.signIn(0, "alice");
        TestClient bob = cluster.signIn(2, "bob");

        assertThat(TestClient.await(alice.signal(invite("c1", "Bob"))).hasOk()).isTrue();
        CallSignal atBob = received(bob);
        assertThat(atBob.getFrom()).isEqualTo("alice");
        assertThat(atBob.getTo()).isEqualTo("bob");
        assertThat(atBob.getCallId()).isEqualTo("c1");
        assertThat(atBob.getInvite().getMedia().getSsrc()).isEqualTo(0x1234);

        assertThat(TestClient.await(bob.signal(CallSignal.newBuilder().setCallId("c1").setTo("alice")
                .setRinging(Ringing.getDefaultInstance()))).hasOk()).isTrue();
        assertThat(TestClient.await(bob.signal(CallSignal.newBuilder().setCallId("c1").setFrom("bob").setTo("alice")
                .setAccept(Accept.newBuilder().setMedia(MediaDescription.newBuilder().setSsrc(0x5678))))).hasOk()).isTrue();
        CallSignal ringing = received(alice);
        assertThat(ringing.hasRinging()).isTrue();
        assertThat(ringing.getFrom()).isEqualTo("bob");
        CallSignal accept = received(alice);
        assertThat(accept.hasAccept()).isTrue();
        assertThat(accept.getAccept().getMedia().getSsrc()).isEqualTo(0x5678);

        assertThat(TestClient.await(alice.signal(CallSignal.newBuilder().setCallId("c1").setTo("bob")
                .setBye(Bye.newBuilder().setReason("done")))).hasOk()).isTrue();
        assertThat(received(bob).getBye().getReason()).isEqualTo("done");
    }

    @Test
    void aCallReachesAUserWhoseLogInNoDigestShowsYet() throws Exception {
        cluster.close();
        cluster = new Cluster(3, dir.resolve("nopush"), List.of(),
                c -> c.withMesh(c.mesh().withDigests(Duration.ZERO, c.mesh().digestLease())));
        cluster.awaitDirectory(List.of());
        TestClient alice = cluster.signIn(0, "alice");
        cluster.meshRound(); // every digest current; sn3's lacks bob, and no push will add him
        TestClient bob = cluster.signIn(2, "bob");

        assertThat(alice.search("bob").getFound()).as("a search trusts the current digests' 'no'").isFalse();
        assertThat(TestClient.await(alice.signal(invite("c9", "bob"))).hasOk()).as("a call signal does not").isTrue();
        assertThat(received(bob).getCallId()).isEqualTo("c9");
    }

    @Test
    void signalsBetweenUsersOnTheSameSuperNodeArePushedDirectly() throws Exception {
        TestClient alice = cluster.signIn(1, "alice");
        TestClient carol = cluster.signIn(1, "carol");
        assertThat(TestClient.await(alice.signal(invite("c2", "carol"))).hasOk()).isTrue();
        CallSignal s = received(carol);
        assertThat(s.getFrom()).isEqualTo("alice");
        assertThat(s.hasInvite()).isTrue();
    }

    @Test
    void callingAnOfflineUserFailsWithUserOffline() throws Exception {
        TestClient alice = cluster.signIn(0, "alice");
        ProtocolException e = TestClient.failure(alice.signal(invite("c3", "nobody")));
        assertThat(e.code()).isEqualTo(ErrorCode.USER_OFFLINE);
        assertThat(e.getMessage()).isEqualTo("user 'nobody' is not online");
    }

    @Test
    void spoofedSenderIsRejectedAndNotDelivered() throws Exception {
        TestClient mallory = cluster.signIn(0, "mallory");
        TestClient bob = cluster.signIn(2, "bob");
        ProtocolException e = TestClient.failure(mallory.signal(invite("spoof", "bob").setFrom("alice")));
        assertThat(e.code()).isEqualTo(ErrorCode.BAD_REQUEST);
        assertThat(e.getMessage()).contains("from");

        assertThat(TestClient.await(mallory.signal(invite("real", "bob"))).hasOk()).isTrue();
        CallSignal first = received(bob);
        assertThat(first.getCallId()).as("the spoofed invite never arrived").isEqualTo("real");
        assertThat(first.getFrom()).isEqualTo("mallory");
    }

    @Test
    void malformedSignalsAreRejected() throws Exception {
        TestClient alice = cluster.signIn(0, "alice");
        assertThat(TestClient.failure(alice.signal(invite("c4", "x y"))).code()).isEqualTo(ErrorCode.INVALID_USERNAME);
        assertThat(TestClient.failure(alice.signal(invite("", "bob"))).code()).isEqualTo(ErrorCode.BAD_REQUEST);
        assertThat(TestClient.failure(alice.signal(CallSignal.newBuilder().setCallId("c5").setTo("bob"))).code())
                .isEqualTo(ErrorCode.BAD_REQUEST);
    }

    @Test
    void signalsToOneUserArriveInTheOrderTheyWereSentEvenWhileTheirLocationIsSearched() throws Exception {
        TestClient alice = cluster.signIn(0, "alice");
        TestClient bob = cluster.signIn(2, "bob");
        // bob's super node does not know where alice is: the first signal starts a mesh search and
        // the others arrive while it runs (RINGING then ACCEPT, sent ~25 ms apart, once came reversed)
        List<CompletableFuture<Envelope>> sent = new ArrayList<>();
        for (int seq = 1; seq <= 5; seq++) {
            sent.add(bob.signal(CallSignal.newBuilder().setCallId("order").setTo("alice").setSeq(seq)
                    .setSealed(ByteString.copyFrom(new byte[] {(byte) seq})).setSignature(ByteString.copyFrom(new byte[64]))));
        }
        for (CompletableFuture<Envelope> f : sent) {
            assertThat(TestClient.await(f).hasOk()).isTrue();
        }
        List<Long> order = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            order.add(received(alice).getSeq());
        }
        assertThat(order).containsExactly(1L, 2L, 3L, 4L, 5L);
    }

    @Test
    void aSealedSignalIsRoutedOnItsRoutingFieldsAloneAndArrivesByteForByte() throws Exception {
        TestClient alice = cluster.signIn(0, "alice");
        TestClient bob = cluster.signIn(2, "bob");
        ByteString sealed = ByteString.copyFrom(new byte[200]); // opaque to super nodes: end-to-end sealed
        ByteString signature = ByteString.copyFrom(new byte[64]);
        assertThat(TestClient.await(alice.signal(CallSignal.newBuilder().setCallId("e2e").setTo("Bob").setSeq(7)
                .setSealed(sealed).setSignature(signature))).hasOk()).isTrue();
        CallSignal atBob = received(bob);
        assertThat(atBob.getFrom()).isEqualTo("alice");
        assertThat(atBob.getTo()).isEqualTo("bob");
        assertThat(atBob.getSeq()).isEqualTo(7);
        assertThat(atBob.getSealed()).isEqualTo(sealed);
        assertThat(atBob.getSignature()).isEqualTo(signature);
        // bounded: an oversized sealed body is refused before routing
        assertThat(TestClient.failure(alice.signal(CallSignal.newBuilder().setCallId("e2e").setTo("bob")
                .setSealed(ByteString.copyFrom(new byte[CallSignalSeals.MAX_SEALED_BYTES + 1])))).code())
                .isEqualTo(ErrorCode.BAD_REQUEST);
    }

    @Test
    void signalBeforeRegisterGetsNotRegistered() throws Exception {
        TestClient anonymous = cluster.connect(0);
        assertThat(TestClient.failure(anonymous.signal(invite("c6", "bob"))).code()).isEqualTo(ErrorCode.NOT_REGISTERED);
    }

    @Test
    void staleCachedLocationIsRetriedAndReachesTheUsersNewSuperNode() throws Exception {
        TestClient alice = cluster.signIn(0, "alice");
        TestClient oldBob = cluster.signIn(2, "bob");
        assertThat(alice.search("bob").getFound()).isTrue(); // caches bob @ sn3
        oldBob.close();
        Await.until("bob left sn3", () -> cluster.node(2).onlineUsers() == 0);
        TestClient bob = cluster.signIn(1, "bob");

        assertThat(TestClient.await(alice.signal(invite("c7", "bob"))).hasOk()).isTrue();
        assertThat(received(bob).getCallId()).isEqualTo("c7");
    }

    @Test
    void staleCachedLocationOfAnOfflineUserGivesUserOfflineAndIsInvalidated() throws Exception {
        TestClient alice = cluster.signIn(0, "alice");
        TestClient bob = cluster.signIn(2, "bob");
        assertThat(alice.search("bob").getFound()).isTrue();
        bob.close();
        Await.until("bob left sn3", () -> cluster.node(2).onlineUsers() == 0);

        ProtocolException e = TestClient.failure(alice.signal(invite("c8", "bob")));
        assertThat(e.code()).isEqualTo(ErrorCode.USER_OFFLINE);
        var after = alice.search("bob");
        assertThat(after.getFound()).as("the stale positive entry is gone").isFalse();
        // Either asked afresh, or answered from the negative entry the exhaustive re-lookup left.
        assertThat(after.getFromCache() ? 0 : 2).isEqualTo(after.getSupernodesContacted());
    }
}
