package dev.parley.client.media;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.codec.sim.ImpairmentModel;
import dev.parley.codec.sim.ImpairmentSpec;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ImpairmentHandlerTest {
    private static final InetSocketAddress A = new InetSocketAddress("127.0.0.1", 1000);
    private static final InetSocketAddress B = new InetSocketAddress("127.0.0.1", 2000);

    /** Sends packets 0..n-1 one per 20 ms through the handler; returns the order delivered and releases them. */
    private static List<Integer> deliver(String spec, int n) {
        EmbeddedChannel ch = new EmbeddedChannel(new ImpairmentHandler(ImpairmentSpec.parse(spec)));
        ch.freezeTime();
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < n + 20; i++) {
            if (i < n) {
                ch.writeInbound(new DatagramPacket(Unpooled.buffer(4).writeInt(i), B, A));
            }
            ch.advanceTimeBy(20, TimeUnit.MILLISECONDS);
            ch.runScheduledPendingTasks();
            DatagramPacket p;
            while ((p = ch.readInbound()) != null) {
                out.add(p.content().getInt(0));
                p.release();
            }
        }
        ch.finishAndReleaseAll();
        return out;
    }

    @Test
    void sameSeedGivesTheSameDeliveryAndTheModelsVerdicts() {
        String spec = "loss=10%,jitter=60ms,dup=3%,seed=9";
        List<Integer> first = deliver(spec, 500);
        assertThat(deliver(spec, 500)).isEqualTo(first);
        assertThat(deliver("loss=10%,jitter=60ms,dup=3%,seed=10", 500)).isNotEqualTo(first);
        // What was delivered is exactly what the model decided: drops missing, duplicates twice.
        ImpairmentModel model = new ImpairmentModel(ImpairmentSpec.parse(spec));
        long expected = 0;
        for (int i = 0; i < 500; i++) {
            ImpairmentModel.Verdict v = model.next();
            expected += v.drop() ? 0 : v.duplicate() ? 2 : 1;
        }
        assertThat(first).hasSize((int) expected);
        assertThat(first.stream().distinct().count()).isEqualTo(500 - model.dropped());
        // 60 ms of jitter on a 20 ms packet interval reorders.
        assertThat(first).isNotEqualTo(first.stream().sorted().toList());
    }

    @Test
    void noJitterKeepsOrderAndPendingPacketsAreReleasedOnClose() {
        List<Integer> delivered = deliver("delay=40ms", 50);
        assertThat(delivered).hasSize(50).isSorted();
        EmbeddedChannel ch = new EmbeddedChannel(new ImpairmentHandler(ImpairmentSpec.parse("delay=1000ms")));
        DatagramPacket p = new DatagramPacket(Unpooled.buffer(4).writeInt(1), B, A);
        ch.writeInbound(p);
        assertThat(p.refCnt()).isEqualTo(1); // held for later delivery
        ch.close();
        assertThat(p.refCnt()).isZero();
    }
}
