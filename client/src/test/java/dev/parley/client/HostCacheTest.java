package dev.parley.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocol.HostPort;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The scored host cache: growth to its bound, ranking, persistence, bad lines and gossip floods. */
class HostCacheTest {
    @TempDir
    Path dir;
    private final AtomicLong nowMs = new AtomicLong(Instant.parse("2026-03-01T12:00:00Z").toEpochMilli());
    private final InstantSource clock = () -> Instant.ofEpochMilli(nowMs.get());

    private static HostPort sn(int i) {
        return new HostPort("10.0.0." + (i % 250 + 1), 7000 + i);
    }

    @Test
    void growsFromGossipUpToItsCapacity() throws Exception {
        HostCache cache = HostCache.load(dir.resolve("hc.txt"), 500, clock);
        for (int i = 0; i < 700; i++) {
            cache.add(sn(i));
        }
        assertThat(cache.size()).isEqualTo(500);
        assertThat(cache.add(new HostPort("10.0.0.1", 0))).as("port 0 ignored").isFalse();
        assertThat(cache.add(sn(3))).as("duplicate").isFalse();
        assertThat(cache.size()).isEqualTo(500);
    }

    @Test
    void ranksBySuccessThenRttThenRecency() throws Exception {
        HostCache cache = HostCache.load(dir.resolve("hc.txt"), 10, clock);
        List.of(sn(1), sn(2), sn(3), sn(4), sn(5)).forEach(cache::add);
        cache.recordSuccess(sn(3), 80);
        cache.recordSuccess(sn(4), 5);  // fast and working: best
        cache.recordFailure(sn(5));     // failed: below untried entries
        nowMs.addAndGet(Duration.ofDays(3).toMillis());
        cache.add(sn(2));               // untried, but gossiped just now: fresher than sn1
        List<HostPort> best = cache.best(5);
        assertThat(best.get(0)).isEqualTo(sn(4));
        assertThat(best.get(1)).isEqualTo(sn(3));
        assertThat(best.indexOf(sn(2))).isLessThan(best.indexOf(sn(1)));
        assertThat(best.get(4)).isEqualTo(sn(5));
        assertThat(cache.best(2)).containsExactly(sn(4), sn(3));
    }

    @Test
    void aSuperNodeThatWorkedSlowlyOutranksOnesNeverTried() throws Exception {
        HostCache cache = HostCache.load(dir.resolve("hc.txt"), 10, clock);
        List.of(sn(1), sn(2), sn(3)).forEach(cache::add);
        cache.recordSuccess(sn(2), 400); // a join across the Internet (TLS, credential check) or a busy machine
        assertThat(cache.best(1)).containsExactly(sn(2));
        cache.recordFailure(sn(3));
        assertThat(cache.best(3).get(2)).as("one that failed ranks below the untried").isEqualTo(sn(3));
    }

    @Test
    void persistsScoresAndReadsOldFilesAndSkipsGarbage() throws Exception {
        Path file = dir.resolve("hc.txt");
        HostCache cache = HostCache.load(file, 10, clock);
        cache.add(sn(1));
        cache.recordSuccess(sn(2), 12);
        cache.recordFailure(sn(1));
        cache.save();
        HostCache loaded = HostCache.load(file, 10, clock);
        assertThat(loaded.entries()).containsExactly(sn(2), sn(1));
        assertThat(loaded.entry(sn(2))).isEqualTo(cache.entry(sn(2)));
        assertThat(loaded.entry(sn(1)).failures()).isEqualTo(1);

        Files.writeString(file, "10.1.1.1:7000\nnot an address\n10.1.1.2:0\n10.1.1.3:7000 1 x 5 6\n\n10.1.1.4:7001 2 0 9 "
                + nowMs.get() + "\n", StandardCharsets.UTF_8);
        HostCache old = HostCache.load(file, 10, clock);
        assertThat(old.entries()).containsExactly(new HostPort("10.1.1.4", 7001), new HostPort("10.1.1.1", 7000));
    }

    @Test
    void gossipFloodDoesNotEvictSuperNodesThatWorked() throws Exception {
        HostCache cache = HostCache.load(dir.resolve("hc.txt"), 5, clock);
        for (int i = 0; i < 5; i++) {
            cache.recordSuccess(sn(i), 10);
        }
        for (int i = 100; i < 1000; i++) {
            assertThat(cache.add(sn(i))).isFalse();
        }
        assertThat(cache.entries()).containsExactlyInAnyOrder(sn(0), sn(1), sn(2), sn(3), sn(4));
    }
}
