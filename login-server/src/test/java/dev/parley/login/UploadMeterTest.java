package dev.parley.login;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocol.UploadBursts;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The upload estimate's arithmetic, bounds and windows ({@link UploadMeter}); the wire attacks are in the client's UploadBurstAttackTest. */
class UploadMeterTest {
    private static final long MS = 1_000_000;

    @Test
    void theEstimateIsWhatArrivedAfterTheFirstDatagramOverTheTimeItTook() {
        // 104 datagrams of 1,200 bytes paced 4.8 ms apart: 2,000 kbit/s
        UploadMeter.Estimate e = UploadMeter.estimate(104, 104 * 1_200, 103 * 1_200, 103 * 48 * MS / 10);
        assertThat(e.kbps()).isEqualTo(2_000);
        assertThat(e.datagrams()).isEqualTo(104);
    }

    @Test
    void tooFewDatagramsMeasureNothingAndFastOnesAreDividedByTheFloor() {
        assertThat(UploadMeter.estimate(UploadMeter.MIN_DATAGRAMS - 1, 8_400, 7_200, MS).kbps()).isZero();
        // 8 datagrams in 1 µs would be 67 Gbit/s; over the 100 ms floor they are 672 kbit/s
        assertThat(UploadMeter.estimate(8, 9_600, 8_400, 1_000).kbps()).isEqualTo(672);
        assertThat(UploadMeter.estimate(UploadMeter.MAX_DATAGRAMS, 132_000, 130_800, 0).kbps())
                .as("the most a burst can show").isEqualTo(10_464);
    }

    @Test
    void openMeasurementsFollowTheProbeRatesWithinBounds() {
        // 2 × (a burst of 20 probes + 5 probes/s × a 3.5 s window)
        assertThat(UploadMeter.maxMeasurements(LoginLimits.ProbeLimits.DEFAULTS)).isEqualTo(75);
        assertThat(UploadMeter.maxMeasurements(new LoginLimits.ProbeLimits(3, Duration.ofSeconds(20), 1, 1)))
                .isEqualTo(UploadMeter.MIN_OPEN);
        assertThat(UploadMeter.maxMeasurements(new LoginLimits.ProbeLimits(1_000_000, Duration.ofMillis(1), 10_000, 10_000)))
                .isEqualTo(UploadMeter.MAX_OPEN);
    }

    private static final InetSocketAddress CANDIDATE = new InetSocketAddress("127.0.0.1", 40_000);
    private static final InetSocketAddress PROBE = new InetSocketAddress("127.0.0.1", 3_479);
    /** The meter's arrival clock, ns (moved with the channel's by {@link #advance}). */
    private final AtomicLong nanos = new AtomicLong();
    private final EmbeddedChannel ch = new EmbeddedChannel();
    private final UploadMeter meter = new UploadMeter(nanos::get, LoginLimits.ProbeLimits.DEFAULTS);

    {
        ch.freezeTime();
        ch.pipeline().addLast(meter);
    }

    @Test
    void aBurstThatStartsLateIsStillMeasuredAtItsPace() {
        byte[] nonce = new byte[UploadBursts.NONCE_BYTES];
        nonce[0] = 7;
        CompletableFuture<UploadMeter.Estimate> result = meter.measure(nonce, CANDIDATE);
        ch.runPendingTasks();
        // A loaded candidate starts its 100 kbit/s burst (8 datagrams, 96 ms apart) 1.9 s after the echo.
        advance(UploadMeter.FIRST_DATAGRAM_MS - 100);
        for (int i = 0; i < 8; i++) {
            if (i > 0) {
                advance(96);
            }
            send(nonce, i, i == 7);
        }
        assertThat(result).isCompleted();
        assertThat(result.join().kbps()).isEqualTo(100);
        DatagramPacket answer = ch.readOutbound();
        try {
            assertThat(answer.recipient()).isEqualTo(CANDIDATE);
            UploadBursts.Answer a = UploadBursts.parseAnswer(ByteBufUtil.getBytes(answer.content()));
            assertThat(a).isNotNull();
            assertThat(a.kbps()).isEqualTo(100);
        } finally {
            answer.release();
        }
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void theMeasurementIsOpenBeforeTheEventLoopRunsAnyTask() {
        // The echo is answered right after measure(): a busy event loop reads the burst's first
        // datagrams before any task it was handed (CI saw 0 kbit/s when the map was filled by a task).
        byte[] nonce = new byte[UploadBursts.NONCE_BYTES];
        CompletableFuture<UploadMeter.Estimate> result = meter.measure(nonce, CANDIDATE);
        for (int i = 0; i < 8; i++) {
            nanos.addAndGet(24 * MS); // 400 kbit/s
            send(nonce, i, i == 7);
        }
        assertThat(result.join().datagrams()).isEqualTo(8);
        assertThat(result.join().kbps()).isEqualTo(400);
        ch.runPendingTasks();
        DatagramPacket answer = ch.readOutbound();
        answer.release();
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void aBurstThatNeverStartsClosesUnansweredAfterTheFirstDatagramWindow() {
        CompletableFuture<UploadMeter.Estimate> result = meter.measure(new byte[UploadBursts.NONCE_BYTES], CANDIDATE);
        ch.runPendingTasks();
        advance(UploadMeter.FIRST_DATAGRAM_MS - 1);
        assertThat(result).isNotDone();
        advance(1);
        assertThat(result).isCompletedWithValue(UploadMeter.Estimate.NONE);
        assertThat((Object) ch.readOutbound()).as("no answer to a burst that never came").isNull();
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void aStartedBurstClosesItsOwnWindowAfterTheFirstDatagram() {
        byte[] nonce = new byte[UploadBursts.NONCE_BYTES];
        CompletableFuture<UploadMeter.Estimate> result = meter.measure(nonce, CANDIDATE);
        ch.runPendingTasks();
        for (int i = 0; i < 3; i++) { // three datagrams, then silence: never the last one
            send(nonce, i, false);
        }
        advance(UploadMeter.BURST_MS - 1);
        assertThat(result).isNotDone();
        advance(1);
        assertThat(result.join().kbps()).as("too few datagrams measure 0").isZero();
        assertThat(result.join().datagrams()).isEqualTo(3);
        DatagramPacket answer = ch.readOutbound();
        assertThat(answer.content().readableBytes()).isEqualTo(UploadBursts.ANSWER_BYTES);
        answer.release();
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    /** The burst datagram {@code sequence} from the candidate's serve port. */
    private void send(byte[] nonce, int sequence, boolean last) {
        ch.writeInbound(new DatagramPacket(Unpooled.wrappedBuffer(UploadBursts.datagram(nonce, sequence, last,
                UploadMeter.DATAGRAM_BYTES)), PROBE, CANDIDATE));
    }

    /** Moves both clocks: the arrival times the meter reads and the channel's scheduled tasks. */
    private void advance(long ms) {
        nanos.addAndGet(ms * MS);
        ch.advanceTimeBy(ms, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
    }
}
