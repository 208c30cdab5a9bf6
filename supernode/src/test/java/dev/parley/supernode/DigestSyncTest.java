package dev.parley.supernode;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.wire.SuperNodeCertificate;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The receiving side of digest exchange: which digest a peer is held to, and when its "no" is
 * trusted. (The sending side, pushes on presence changes, is exercised over real sockets in
 * {@link SearchScenarioTest}.)
 */
class DigestSyncTest {
    private static final long BASE = 0x1234_5678_0000_0000L;
    private static final long OTHER_BASE = 0x0765_4321_0000_0000L;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-22T00:00:00Z"));
    private final MeshSettings settings = MeshSettings.DEFAULTS;
    // No transport: these tests never push.
    private final DigestSync sync = new DigestSync(null, null, null, clock, settings, 99);
    private final PeerTable.Peer peer = new PeerTable.Peer(new HostPort("127.0.0.1", 7001),
            new InetSocketAddress("127.0.0.1", 7001), SuperNodeCertificate.getDefaultInstance());

    // The wire's PresenceDigest is qualified: the super node's own PresenceDigest has its name.
    private static dev.parley.protocol.wire.PresenceDigest digest(long version, String... users) {
        return PresenceDigest.of(List.of(users), version).toWire();
    }

    /**
     * Pushes to many peers are spaced by their datagrams, not only their bytes: 100 super nodes
     * pushing small digests every 200 ms sent about 50,000 datagrams a second in all while users
     * registered (docs/benchmarks.md "The suspect storm").
     */
    @Test
    void pushesToManyPeersAreSpacedByTheDatagramBudget() {
        long delay = settings.digestPushDelay().toNanos();
        assertThat(DigestSync.pushIntervalNanos(delay, 256, 10)).as("few peers: the push delay").isEqualTo(delay);
        assertThat(DigestSync.pushIntervalNanos(delay, 256, 99)).as("99 peers, 100 datagrams/s: about a second")
                .isEqualTo(Duration.ofMillis(990).toNanos());
        assertThat(DigestSync.pushIntervalNanos(delay, PresenceDigest.MAX_BYTES, 255)).as("full digests: the byte budget")
                .isEqualTo(3_984_375_000L);
    }

    @Test
    void aDigestIsTrustedForItsLeaseAndRenewedByConfirmation() {
        assertThat(sync.current(peer, clock.millis())).as("no digest yet").isFalse();
        assertThat(sync.accept(peer, digest(BASE + 1, "alice"))).isTrue();
        assertThat(sync.current(peer, clock.millis())).isTrue();

        clock.advance(settings.digestLease());
        assertThat(sync.current(peer, clock.millis())).as("at the lease's end").isTrue();
        clock.advance(Duration.ofMillis(1));
        assertThat(sync.current(peer, clock.millis())).as("past the lease: stale").isFalse();

        sync.confirm(peer, BASE + 7); // a pong about some other version renews nothing
        assertThat(sync.current(peer, clock.millis())).isFalse();
        sync.confirm(peer, BASE + 1); // "the version you hold is current"
        assertThat(sync.current(peer, clock.millis())).isTrue();
    }

    @Test
    void aLookupAnswerRenewsTheLeaseOrRevealsAnOutOfDateDigest() {
        sync.accept(peer, digest(BASE + 3, "alice"));
        clock.advance(settings.digestLease());
        sync.onLookupAnswer(peer, BASE + 3);
        clock.advance(Duration.ofMillis(1));
        assertThat(sync.current(peer, clock.millis())).as("renewed by the answer").isTrue();

        sync.onLookupAnswer(peer, 0);
        assertThat(sync.current(peer, clock.millis())).as("no version sent: nothing learned").isTrue();
        sync.onLookupAnswer(peer, BASE + 4);
        assertThat(sync.current(peer, clock.millis())).as("the peer has moved on: ours is stale").isFalse();
    }

    @Test
    void anOvertakenPushIsIgnoredButARestartedPeerAlwaysWins() {
        assertThat(sync.accept(peer, digest(BASE + 5, "alice", "bob"))).isTrue();
        assertThat(sync.accept(peer, digest(BASE + 4, "alice"))).as("older, same run").isFalse();
        assertThat(peer.digest.mightContain("bob")).isTrue();

        assertThat(sync.accept(peer, digest(OTHER_BASE + 1, "carol"))).as("restarted: new base").isTrue();
        assertThat(peer.digest.mightContain("carol")).isTrue();
        assertThat(peer.digest.version()).isEqualTo(OTHER_BASE + 1);
    }

    @Test
    void aMalformedDigestIsIgnoredAndKeepsTheOldOne() {
        sync.accept(peer, digest(BASE + 1, "alice"));
        clock.advance(settings.digestLease().plusMillis(1));
        var garbage = digest(BASE + 2, "alice").toBuilder().setBits(ByteString.copyFrom(new byte[100])).build();
        assertThat(sync.accept(peer, garbage)).isFalse();
        assertThat(peer.digest.version()).isEqualTo(BASE + 1);
        assertThat(sync.current(peer, clock.millis())).as("garbage renews no lease").isFalse();
    }
}
