package dev.parley.nat.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.nat.sim.VirtualTime;
import java.net.InetSocketAddress;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** An allocation's byte rate per direction and its maximum lifetime (docs/security.md "Relays you can't steal"). */
class RelayLimitsTest {
    private static final InetSocketAddress ALICE = new InetSocketAddress("10.0.0.1", 5000);
    private static final InetSocketAddress BOB = new InetSocketAddress("10.0.0.2", 6000);
    private static final int PACKET = 1_000;

    private final VirtualTime time = new VirtualTime();
    private final RelayAllocationTable table = new RelayAllocationTable(time, new SplittableRandom(11),
            RelayAllocationTable.Limits.DEFAULTS);

    @Test
    void aFloodIsCappedAtTheByteRateAndTheOtherDirectionIsUnaffected() throws Exception {
        RelayAllocation a = latched();
        long forwardedBytes = 0;
        int sent = 0;
        for (int ms = 0; ms < 10_000; ms++) { // 10 s at 2 MB/s: one 1,000-byte packet every 0.5 ms
            for (int i = 0; i < 2; i++, sent++) {
                if (table.route(ALICE, PACKET) instanceof RelayRoute.Forward) {
                    forwardedBytes += PACKET;
                }
            }
            time.advance(1);
        }
        long rate = RelayAllocationTable.Limits.DEFAULTS.bytesPerSecond();
        long burst = RelayAllocationTable.Limits.DEFAULTS.burstBytes();
        assertThat(forwardedBytes).as("bytes Bob receives from the flood in 10 s")
                .isBetween(10 * rate - PACKET, 10 * rate + burst);
        assertThat(table.droppedOverRate(a.id())).isEqualTo(sent - forwardedBytes / PACKET);
        assertThat(table.route(BOB, 160)).as("Bob's own stream back").isEqualTo(new RelayRoute.Forward(ALICE));
    }

    @Test
    void aCallAtOpusRatesIsNeverDropped() throws Exception {
        RelayAllocation a = latched();
        for (int i = 0; i < 3_000; i++) { // 60 s of 20 ms packets at 64 kbit/s + headers, both ways
            assertThat(table.route(ALICE, 200)).isInstanceOf(RelayRoute.Forward.class);
            assertThat(table.route(BOB, 200)).isInstanceOf(RelayRoute.Forward.class);
            time.advance(20);
        }
        assertThat(table.droppedOverRate(a.id())).isZero();
    }

    @Test
    void aBusyAllocationEndsAtItsMaximumLifetime() throws Exception {
        RelayAllocation a = latched();
        long lifetime = RelayAllocationTable.Limits.DEFAULTS.maxLifetimeMs();
        for (long t = 0; t < lifetime - 30_000; t += 30_000) {
            time.advance(30_000);
            table.route(ALICE, 200);
            assertThat(table.expireIdle()).isZero();
        }
        time.advance(30_000);
        table.route(ALICE, 200);
        assertThat(table.expireIdle()).isEqualTo(1);
        assertThat(table.forwarded(a.id())).isEqualTo(-1);
        assertThat(table.route(ALICE, 200)).isEqualTo(RelayRoute.UNKNOWN);
    }

    private RelayAllocation latched() throws RelayQuotaException {
        RelayAllocation a = table.allocate("alice", "c1");
        table.bind(a.callerToken(), new RelayBindProof.Key(a.callerKey()), ALICE);
        table.bind(a.calleeToken(), new RelayBindProof.Key(a.calleeKey()), BOB);
        return a;
    }
}
