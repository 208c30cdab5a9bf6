package dev.parley.login;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.channel.nio.NioEventLoopGroup;
import java.net.URL;
import java.net.URLClassLoader;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The probe rates come from the login server's limits: configurable values, never off. */
class ReachabilityProbeLimitsTest {
    @Test
    void defaultsAdmitThreeProbesPerAddressThenOneEveryTwentySeconds() throws Exception {
        AtomicLong nanos = new AtomicLong(1_000);
        NioEventLoopGroup group = new NioEventLoopGroup(1);
        try (ReachabilityProbe probe = new ReachabilityProbe(group, nanos::get, LoginLimits.ProbeLimits.DEFAULTS)) {
            for (int i = 0; i < 3; i++) {
                assertThat(probe.admit("192.0.2.1")).isTrue();
            }
            assertThat(probe.admit("192.0.2.1")).isFalse(); // a flood of offers from one address is not probed
            nanos.addAndGet(Duration.ofSeconds(20).toNanos());
            assertThat(probe.admit("192.0.2.1")).isTrue();
            assertThat(probe.admit("192.0.2.1")).isFalse();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    @Test
    void raisedLimitsStillBoundProbesPerAddressAndInAll() throws Exception {
        AtomicLong nanos = new AtomicLong(1_000);
        NioEventLoopGroup group = new NioEventLoopGroup(1);
        LoginLimits.ProbeLimits raised = LoginLimits.DEFAULTS.withProbes(
                new LoginLimits.ProbeLimits(50, Duration.ofMillis(10), 40, 100)).probes();
        try (ReachabilityProbe probe = new ReachabilityProbe(group, nanos::get, raised)) {
            int admitted = 0;
            for (int i = 0; i < 100; i++) {
                admitted += probe.admit("127.0.0.1") ? 1 : 0;
            }
            assertThat(admitted).isEqualTo(40); // the global burst still binds
            nanos.addAndGet(Duration.ofMillis(100).toNanos()); // 10 more tokens in all at 100/s
            admitted = 0;
            for (int i = 0; i < 100; i++) {
                admitted += probe.admit("127.0.0.2") ? 1 : 0;
            }
            assertThat(admitted).isEqualTo(10);
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    @Test
    void probeLimitsInitializeFirstWithoutBreakingLoginLimits() throws Exception {
        // In a fresh class loader, touch the nested record first (as the bots benchmark does).
        try (URLClassLoader fresh = new URLClassLoader(new URL[] {
                LoginLimits.class.getProtectionDomain().getCodeSource().getLocation()}, null)) {
            Class<?> probes = Class.forName("dev.parley.login.LoginLimits$ProbeLimits", true, fresh);
            assertThat(probes.getField("DEFAULTS").get(null)).isNotNull();
            assertThat(Class.forName("dev.parley.login.LoginLimits", true, fresh).getField("DEFAULTS").get(null)).isNotNull();
        }
    }

    @Test
    void aProbeLimitCannotBeSwitchedOff() {
        assertThatThrownBy(() -> new LoginLimits.ProbeLimits(0, Duration.ofSeconds(1), 1, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("perAddressBurst");
        assertThatThrownBy(() -> new LoginLimits.ProbeLimits(1, Duration.ZERO, 1, 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new LoginLimits.ProbeLimits(1, Duration.ofSeconds(1), 1, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("perSecond");
    }
}
