package dev.parley.nat.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The relay's IPv4 source index agrees with a HashMap through seeded random puts and removes (growth, probe runs, wrap-around). */
class LongKeyMapTest {
    @Test
    void agreesWithAHashMapThroughRandomPutsAndRemoves() {
        SplittableRandom random = new SplittableRandom(42);
        LongKeyMap<Long> map = new LongKeyMap<>();
        Map<Long, Long> reference = new HashMap<>();
        for (int op = 0; op < 200_000; op++) {
            // a small key space makes long probe runs and many removals in the middle of them
            long key = random.nextInt(4) == 0 ? random.nextLong(1L << 48) : random.nextLong(3_000);
            if (random.nextInt(3) == 0) {
                map.remove(key);
                reference.remove(key);
            } else {
                map.put(key, (long) op);
                reference.put(key, (long) op);
            }
            long probe = random.nextLong(3_000);
            assertThat(map.get(probe)).as("op %d key %d", op, probe).isEqualTo(reference.get(probe));
        }
        assertThat(map.size()).isEqualTo(reference.size());
        reference.forEach((k, v) -> assertThat(map.get(k)).isEqualTo(v));
    }

    @Test
    void negativeKeysAreRefused() {
        assertThatThrownBy(() -> new LongKeyMap<String>().put(-1, "x")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("key: -1");
    }
}
