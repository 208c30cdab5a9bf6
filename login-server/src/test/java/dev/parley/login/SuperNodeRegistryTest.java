package dev.parley.login;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocol.HostPort;
import dev.parley.protocol.wire.SuperNodeCertificate;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SuperNodeRegistryTest {
    private static final Duration TTL = Duration.ofSeconds(15);
    private final MutableClock clock = new MutableClock(TestSupport.T0);

    private static HostPort node(int i) {
        return new HostPort("10.0.0." + i, 4000 + i);
    }

    /** @return a certificate naming {@link #node}(i) (the registry stores it, its caller checks it) */
    private static SuperNodeCertificate cert(int i) {
        return SuperNodeCertificate.newBuilder().setAddress(node(i).toAddress()).build();
    }

    @Test
    void heartbeatsMakeSuperNodesLiveMostRecentFirst() {
        SuperNodeRegistry registry = new SuperNodeRegistry(clock, TTL, 100);
        for (int i = 1; i <= 3; i++) {
            registry.heartbeat(node(i), cert(i));
            clock.advance(Duration.ofSeconds(1));
        }
        registry.heartbeat(node(1), cert(1)); // refresh moves it to the front

        assertThat(registry.live(10)).containsExactly(node(1), node(3), node(2));
        assertThat(registry.live(2)).containsExactly(node(1), node(3));
        assertThat(registry.size()).isEqualTo(3);
    }

    @Test
    void superNodesDropOutOnceTheirHeartbeatIsTtlOld() {
        SuperNodeRegistry registry = new SuperNodeRegistry(clock, TTL, 100);
        registry.heartbeat(node(1), cert(1));
        clock.advance(Duration.ofSeconds(10));
        registry.heartbeat(node(2), cert(2));

        clock.advance(Duration.ofSeconds(5).minusMillis(1));
        assertThat(registry.live(10)).containsExactly(node(2), node(1));
        clock.advance(Duration.ofMillis(1));
        assertThat(registry.live(10)).containsExactly(node(2));
        clock.advance(Duration.ofSeconds(10));
        assertThat(registry.live(10)).isEmpty();
        assertThat(registry.size()).isZero();
    }

    @Test
    void aFreshHeartbeatKeepsASuperNodeLive() {
        SuperNodeRegistry registry = new SuperNodeRegistry(clock, TTL, 100);
        for (int i = 0; i < 5; i++) {
            registry.heartbeat(node(1), cert(1));
            clock.advance(Duration.ofSeconds(10));
        }
        assertThat(registry.live(10)).containsExactly(node(1));
    }

    @Test
    void evictsTheLeastRecentlyHeardWhenFull() {
        SuperNodeRegistry registry = new SuperNodeRegistry(clock, TTL, 3);
        for (int i = 1; i <= 5; i++) {
            registry.heartbeat(node(i), cert(i));
            clock.advance(Duration.ofMillis(10));
        }
        assertThat(registry.size()).isEqualTo(3);
        assertThat(registry.live(10)).containsExactly(node(5), node(4), node(3));
    }
}
