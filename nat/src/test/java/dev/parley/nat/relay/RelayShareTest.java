package dev.parley.nat.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.nat.sim.VirtualTime;
import java.net.InetSocketAddress;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A promoted client's relay caps (docs/architecture.md "Self-organizing overlay"): its allocation
 * count, and its upload share, which polices what all allocations relay together and refuses new
 * allocations near it.
 */
class RelayShareTest {
    private static final int PACKET = 200; // an Opus packet with RTP/UDP headers
    private static final long SHARE_KBPS = 512; // 64,000 bytes/s

    private final VirtualTime time = new VirtualTime();
    private final RelayAllocationTable table = new RelayAllocationTable(time, new SplittableRandom(12),
            RelayAllocationTable.Limits.DEFAULTS.withCaps(8, SHARE_KBPS));

    @Test
    void callsTogetherNeverRelayMoreThanTheShareAndEachStaysWithinItsOwnRate() throws Exception {
        InetSocketAddress[][] calls = new InetSocketAddress[6][];
        for (int i = 0; i < calls.length; i++) {
            calls[i] = latched("user" + i);
        }
        long forwarded = 0;
        long offered = 0;
        for (int ms = 0; ms < 10_000; ms += 10) { // each party 20 kB/s: within its own 32 kB/s, 240 kB/s in all
            for (InetSocketAddress[] call : calls) {
                for (InetSocketAddress party : call) {
                    offered += PACKET;
                    if (table.route(party, PACKET) instanceof RelayRoute.Forward) {
                        forwarded += PACKET;
                    }
                }
            }
            time.advance(10);
        }
        long share = SHARE_KBPS * 1000 / 8;
        assertThat(offered).as("what the calls offered: far over the share").isGreaterThan(3 * 10 * share);
        assertThat(forwarded).as("what the relay sent in 10 s: the share, plus its one-second burst at most")
                .isBetween(10 * share - 2 * PACKET, 11 * share);
    }

    @Test
    void aNewAllocationIsRefusedWhileTheRelayedRateIsNearTheShareAndTakenWhenItFalls() throws Exception {
        InetSocketAddress[] call = latched("alice");
        RelayAllocationTable.Limits limits = table.limits();
        long nearShare = limits.shareBytesPerSecond() - RelayShare.CALL_RESERVE_BYTES_PER_S + 2_000;
        for (int ms = 0; ms < 2_000; ms += 20) { // one busy call at 46 kB/s (two parties of 23 kB/s): over the share less one call
            table.route(call[0], (int) (nearShare / 100));
            table.route(call[1], (int) (nearShare / 100));
            time.advance(20);
        }
        assertThatThrownBy(() -> table.allocate("bob", "c2")).isInstanceOf(RelayQuotaException.class)
                .hasMessageContaining("relayed rate");
        time.advance(2_500); // the call went quiet (or ended): the rate measured falls
        assertThat(table.allocate("bob", "c2").owner()).isEqualTo("bob");
    }

    @Test
    void allocationsBeyondTheCapAreRefused() throws Exception {
        for (int i = 0; i < 8; i++) {
            table.allocate("user" + i, "c" + i);
        }
        assertThatThrownBy(() -> table.allocate("late", "c9")).isInstanceOf(RelayQuotaException.class)
                .hasMessage("relayAllocations: 8 (expected: < 8)");
    }

    @Test
    void aDedicatedRelayKeepsItsOneGigabitShareAndTheCapsMustBePositive() {
        assertThat(RelayAllocationTable.Limits.DEFAULTS.shareBytesPerSecond()).isEqualTo(125_000_000);
        assertThatThrownBy(() -> RelayAllocationTable.Limits.DEFAULTS.withCaps(0, 512))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxTotal 0");
        assertThatThrownBy(() -> RelayAllocationTable.Limits.DEFAULTS.withCaps(8, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("shareBytesPerSecond 0");
    }

    private int next = 1;

    private InetSocketAddress[] latched(String owner) throws RelayQuotaException {
        RelayAllocation a = table.allocate(owner, "call-" + owner);
        InetSocketAddress caller = new InetSocketAddress("10.0.0.1", 5000 + next++);
        InetSocketAddress callee = new InetSocketAddress("10.0.0.2", 6000 + next++);
        table.bind(a.callerToken(), new RelayBindProof.Key(a.callerKey()), caller);
        table.bind(a.calleeToken(), new RelayBindProof.Key(a.calleeKey()), callee);
        return new InetSocketAddress[] {caller, callee};
    }
}
