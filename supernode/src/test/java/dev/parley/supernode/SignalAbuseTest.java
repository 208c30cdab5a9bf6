package dev.parley.supernode;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.wire.Bye;
import dev.parley.protocol.wire.CallSignal;
import dev.parley.protocol.wire.Envelope;
import dev.parley.protocol.wire.ErrorCode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Call-signal floods from a registered client, against a real 3-node cluster on loopback: a flood
 * is rate-limited per session, and signals to a user nobody has cost at most a handful of mesh
 * lookups (negative cache, joined searches, per-session search budget). The cluster's clock
 * stands still, so the token buckets never refill during a test.
 */
class SignalAbuseTest {
    private static final int FLOOD = 1_000;
    private static final ControlLimits LIFTED = ControlLimits.DEFAULTS.withSignalLimits(10_000, 10_000, 10_000, 10_000);

    @TempDir
    Path dir;
    @AutoClose
    private Cluster cluster;

    private TestClient start(UnaryOperator<SuperNodeConfig> tune) throws Exception {
        cluster = new Cluster(3, dir, List.of(), tune);
        cluster.awaitDirectory(List.of());
        cluster.meshRound(); // every peer live: a signal's search asks both
        return cluster.signIn(0, "mallory");
    }

    private long meshLookups() {
        return cluster.node(1).stats().lookupsServed() + cluster.node(2).stats().lookupsServed();
    }

    private static CallSignal.Builder bye(String to, int i) {
        return CallSignal.newBuilder().setCallId("flood" + i).setTo(to).setBye(Bye.newBuilder().setReason("x"));
    }

    private static List<ProtocolException> failures(List<CompletableFuture<Envelope>> sent) throws Exception {
        List<ProtocolException> errors = new ArrayList<>();
        for (CompletableFuture<Envelope> f : sent) {
            errors.add(TestClient.failure(f));
        }
        return errors;
    }

    @Test
    void aSignalFloodIsRateLimitedPerSession() throws Exception {
        TestClient mallory = start(c -> c);
        List<CompletableFuture<Envelope>> sent = new ArrayList<>();
        for (int i = 0; i < FLOOD; i++) {
            sent.add(mallory.signal(bye("nobody", i)));
        }
        List<ProtocolException> errors = failures(sent);

        String limited = "call signals: more than 10/s (burst 20); retry in 100 ms";
        assertThat(errors).filteredOn(e -> e.getMessage().equals(limited)).hasSize(FLOOD - 20)
                .allMatch(e -> e.code() == ErrorCode.RATE_LIMITED);
        assertThat(errors).filteredOn(e -> !e.getMessage().equals(limited))
                .allMatch(e -> e.code() == ErrorCode.USER_OFFLINE || e.code() == ErrorCode.RATE_LIMITED);
        assertThat(meshLookups()).as("mesh lookups for %d signals", FLOOD).isBetween(1L, 4L);
    }

    @Test
    void signalsToAnUnknownUserAreAnsweredFromTheNegativeCacheUntilTheUserAppears() throws Exception {
        TestClient mallory = start(c -> c.withLimits(LIFTED));
        for (int i = 0; i < FLOOD; i++) {
            ProtocolException e = TestClient.failure(mallory.signal(bye("nobody", i)));
            assertThat(e.code()).isEqualTo(ErrorCode.USER_OFFLINE);
            assertThat(e.getMessage()).isEqualTo("user 'nobody' is not online");
        }
        assertThat(meshLookups()).as("one search: each of 2 peers asked once").isEqualTo(2);

        TestClient nobody = cluster.signIn(2, "nobody"); // node 2 pushes PresenceChanged to node 0
        Await.until("the signal reaches the user who appeared",
                () -> mallory.signal(bye("nobody", -1)).handle((ok, e) -> e == null).get());
        assertThat(nobody.nextPush().getCallSignal().getCallId()).isEqualTo("flood-1");
    }

    @Test
    void aBurstOfSignalsToAnUnknownUserJoinsOneSearch() throws Exception {
        TestClient mallory = start(c -> c.withLimits(LIFTED));
        List<CompletableFuture<Envelope>> sent = new ArrayList<>();
        for (int i = 0; i < FLOOD; i++) {
            sent.add(mallory.signal(bye("nobody", i)));
        }
        assertThat(failures(sent)).allMatch(e -> e.code() == ErrorCode.USER_OFFLINE);
        assertThat(meshLookups()).as("mesh lookups for %d concurrent signals", FLOOD).isBetween(2L, 4L);
    }

    @Test
    void signalsToManyUnknownNamesSpendTheSessionsSearchBudget() throws Exception {
        TestClient mallory = start(c -> c.withLimits(ControlLimits.DEFAULTS.withSignalLimits(10_000, 10_000, 1, 5)));
        for (int i = 0; i < FLOOD; i++) {
            ProtocolException e = TestClient.failure(mallory.signal(bye("nobody" + i, i)));
            if (i < 5) {
                assertThat(e.code()).isEqualTo(ErrorCode.USER_OFFLINE);
            } else {
                assertThat(e.code()).isEqualTo(ErrorCode.RATE_LIMITED);
                assertThat(e.getMessage()).isEqualTo("call signals to users not known here ('nobody" + i
                        + "'): more than 1/s (burst 5) need a mesh search; retry in 1000 ms");
            }
        }
        assertThat(meshLookups()).as("5 searches over 2 peers").isEqualTo(10);
    }
}
