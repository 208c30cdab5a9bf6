package dev.parley.nat.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.nat.sim.VirtualTime;
import java.net.InetSocketAddress;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RelayAllocationTableTest {
    private static final InetSocketAddress ALICE = new InetSocketAddress("10.99.0.41", 50001);
    private static final InetSocketAddress BOB = new InetSocketAddress("10.99.0.42", 50002);
    private static final InetSocketAddress MALLORY = new InetSocketAddress("10.99.0.66", 666);
    private final VirtualTime time = new VirtualTime();
    private final RelayAllocationTable table = new RelayAllocationTable(time, new SplittableRandom(1), new RelayAllocationTable.Limits(2, 3, 60_000));

    @Test
    void forwardsOnlyBetweenTheTwoLatchedParties() throws Exception {
        RelayAllocation a = table.allocate("alice", "c1");
        assertThat(table.route(ALICE, 100)).isEqualTo(RelayRoute.UNKNOWN); // not latched yet
        assertThat(table.bind(a.callerToken(), new RelayBindProof.Key(a.callerKey()), ALICE)).hasValue(a.id());
        assertThat(table.route(ALICE, 100)).as("peer not latched yet").isEqualTo(RelayRoute.UNKNOWN);
        assertThat(table.bind(a.calleeToken(), new RelayBindProof.Key(a.calleeKey()), BOB)).hasValue(a.id());
        assertThat(table.route(ALICE, 100)).isEqualTo(new RelayRoute.Forward(BOB));
        assertThat(table.route(BOB, 100)).isEqualTo(new RelayRoute.Forward(ALICE));
        assertThat(table.route(MALLORY, 100)).isEqualTo(RelayRoute.UNKNOWN);
        assertThat(table.bind(new byte[16], new RelayBindProof.Key(new byte[16]), MALLORY)).isEmpty();
        assertThat(table.forwarded(a.id())).isEqualTo(2);
    }

    @Test
    void rebindMovesAPartyAndTheOldAddressLosesAccess() throws Exception {
        RelayAllocation a = table.allocate("alice", "c1");
        table.bind(a.callerToken(), new RelayBindProof.Key(a.callerKey()), ALICE);
        table.bind(a.calleeToken(), new RelayBindProof.Key(a.calleeKey()), BOB);
        InetSocketAddress moved = new InetSocketAddress("10.99.0.41", 50999);
        table.bind(a.callerToken(), new RelayBindProof.Key(a.callerKey()), moved);
        assertThat(table.route(ALICE, 100)).isEqualTo(RelayRoute.UNKNOWN);
        assertThat(table.route(BOB, 100)).isEqualTo(new RelayRoute.Forward(moved));
    }

    @Test
    void theIpv4IndexFollowsEveryLatchMoveAndRelease() throws Exception {
        RelayAllocation a = table.allocate("alice", "c1");
        table.bind(a.callerToken(), new RelayBindProof.Key(a.callerKey()), ALICE);
        table.bind(a.calleeToken(), new RelayBindProof.Key(a.calleeKey()), BOB);
        assertThat(RelayAllocationTable.ipv4Key(ALICE)).isEqualTo((10L << 40 | 99L << 32 | 0L << 24 | 41L << 16) | 50001);
        assertThat(table.routeIpv4(RelayAllocationTable.ipv4Key(ALICE), 100, time.millis())).isEqualTo(new RelayRoute.Forward(BOB));
        InetSocketAddress moved = new InetSocketAddress("10.99.0.41", 50999);
        table.bind(a.callerToken(), new RelayBindProof.Key(a.callerKey()), moved);
        assertThat(table.routeIpv4(RelayAllocationTable.ipv4Key(ALICE), 100, time.millis())).as("the old address").isEqualTo(RelayRoute.UNKNOWN);
        assertThat(table.routeIpv4(RelayAllocationTable.ipv4Key(moved), 100, time.millis())).isEqualTo(new RelayRoute.Forward(BOB));
        assertThat(table.routeIpv4(RelayAllocationTable.ipv4Key(MALLORY), 100, time.millis())).isEqualTo(RelayRoute.UNKNOWN);
        assertThat(table.release(a.id(), "alice")).isTrue();
        assertThat(table.routeIpv4(RelayAllocationTable.ipv4Key(moved), 100, time.millis())).as("released").isEqualTo(RelayRoute.UNKNOWN);
        assertThat(table.routeIpv4(RelayAllocationTable.ipv4Key(BOB), 100, time.millis())).as("released").isEqualTo(RelayRoute.UNKNOWN);
        assertThat(RelayAllocationTable.ipv4Key(new InetSocketAddress("::1", 5))).isEqualTo(-1);
    }

    @Test
    void quotasPerClientAndTotalAreEnforced() throws Exception {
        table.allocate("alice", "c1");
        table.allocate("alice", "c1");
        assertThatThrownBy(() -> table.allocate("alice", "c1")).isInstanceOf(RelayQuotaException.class)
                .hasMessage("relayAllocations for alice: 2 (expected: < 2)");
        table.allocate("bob", "c1");
        assertThatThrownBy(() -> table.allocate("carol", "c1")).hasMessage("relayAllocations: 3 (expected: < 3)");
        assertThat(table.allocationsOf("alice")).isEqualTo(2);
    }

    @Test
    void releaseByTheOwnerOnlyAndIdleExpiryFreeQuota() throws Exception {
        RelayAllocation a = table.allocate("alice", "c1");
        RelayAllocation b = table.allocate("alice", "c1");
        table.bind(a.callerToken(), new RelayBindProof.Key(a.callerKey()), ALICE);
        table.bind(a.calleeToken(), new RelayBindProof.Key(a.calleeKey()), BOB);
        assertThat(table.release(a.id(), "mallory")).isFalse();
        assertThat(table.release(a.id(), "alice")).isTrue();
        assertThat(table.route(ALICE, 100)).isEqualTo(RelayRoute.UNKNOWN);
        assertThat(table.bind(a.callerToken(), new RelayBindProof.Key(a.callerKey()), ALICE)).isEmpty();
        assertThat(table.allocationsOf("alice")).isEqualTo(1);

        time.advance(30_000);
        assertThat(table.expireIdle()).isZero();
        time.advance(30_001);
        assertThat(table.expireIdle()).isEqualTo(1);
        assertThat(table.size()).isZero();
        assertThat(table.forwarded(b.id())).isEqualTo(-1);
        table.allocate("alice", "c1");
        table.allocate("alice", "c1");
    }
}
