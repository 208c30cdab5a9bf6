package dev.parley.supernode;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocol.Credentials;
import dev.parley.protocol.Ed25519KeyPair;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.PresenceRecords;
import dev.parley.protocol.wire.Credential;
import dev.parley.protocol.wire.PeerLookupResult;
import dev.parley.protocol.wire.PresenceRecord;
import dev.parley.supernode.MeshCandidate.DigestSays;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The expanding search through a fake {@link MeshPort}: no sockets, time moves only when the test
 * says so, and every answer is scripted.
 */
class UserLocatorTest {
    private static final long WAVE_MS = 200;
    private static final SearchSettings SETTINGS = SearchSettings.DEFAULTS
            .withTimeouts(Duration.ofMillis(WAVE_MS), Duration.ofSeconds(3));
    private final Ed25519KeyPair loginKey = TestKeys.key(1);
    private final MutableClock clock = new MutableClock(Cluster.START);
    private final FakeMeshPort mesh = new FakeMeshPort();
    private final UserLocator locator = new UserLocator(mesh, loginKey::publicKey, clock, SETTINGS, 42);

    @AfterEach
    void stop() {
        mesh.close();
    }

    private static HostPort peer(int i) {
        return new HostPort("192.0.2." + i, 4000);
    }

    private static MeshCandidate live(int i, DigestSays says) {
        return new MeshCandidate(peer(i), false, says);
    }

    /** @return {@code username}'s presence record as its super node {@code at} answers it, signed with {@code login} */
    private PresenceRecord record(String username, HostPort at, Ed25519KeyPair login) {
        Ed25519KeyPair user = TestKeys.userKey(username);
        Credential credential = Credentials.issue(login, username, user.publicKey(), clock.instant(), Duration.ofHours(1));
        long now = clock.millis();
        return PresenceRecords.record(credential, at, List.of(), now,
                PresenceRecords.sign(user, username, at, List.of(), now), now);
    }

    private static PeerLookupResult found(PresenceRecord record) {
        return PeerLookupResult.newBuilder().setFound(true).setRecord(record).build();
    }

    private CompletableFuture<SearchOutcome> locate(String username) {
        CompletableFuture<SearchOutcome> outcome = locator.locate(username, UserLocator.CacheUse.ALL);
        mesh.runTasks();
        return outcome;
    }

    @Test
    void wavesDoubleUntilEveryPeerIsAskedAndALateAnswerFromWaveOneStillWins() {
        mesh.candidates = IntStream.rangeClosed(1, 10).mapToObj(i -> live(i, DigestSays.NOTHING)).toList();
        CompletableFuture<SearchOutcome> outcome = locate("bob");
        assertThat(mesh.sent).as("wave 1 without digest matches: 2 peers").hasSize(2);

        mesh.advance(WAVE_MS - 1);
        assertThat(mesh.sent).as("wave 1 still running").hasSize(2);
        mesh.advance(1);
        assertThat(mesh.sent).as("wave 2: 4 more").hasSize(6);
        mesh.advance(WAVE_MS);
        assertThat(mesh.sent).as("wave 3: the remaining 4 of 8").hasSize(10);
        assertThat(mesh.asked()).as("each peer once").doesNotHaveDuplicates()
                .containsExactlyInAnyOrderElementsOf(mesh.candidates.stream().map(MeshCandidate::address).toList());
        assertThat(mesh.sent).allSatisfy(l -> assertThat(l.username()).isEqualTo("bob"));
        mesh.advance(WAVE_MS);
        assertThat(outcome).as("silent peers keep the search open after the last wave").isNotDone();

        HostPort first = mesh.asked().get(0);
        mesh.to(first).answer().complete(found(record("bob", first, loginKey)));
        assertThat(outcome).isCompleted();
        SearchOutcome o = outcome.join();
        assertThat(o.location()).hasValueSatisfying(l -> assertThat(l.superNode()).isEqualTo(first));
        assertThat(o.superNodesContacted()).isEqualTo(10);
        assertThat(o.fromCache()).isFalse();
    }

    @Test
    void digestMatchesGoFirstACurrentNoIsNotAskedAndTheFirstVerifiedAnswerWins() {
        mesh.candidates = List.of(live(1, DigestSays.NOTHING), live(2, DigestSays.MAYBE), live(3, DigestSays.NO_CURRENT),
                live(4, DigestSays.MAYBE), new MeshCandidate(peer(5), true, DigestSays.NOTHING));
        CompletableFuture<SearchOutcome> outcome = locate("bob");
        assertThat(mesh.asked()).as("wave 1: the digest matches").containsExactlyInAnyOrder(peer(2), peer(4));

        Ed25519KeyPair forger = TestKeys.key(666);
        mesh.to(peer(2)).answer().complete(found(record("bob", peer(9), loginKey))); // names another super node
        mesh.to(peer(4)).answer().complete(found(record("bob", peer(4), forger))); // credential not from the login server
        assertThat(outcome).as("unverified answers are not results").isNotDone();
        assertThat(locator.counters().rejectedRecords()).isEqualTo(2);
        assertThat(mesh.asked()).as("wave 1 answered: wave 2 at once, the suspect last; the current no never")
                .containsExactly(mesh.asked().get(0), mesh.asked().get(1), peer(1), peer(5));

        mesh.to(peer(1)).answer().complete(found(record("bob", peer(1), loginKey)));
        mesh.to(peer(5)).answer().complete(found(record("bob", peer(5), loginKey))); // too late
        SearchOutcome o = outcome.join();
        assertThat(o.location()).hasValueSatisfying(l -> assertThat(l.superNode()).isEqualTo(peer(1)));
        assertThat(o.superNodesContacted()).isEqualTo(4);

        SearchOutcome cached = locate("bob").join();
        assertThat(cached.fromCache()).isTrue();
        assertThat(cached.location()).hasValueSatisfying(l -> assertThat(l.superNode()).isEqualTo(peer(1)));
        assertThat(mesh.sent).as("the cache answered").hasSize(4);
    }

    @Test
    void aNoFromEveryPeerIsCachedUntilInvalidated() {
        mesh.candidates = List.of(live(1, DigestSays.NOTHING), live(2, DigestSays.NO_STALE));
        CompletableFuture<SearchOutcome> outcome = locate("carol");
        mesh.sent.forEach(l -> l.answer().complete(PeerLookupResult.newBuilder().setFound(false).build()));
        assertThat(outcome.join().location()).isEmpty();
        assertThat(outcome.join().superNodesContacted()).isEqualTo(2);

        assertThat(locate("carol").join().fromCache()).as("every live peer said no").isTrue();
        locator.invalidate("carol");
        CompletableFuture<SearchOutcome> again = locate("carol");
        assertThat(again).isNotDone();
        assertThat(mesh.sent).as("searched again after the invalidation").hasSize(4);
    }

    @Test
    void aSilentDigestMatchWidensTheSearchToPeersWhoseCurrentDigestSaidNo() {
        // bob's super node (peer 1) died unnoticed; bob rejoined at peer 3, whose current digest
        // predates him. Without widening the search would wait for peer 1 and end "not found".
        mesh.candidates = List.of(live(1, DigestSays.MAYBE), live(2, DigestSays.NO_CURRENT), live(3, DigestSays.NO_CURRENT));
        CompletableFuture<SearchOutcome> outcome = locate("bob");
        assertThat(mesh.asked()).as("wave 1: the digest match only").containsExactly(peer(1));
        mesh.advance(WAVE_MS);
        assertThat(mesh.asked()).as("peer 1 silent for a wave: the held-back peers are asked")
                .containsExactlyInAnyOrder(peer(1), peer(2), peer(3));
        assertThat(locator.counters().widened()).isEqualTo(1);
        mesh.to(peer(3)).answer().complete(found(record("bob", peer(3), loginKey)));
        assertThat(outcome.join().location()).hasValueSatisfying(l -> assertThat(l.superNode()).isEqualTo(peer(3)));
    }

    @Test
    void widenedSearchesAreBudgetedSoSlowHoldersUnderLoadCannotMultiplyTheLookups() {
        // Under load every holder is slow for a wave: unbounded, each search would ask the whole
        // mesh and the extra lookups would make the holders slower still (a collapse seen at 2,000/s).
        mesh.candidates = List.of(live(1, DigestSays.MAYBE), live(2, DigestSays.NO_CURRENT), live(3, DigestSays.NO_CURRENT));
        int searches = UserLocator.WIDENINGS_BURST + 10;
        for (int i = 0; i < searches; i++) {
            locate("user" + i);
        }
        mesh.advance(WAVE_MS);
        assertThat(locator.counters().widened()).isEqualTo(UserLocator.WIDENINGS_BURST);
        assertThat(locator.counters().wideningsRefused()).isEqualTo(10);
        assertThat(mesh.sent).as("one lookup per search, two more per widened one")
                .hasSize(searches + 2 * UserLocator.WIDENINGS_BURST);
        mesh.advance(1_000); // the budget refills at WIDENINGS_PER_S
        locate("late");
        mesh.advance(WAVE_MS);
        assertThat(locator.counters().widened()).isEqualTo(UserLocator.WIDENINGS_BURST + 1);
    }

    @Test
    void aRunningSearchAsksAPeerWhoseNewDigestListsTheUser() {
        // bob's super node (peer 1) died and he registered at peer 2, whose current digest was
        // pushed before. A burst of such searches spent the widening budget: bob's would wait for
        // its deadline. Peer 2's next push lists bob, and the running search asks it then.
        mesh.candidates = List.of(live(1, DigestSays.MAYBE), live(2, DigestSays.NO_CURRENT), live(3, DigestSays.NO_CURRENT));
        for (int i = 0; i < UserLocator.WIDENINGS_BURST; i++) {
            locate("rejoining" + i);
        }
        CompletableFuture<SearchOutcome> outcome = locate("bob");
        mesh.advance(WAVE_MS);
        assertThat(locator.counters().wideningsRefused()).isEqualTo(1);
        assertThat(lookupsOf("bob")).containsExactly(peer(1));

        locator.newDigest(peer(3), PresenceDigest.of(List.of("carol"), 7));
        assertThat(lookupsOf("bob")).as("a digest without bob changes nothing").containsExactly(peer(1));
        locator.newDigest(peer(2), PresenceDigest.of(List.of("bob"), 8));
        assertThat(lookupsOf("bob")).containsExactly(peer(1), peer(2));
        mesh.sent.get(mesh.sent.size() - 1).answer().complete(found(record("bob", peer(2), loginKey)));
        assertThat(outcome).as("found when peer 2's digest came, not at the deadline").isCompleted();
        assertThat(outcome.join().location()).hasValueSatisfying(l -> assertThat(l.superNode()).isEqualTo(peer(2)));
        assertThat(locator.counters().newHolderAsked()).isEqualTo(1);
    }

    @Test
    void aPeerListingEveryoneIsAskedOncePerSearch() {
        // Attack: a peer pushes digest after digest with every bit set to draw lookups; each
        // running search asks it at most once, and never a peer it already asked.
        mesh.candidates = List.of(live(1, DigestSays.MAYBE), live(2, DigestSays.NO_CURRENT));
        locate("bob");
        for (int v = 1; v <= 10; v++) {
            locator.newDigest(peer(2), PresenceDigest.of(List.of("bob"), v));
            locator.newDigest(peer(1), PresenceDigest.of(List.of("bob"), v));
        }
        assertThat(lookupsOf("bob")).containsExactly(peer(1), peer(2));
    }

    private List<HostPort> lookupsOf(String username) {
        return mesh.sent.stream().filter(l -> l.username().equals(username)).map(FakeMeshPort.Lookup::peer).toList();
    }

    @Test
    void aDigestMatchThatAnswersNoDoesNotWidenTheSearch() {
        mesh.candidates = List.of(live(1, DigestSays.MAYBE), live(2, DigestSays.NO_CURRENT), live(3, DigestSays.NO_CURRENT));
        CompletableFuture<SearchOutcome> outcome = locate("bob");
        mesh.to(peer(1)).answer().complete(PeerLookupResult.newBuilder().setFound(false).build()); // a Bloom false positive
        assertThat(outcome.join().location()).isEmpty();
        mesh.advance(WAVE_MS);
        assertThat(mesh.asked()).as("the current digests' no stands").containsExactly(peer(1));
        assertThat(locator.counters().widened()).isZero();
    }

    @Test
    void newsOfAPresenceChangeMakesARunningSearchAskThePeersThatSaidNoAgain() {
        // bob's super node (peer 1) died; the search asks peer 2 (widened), which has no bob yet.
        mesh.candidates = List.of(live(1, DigestSays.MAYBE), live(2, DigestSays.NO_CURRENT));
        CompletableFuture<SearchOutcome> outcome = locate("bob");
        mesh.advance(WAVE_MS);
        mesh.to(peer(2)).answer().complete(PeerLookupResult.newBuilder().setFound(false).build());
        assertThat(mesh.sent).hasSize(2);

        locator.invalidate("bob"); // bob registered at peer 2, which tells the peers that asked about him
        mesh.runTasks();
        assertThat(mesh.asked()).as("peer 2 asked again").containsExactly(peer(1), peer(2), peer(2));
        mesh.sent.get(2).answer().complete(found(record("bob", peer(2), loginKey)));
        assertThat(outcome).as("found by the search already running, not the next one").isCompleted();
        assertThat(outcome.join().location()).hasValueSatisfying(l -> assertThat(l.superNode()).isEqualTo(peer(2)));
    }

    @Test
    void aFloodOfPresenceChangesCostsAtMostTwoRechecksPerSearch() {
        // Attack: a peer (or a flapping user) sends PresenceChanged for a searched name over and
        // over to make this super node re-send lookups; each search asks again at most twice.
        mesh.candidates = List.of(live(1, DigestSays.MAYBE), live(2, DigestSays.NO_CURRENT), live(3, DigestSays.NO_CURRENT));
        CompletableFuture<SearchOutcome> outcome = locate("bob");
        mesh.advance(WAVE_MS); // peer 1 silent: widened to peers 2 and 3
        for (int i = 0; i < 10; i++) {
            List.copyOf(mesh.sent).stream().filter(l -> !l.peer().equals(peer(1)) && !l.answer().isDone())
                    .forEach(l -> l.answer().complete(PeerLookupResult.newBuilder().setFound(false).build()));
            locator.invalidate("bob");
            mesh.runTasks();
        }
        assertThat(mesh.sent).as("1 + 2 (widened) + 2 rechecks of 2").hasSize(7);
        assertThat(outcome).isNotDone(); // still waiting for silent peer 1, until its deadline
    }

    /** A mesh too busy to answer: silent waves stop widening (the {@link LookupThrottle}). */
    @Test
    void silentWavesStopWideningOnceMostLookupsGoSilent() {
        int peers = 20;
        // No digests: wave 1 asks 2 peers, wave 2 four more, then 8, then the rest.
        mesh.candidates = IntStream.rangeClosed(1, peers).mapToObj(i -> live(i, DigestSays.NOTHING)).toList();
        int searches = 60;
        List<CompletableFuture<SearchOutcome>> outcomes = new ArrayList<>();
        for (int i = 0; i < searches; i++) {
            outcomes.add(locate("user" + i));
        }
        assertThat(mesh.sent).hasSize(2 * searches);
        assertThat(mesh.sent).as("retransmitted once while the mesh answers").allSatisfy(
                l -> assertThat(l.retransmitAfterMs()).isEqualTo(WAVE_MS));

        mesh.advance(WAVE_MS);
        // 100 tokens, 2 per silent wave: the first 24 searches ask wave 2, then half the tokens are gone
        int widening = (LookupThrottle.MAX_TOKENS / 2 - 1) / 2;
        assertThat(mesh.sent).hasSize(2 * searches + 4 * widening);
        assertThat(locator.counters().throttled()).isEqualTo(searches - widening);
        outcomes.add(locate("late"));
        assertThat(mesh.sent.subList(mesh.sent.size() - 2, mesh.sent.size())).as("not retransmitted: overload, not loss")
                .allSatisfy(l -> assertThat(l.retransmitAfterMs()).isZero());

        mesh.advance(SETTINGS.deadline().toMillis());
        assertThat(outcomes).allSatisfy(o -> assertThat(o).isCompletedWithValueMatching(r -> r.location().isEmpty()));
        assertThat(mesh.sent).as("without the throttle every search asks all %d peers: %d lookups", peers, peers * searches)
                .hasSize(2 * (searches + 1) + 4 * widening);
    }

    @Test
    void oneDeadPeerAmongAnsweringOnesDoesNotThrottle() {
        int peers = 20;
        mesh.candidates = IntStream.rangeClosed(1, peers).mapToObj(i -> live(i, DigestSays.NOTHING)).toList();
        HostPort dead = peer(1);
        int searches = 200;
        for (int i = 0; i < searches; i++) {
            CompletableFuture<SearchOutcome> outcome = locate("nobody" + i);
            while (!outcome.isDone()) {
                answerAllBut(dead);
                mesh.advance(WAVE_MS);
            }
            assertThat(outcome.join().superNodesContacted()).as("search %d asked every peer", i).isEqualTo(peers);
        }
        assertThat(locator.counters().throttled()).isZero();
        assertThat(locator.throttle.allowsWidening()).isTrue();
    }

    private void answerAllBut(HostPort dead) {
        for (FakeMeshPort.Lookup l : List.copyOf(mesh.sent)) {
            if (!l.peer().equals(dead) && !l.answer().isDone()) {
                l.answer().complete(PeerLookupResult.newBuilder().setFound(false).build());
            }
        }
    }
}
