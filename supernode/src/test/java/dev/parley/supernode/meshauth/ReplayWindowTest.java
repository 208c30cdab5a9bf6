package dev.parley.supernode.meshauth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ReplayWindowTest {
    @Test
    void acceptsOnceInAnyOrderWithinTheWindow() {
        ReplayWindow w = new ReplayWindow();
        for (long c : new long[] {5, 3, 4, 1, 2, 100, 90, 6}) {
            assertThat(w.check(c)).as("first %d", c).isTrue();
            w.accept(c);
            assertThat(w.check(c)).as("again %d", c).isFalse();
        }
        assertThat(w.check(7)).isTrue();
        assertThat(w.check(0)).isFalse();
        assertThat(w.check(-1)).isFalse();
    }

    @Test
    void refusesWhatFellOutOfTheWindowAndForgetsNothingInsideIt() {
        ReplayWindow w = new ReplayWindow();
        w.accept(10);
        w.accept(10 + ReplayWindow.WINDOW - 1);
        assertThat(w.check(10)).isFalse(); // seen
        assertThat(w.check(11)).isTrue(); // unseen, still inside
        w.accept(10 + ReplayWindow.WINDOW + 1);
        assertThat(w.check(11)).isFalse(); // too old now
        w.accept(1_000_000); // a jump clears every block
        assertThat(w.check(1_000_000 - 1)).isTrue();
        assertThat(w.check(1_000_000 - ReplayWindow.WINDOW)).isFalse();
        assertThat(w.check(1_000_000 - ReplayWindow.WINDOW + 1)).isTrue();
    }

    /** Against a model (every accepted counter kept), over seeded random traffic with reordering, gaps and duplicates. */
    @Test
    void agreesWithAnExactModel() {
        SplittableRandom random = new SplittableRandom(42);
        ReplayWindow w = new ReplayWindow();
        Set<Long> seen = new HashSet<>();
        long top = 0;
        long next = 1;
        for (int i = 0; i < 200_000; i++) {
            long c = switch (random.nextInt(4)) {
                case 0 -> next += 1 + random.nextInt(3);
                case 1 -> next += random.nextInt(200); // a gap (datagrams to other peers)
                case 2 -> Math.max(1, next - random.nextInt(ReplayWindow.WINDOW + 64)); // late or replayed
                default -> Math.max(1, next - random.nextInt(8));
            };
            boolean expected = c > top || (c > top - ReplayWindow.WINDOW && !seen.contains(c));
            assertThat(w.check(c)).as("counter %d at top %d", c, top).isEqualTo(expected);
            if (expected) {
                w.accept(c);
                seen.add(c);
                top = Math.max(top, c);
            }
        }
        assertThat(w.top()).isEqualTo(top);
    }
}
