package dev.parley.supernode;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocol.HostPort;
import org.junit.jupiter.api.Test;

/** Queueing delay from the senders' timestamps, and when a queue stands (injected times, in ms). */
class MeshQueueDelayTest {
    private static final HostPort A = new HostPort("10.0.0.1", 4000);
    private static final HostPort B = new HostPort("10.0.0.2", 4000);
    private static final long T0 = 1_800_000_000_000L;

    private final MeshQueueDelay queue = new MeshQueueDelay();

    @Test
    void aPeersClockOffsetIsNotDelay() {
        for (long t = T0; t < T0 + 10_000; t += 10) {
            assertThat(queue.sample(A, t, t - 5_000)).isZero(); // A's clock 5 s behind, datagrams on time
            assertThat(queue.sample(B, t, t + 3_000)).isZero(); // B's 3 s ahead
            assertThat(queue.standing(t)).isFalse();
        }
    }

    @Test
    void aQueueStandsOnceEveryDatagramWaitedLongerThanTheTargetForAnInterval() {
        queue.sample(A, T0, T0 - 7); // the minimum: 7 ms of clock offset and network
        long t = T0 + 1_000;
        assertThat(queue.sample(A, t, t - 7 - 150)).isEqualTo(150);
        assertThat(queue.standing(t)).as("above the target for an instant").isFalse();
        for (; t < T0 + 1_000 + MeshQueueDelay.INTERVAL_MS; t += 10) {
            queue.sample(A, t, t - 7 - 150);
            assertThat(queue.standing(t)).isFalse();
        }
        queue.sample(A, t, t - 7 - 150);
        assertThat(queue.standing(t)).as("above the target for an interval").isTrue();
        assertThat(queue.sheds(150, t)).as("a lookup that waited 150 ms in it").isTrue();
        assertThat(queue.sheds(MeshQueueDelay.TARGET_MS, t)).as("one that waited no longer than the target").isFalse();
        queue.sample(B, t + 1, t + 1 - 40); // B's first: its own minimum, no delay
        assertThat(queue.standing(t + 1)).as("a datagram that waited less ends it").isFalse();
    }

    @Test
    void aBurstThatDrainsWithinTheIntervalNeverStands() {
        queue.sample(A, T0, T0);
        long t = T0 + 1_000;
        // a 400 ms pause: what queued meanwhile is read within 50 ms, oldest first
        for (int i = 0; i <= 50; i++) {
            long sentAt = t - 400 + i * 9L;
            queue.sample(A, t + i, sentAt);
            assertThat(queue.standing(t + i)).isFalse();
        }
        assertThat(queue.sample(A, t + 60, t + 59)).isLessThanOrEqualTo(1);
        assertThat(queue.standing(t + 60)).isFalse();
    }

    @Test
    void onePeersClockSteppingBackDoesNotMakeTheQueueStandWhileOthersArriveOnTime() {
        for (long t = T0; t < T0 + 1_000; t += 10) {
            queue.sample(A, t, t);
            queue.sample(B, t, t);
        }
        for (long t = T0 + 1_000; t < T0 + 3_000; t += 10) {
            assertThat(queue.sample(A, t, t - 500)).isEqualTo(500); // A's clock stepped back 500 ms
            assertThat(queue.sample(B, t + 5, t + 5)).isZero();
            assertThat(queue.standing(t + 5)).isFalse();
        }
    }

    @Test
    void aPeersMinimumFollowsAStepOnceItsBucketsAgeOut() {
        queue.sample(A, T0, T0);
        long t = T0 + 1_000;
        assertThat(queue.sample(A, t, t - 500)).isEqualTo(500);
        long window = MeshQueueDelay.BASE_BUCKETS * MeshQueueDelay.BASE_BUCKET_MS;
        for (; t < T0 + window + MeshQueueDelay.BASE_BUCKET_MS; t += 1_000) {
            queue.sample(A, t, t - 500);
        }
        assertThat(queue.sample(A, t, t - 500)).as("the step is the new minimum").isZero();
    }

    @Test
    void aClockThatJumpsBackOnThisNodeStartsThePeersMinimumAfresh() {
        queue.sample(A, T0, T0);
        long t = T0 - 60_000; // this node's clock stepped back a minute
        assertThat(queue.sample(A, t, t)).isZero();
        assertThat(queue.sample(A, t + 10, t + 10 - 200)).isEqualTo(200);
    }

    @Test
    void peersBeyondTheBoundAreForgottenAndLearntAgain() {
        for (int i = 0; i <= MeshQueueDelay.MAX_PEERS; i++) {
            queue.sample(new HostPort("10.1." + (i >> 8) + "." + (i & 0xff), 4000), T0, T0 - i);
        }
        // A's minimum starts anew, so its first datagram, however late, is its own baseline
        assertThat(queue.sample(A, T0 + 1, T0 - 900)).isZero();
    }
}
