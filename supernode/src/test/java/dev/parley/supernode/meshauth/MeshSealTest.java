package dev.parley.supernode.meshauth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.protocol.Credentials;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.SuperNodeCertificates;
import dev.parley.protocol.wire.Envelope;
import dev.parley.protocol.wire.MeshPing;
import dev.parley.protocol.wire.PeerLookup;
import dev.parley.protocol.wire.SuperNodeCertificate;
import dev.parley.supernode.meshauth.MeshDatagramException.Reason;
import dev.parley.supernode.meshauth.MeshNodes.Node;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/** Sealing and opening between certified super nodes, and the attacks each check stops. */
class MeshSealTest {
    private final MeshNodes nodes = new MeshNodes();
    private final Node a = nodes.node(1);
    private final Node b = nodes.node(2);
    private final byte[] lookup = Envelope.newBuilder().setVersion(1).setRequestId(77)
            .setPeerLookup(PeerLookup.newBuilder().setUsername("alice")).build().toByteArray();

    MeshSealTest() throws Exception {
        a.keys.learn(b.cert()); // a found b in the directory; b has never heard of a
    }

    private static void assertDropped(ThrowingCallable open, Reason reason) {
        assertThatThrownBy(open).isInstanceOfSatisfying(MeshDatagramException.class,
                e -> assertThat(e.reason()).isEqualTo(reason));
    }

    /** a → b (certificate carried), b → a, then a → b without it. */
    private void introduce() throws Exception {
        b.seal.open(a.seal.seal(b.socket, lookup), a.socket);
        a.seal.open(b.seal.seal(a.socket, lookup), b.socket);
    }

    @Test
    void roundTripTeachesTheCertificateAndTheBootThenDropsTheCertificate() throws Exception {
        byte[] first = a.seal.seal(b.socket, lookup);
        assertThat(first[0]).isEqualTo((byte) MeshSeal.TYPE);
        assertThat(first[1] & SealedHeader.FLAG_CERTIFICATE).isEqualTo(SealedHeader.FLAG_CERTIFICATE);
        assertThat(ByteBuffer.wrap(first).getLong(18)).as("b's boot unknown yet").isZero();
        MeshSeal.Opened opened = b.seal.open(first, a.socket);
        assertThat(opened.payload()).isEqualTo(lookup);
        assertThat(opened.sender()).isEqualTo(a.address);
        assertThat(Envelope.parseFrom(opened.payload()).getPeerLookup().getUsername()).isEqualTo("alice");

        byte[] answer = b.seal.seal(a.socket, lookup); // b learned a from the datagram
        assertThat(ByteBuffer.wrap(answer).getLong(18)).isEqualTo(a.keys.boot());
        assertThat(answer[1]).as("a knows b from the directory, but b has not seen that yet").isEqualTo((byte) 1);
        a.seal.open(answer, b.socket);

        byte[] next = a.seal.seal(b.socket, lookup);
        assertThat(next[1]).as("b showed it knows a's certificate").isZero();
        assertThat(next).hasSize(lookup.length + MeshSeal.OVERHEAD_BYTES);
        assertThat(ByteBuffer.wrap(next).getLong(18)).isEqualTo(b.keys.boot());
        assertThat(b.seal.open(next, a.socket).payload()).isEqualTo(lookup);
        assertThat(a.seal.seal(b.socket, lookup)[1]).isZero();
    }

    @Test
    void aTamperedByteAnywhereIsDroppedAndDoesNotSpoilTheGenuineDatagram() throws Exception {
        byte[] genuine = a.seal.seal(b.socket, lookup); // carries the certificate: every region is covered
        for (int i = 0; i < genuine.length; i++) {
            for (int bit : new int[] {0, 7}) {
                byte[] forged = genuine.clone();
                forged[i] ^= (byte) (1 << bit);
                assertThatThrownBy(() -> b.seal.open(forged, a.socket)).as("byte %d bit %d", i, bit)
                        .isInstanceOf(MeshDatagramException.class);
            }
        }
        assertThat(b.seal.open(genuine, a.socket).payload()).isEqualTo(lookup);
    }

    @Test
    void aReplayIsDroppedEvenOutOfOrder() throws Exception {
        introduce();
        byte[] one = a.seal.seal(b.socket, lookup);
        byte[] two = a.seal.seal(b.socket, lookup);
        b.seal.open(two, a.socket);
        b.seal.open(one, a.socket); // late, not replayed
        assertDropped(() -> b.seal.open(one, a.socket), Reason.REPLAYED);
        assertDropped(() -> b.seal.open(two, a.socket), Reason.REPLAYED);
    }

    @Test
    void aCounterBelowTheWindowIsDropped() throws Exception {
        introduce();
        byte[] held = a.seal.seal(b.socket, lookup);
        for (int i = 0; i < ReplayWindow.WINDOW; i++) {
            b.seal.open(a.seal.seal(b.socket, lookup), a.socket);
        }
        assertDropped(() -> b.seal.open(held, a.socket), Reason.REPLAYED);
    }

    @Test
    void staleOrFutureDatagramsAreDropped() throws Exception {
        introduce();
        byte[] old = a.seal.seal(b.socket, lookup);
        nodes.advance(MeshSeal.MAX_AGE.plusMillis(1));
        assertDropped(() -> b.seal.open(old, a.socket), Reason.STALE);
        byte[] fresh = a.seal.seal(b.socket, lookup);
        nodes.advance(MeshSeal.MAX_AGE.multipliedBy(-2).minusMillis(2));
        assertDropped(() -> b.seal.open(fresh, a.socket), Reason.STALE);
    }

    @Test
    void whatWasSealedForTheReceiversPreviousBootDoesNotOpenAfterItsRestart() throws Exception {
        introduce();
        byte[] beforeRestart = a.seal.seal(b.socket, lookup);
        b.restart(MeshKeys.Limits.DEFAULTS);
        b.keys.learn(a.cert());
        assertDropped(() -> b.seal.open(beforeRestart, a.socket), Reason.NOT_FOR_US);
        // Recovery: b's first datagram names no boot of a's and carries b's certificate; a learns b's new boot.
        a.seal.open(b.seal.seal(a.socket, lookup), b.socket);
        byte[] after = a.seal.seal(b.socket, lookup);
        assertThat(ByteBuffer.wrap(after).getLong(18)).isEqualTo(b.keys.boot());
        assertThat(after[1]).as("b's new boot has not shown it knows a").isEqualTo((byte) 1);
        assertThat(b.seal.open(after, a.socket).payload()).isEqualTo(lookup);
    }

    @Test
    void aSilentPeerIsAddressedAsUnknownAgain() throws Exception {
        introduce();
        b.restart(MeshKeys.Limits.DEFAULTS); // b lost everything and does not talk first
        assertDropped(() -> b.seal.open(a.seal.seal(b.socket, lookup), a.socket), Reason.NOT_FOR_US);
        a.keys.forgetBoot(b.socket); // what a request timeout does
        assertThat(b.seal.open(a.seal.seal(b.socket, lookup), a.socket).payload()).isEqualTo(lookup);
    }

    @Test
    void replaysFromTheSendersPreviousBootStayDropped() throws Exception {
        introduce();
        byte[] oldBoot = a.seal.seal(b.socket, lookup);
        b.seal.open(oldBoot, a.socket);
        a.restart(MeshKeys.Limits.DEFAULTS);
        a.keys.learn(b.cert());
        assertThat(b.seal.open(a.seal.seal(b.socket, lookup), a.socket).payload()).isEqualTo(lookup);
        assertDropped(() -> b.seal.open(oldBoot, a.socket), Reason.REPLAYED);
    }

    @Test
    void anotherKeyIdIsDropped() throws Exception {
        introduce();
        Node c = nodes.node(3);
        b.keys.learn(c.cert());
        byte[] genuine = a.seal.seal(b.socket, lookup); // no certificate any more
        byte[] unknown = genuine.clone();
        ByteBuffer.wrap(unknown).putLong(2, 0x1122334455667788L);
        assertDropped(() -> b.seal.open(unknown, a.socket), Reason.UNKNOWN_SENDER);
        byte[] posingAsC = genuine.clone();
        ByteBuffer.wrap(posingAsC).putLong(2, c.keys.keyId());
        assertDropped(() -> b.seal.open(posingAsC, a.socket), Reason.WRONG_ADDRESS);
        assertDropped(() -> b.seal.open(posingAsC, c.socket), Reason.FORGED); // even from c's own address
        byte[] posingAsB = genuine.clone();
        ByteBuffer.wrap(posingAsB).putLong(2, b.keys.keyId());
        assertDropped(() -> b.seal.open(posingAsB, a.socket), Reason.NOT_FOR_US);
        assertThat(b.seal.open(genuine, a.socket).payload()).isEqualTo(lookup);
    }

    @Test
    void aSourceOtherThanTheCertifiedAddressIsDropped() throws Exception {
        byte[] genuine = a.seal.seal(b.socket, lookup);
        for (InetSocketAddress spoofed : List.of(new InetSocketAddress("192.0.2.66", 7000),
                new InetSocketAddress("192.0.2.1", 7001))) {
            assertDropped(() -> b.seal.open(genuine, spoofed), Reason.WRONG_ADDRESS);
        }
        assertThat(b.seal.open(genuine, a.socket).payload()).isEqualTo(lookup);
    }

    @Test
    void aCertificateFromAnotherLoginServerIsDropped() throws Exception {
        Node stranger = nodes.foreignNode(9);
        stranger.keys.learn(b.cert()); // it knows b's real certificate: all it lacks is a login signature of its own
        assertDropped(() -> b.seal.open(stranger.seal.seal(b.socket, lookup), stranger.socket), Reason.BAD_CERTIFICATE);
        assertThatThrownBy(() -> b.keys.learn(stranger.cert())).isInstanceOf(MeshDatagramException.class)
                .hasMessageContaining("signature");
        assertThat(b.keys.peerAt(stranger.socket)).isNull();
    }

    @Test
    void aRealCertificatePastedOntoAnotherNodesDatagramIsDropped() throws Exception {
        Node mallory = nodes.node(5); // certified, but pretends to be a
        mallory.keys.learn(b.cert());
        byte[] own = mallory.seal.seal(b.socket, lookup);
        byte[] aCert = a.cert().toByteArray();
        byte[] pasted = new byte[own.length - ByteBuffer.wrap(own).getShort(SealedHeader.FIXED_BYTES) + aCert.length];
        int ownCertEnd = SealedHeader.FIXED_BYTES + 2 + ByteBuffer.wrap(own).getShort(SealedHeader.FIXED_BYTES);
        ByteBuffer.wrap(pasted).put(own, 0, SealedHeader.FIXED_BYTES).putShort((short) aCert.length).put(aCert)
                .put(own, ownCertEnd, own.length - ownCertEnd);
        assertDropped(() -> b.seal.open(pasted, a.socket), Reason.BAD_CERTIFICATE); // key id ≠ a's
        ByteBuffer.wrap(pasted).putLong(2, a.keys.keyId());
        assertDropped(() -> b.seal.open(pasted, a.socket), Reason.FORGED); // right key id: mallory has not a's key
    }

    @Test
    void expiredCertificatesNeitherSealNorOpen() throws Exception {
        introduce();
        nodes.advance(MeshNodes.LIFETIME.plus(Credentials.CLOCK_SKEW).plusSeconds(1));
        assertDropped(() -> a.seal.seal(b.socket, lookup), Reason.CANNOT_SEAL);
        assertDropped(() -> b.seal.seal(a.socket, lookup), Reason.CANNOT_SEAL);
        // a keeps sending its expired certificate (b's was renewed): b verified it once, but not for ever
        b.certificate.set(SuperNodeCertificates.issue(nodes.login, b.nodeKey.publicKey(), b.mesh.publicKey(), b.address,
                nodes.clock.instant(), MeshNodes.LIFETIME));
        a.keys.learn(b.cert());
        a.keys.forgetBoot(b.socket);
        byte[] withExpired = a.seal.seal(b.socket, lookup);
        assertThat(withExpired[1]).isEqualTo((byte) 1);
        assertDropped(() -> b.seal.open(withExpired, a.socket), Reason.BAD_CERTIFICATE);
    }

    @Test
    void aRenewedCertificateIsSentAgainAndReplacesTheOldOne() throws Exception {
        introduce();
        nodes.advance(Duration.ofHours(1));
        for (Node n : List.of(a, b)) {
            n.certificate.set(SuperNodeCertificates.issue(nodes.login, n.nodeKey.publicKey(), n.mesh.publicKey(),
                    n.address, nodes.clock.instant(), MeshNodes.LIFETIME));
        }
        byte[] renewed = a.seal.seal(b.socket, lookup);
        assertThat(renewed[1]).isEqualTo((byte) 1);
        b.seal.open(renewed, a.socket);
        a.seal.open(b.seal.seal(a.socket, lookup), b.socket);
        nodes.advance(MeshNodes.LIFETIME.minus(Duration.ofMinutes(30))); // the first certificates have expired
        assertThat(a.seal.open(b.seal.seal(a.socket, lookup), b.socket).sender()).isEqualTo(b.address);
        assertThat(b.seal.open(a.seal.seal(b.socket, lookup), a.socket).sender()).isEqualTo(a.address);
    }

    @Test
    void newCertificatesAreVerifiedAtALimitedRateAndKnownOnesCostNothing() throws Exception {
        Node receiver = nodes.node(20, new MeshKeys.Limits(64, 1, 2));
        List<Node> senders = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Node s = nodes.node(21 + i);
            s.keys.learn(receiver.cert());
            senders.add(s);
        }
        // The same public certificate replayed from a spoofed source: verified once, then cached.
        byte[] replayed = senders.get(0).seal.seal(receiver.socket, lookup);
        for (int i = 0; i < 10; i++) {
            assertDropped(() -> receiver.seal.open(replayed, new InetSocketAddress("198.51.100.1", 9)), Reason.WRONG_ADDRESS);
        }
        receiver.seal.open(senders.get(1).seal.seal(receiver.socket, lookup), senders.get(1).socket);
        Node third = senders.get(2);
        assertDropped(() -> receiver.seal.open(third.seal.seal(receiver.socket, lookup), third.socket), Reason.RATE_LIMITED);
        nodes.advance(Duration.ofSeconds(1));
        assertThat(receiver.seal.open(third.seal.seal(receiver.socket, lookup), third.socket).sender())
                .isEqualTo(third.address);
    }

    @Test
    void nothingIsSealedForUnknownPeersOrBeyondTheSizeLimit() throws Exception {
        assertDropped(() -> a.seal.seal(new InetSocketAddress("192.0.2.200", 7000), lookup), Reason.CANNOT_SEAL);
        assertDropped(() -> a.seal.seal(b.socket, new byte[MeshSeal.MAX_DATAGRAM_BYTES]), Reason.CANNOT_SEAL);
        introduce();
        byte[] largest = new byte[MeshSeal.MAX_DATAGRAM_BYTES - MeshSeal.OVERHEAD_BYTES];
        assertThat(a.seal.seal(b.socket, largest)).hasSize(MeshSeal.MAX_DATAGRAM_BYTES);
        assertDropped(() -> a.seal.seal(b.socket, new byte[largest.length + 1]), Reason.CANNOT_SEAL);
    }

    @Test
    void aPlainEnvelopeOrAReflectedDatagramIsDropped() throws Exception {
        introduce();
        byte[] plain = Envelope.newBuilder().setVersion(1).setRequestId(5)
                .setMeshPing(MeshPing.newBuilder().setFrom(new HostPort("192.0.2.1", 7000).toAddress()))
                .build().toByteArray();
        assertDropped(() -> b.seal.open(plain, a.socket), Reason.MALFORMED);
        byte[] own = b.seal.seal(a.socket, lookup);
        assertDropped(() -> b.seal.open(own, a.socket), Reason.NOT_FOR_US);
    }

    @Test
    void certificatesMissingFromTheStoreComeFromTheSourceAndAreVerifiedThere() throws Exception {
        Node small = nodes.node(30, new MeshKeys.Limits(1, 100, 256)); // remembers one peer
        Node c = nodes.node(3);
        Node stranger = nodes.foreignNode(8);
        b.keys.learn(small.cert());
        small.seal.open(b.seal.seal(small.socket, lookup), b.socket);
        b.seal.open(small.seal.seal(b.socket, lookup), small.socket); // b now knows small knows it
        small.keys.learn(c.cert()); // evicts b
        byte[] noCertificate = b.seal.seal(small.socket, lookup);
        assertThat(noCertificate[1]).isZero();
        assertDropped(() -> small.seal.open(noCertificate, b.socket), Reason.UNKNOWN_SENDER);

        small.keys.setCertificateSource(new MeshKeys.CertificateSource() { // the peer table, say
            @Override
            public SuperNodeCertificate byAddress(InetSocketAddress socket) {
                return socket.equals(b.socket) ? b.cert() : stranger.cert();
            }

            @Override
            public SuperNodeCertificate byKeyId(long keyId) {
                return keyId == b.keys.keyId() ? b.cert() : stranger.cert();
            }
        });
        assertThat(small.seal.open(b.seal.seal(small.socket, lookup), b.socket).sender()).isEqualTo(b.address);
        assertThat(b.seal.open(small.seal.seal(b.socket, lookup), small.socket).payload()).isEqualTo(lookup);
        assertDropped(() -> small.seal.seal(stranger.socket, lookup), Reason.CANNOT_SEAL); // verified, not trusted
    }
}
