package dev.parley.supernode;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocol.Ed25519KeyPair;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.wire.PeerLookupResult;
import dev.parley.supernode.MeshCandidate.DigestSays;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Searches through a fake mesh ({@link FakeMeshPort}: scripted answers, time moved by the test)
 * when the peers are too busy to answer, and when one of them is merely dead.
 */
class LookupThrottleTest {
    private static final long WAVE_MS = 200;
    private static final SearchSettings SETTINGS = SearchSettings.DEFAULTS
            .withTimeouts(Duration.ofMillis(WAVE_MS), Duration.ofSeconds(3));
    private static final int PEERS = 20;
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

    private CompletableFuture<SearchOutcome> locate(String username) {
        CompletableFuture<SearchOutcome> outcome = locator.locate(username, UserLocator.CacheUse.ALL);
        mesh.runTasks();
        return outcome;
    }

    @Test
    void silentWavesStopWideningOnceMostLookupsGoSilent() {
        // No digests: wave 1 asks 2 peers, wave 2 four more, then 8, then the rest.
        mesh.candidates = IntStream.rangeClosed(1, PEERS).mapToObj(i -> new MeshCandidate(peer(i), false, DigestSays.NOTHING))
                .toList();
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
        assertThat(mesh.sent).as("without the throttle every search asks all %d peers: %d lookups", PEERS, PEERS * searches)
                .hasSize(2 * (searches + 1) + 4 * widening);
    }

    @Test
    void oneDeadPeerAmongAnsweringOnesDoesNotThrottle() {
        mesh.candidates = IntStream.rangeClosed(1, PEERS).mapToObj(i -> new MeshCandidate(peer(i), false, DigestSays.NOTHING))
                .toList();
        HostPort dead = peer(1);
        int searches = 200;
        for (int i = 0; i < searches; i++) {
            CompletableFuture<SearchOutcome> outcome = locate("nobody" + i);
            while (!outcome.isDone()) {
                answerAllBut(dead);
                mesh.advance(WAVE_MS);
            }
            assertThat(outcome.join().superNodesContacted()).as("search %d asked every peer", i).isEqualTo(PEERS);
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
