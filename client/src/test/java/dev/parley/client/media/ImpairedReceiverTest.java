package dev.parley.client.media;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.codec.sim.ImpairmentModel;
import dev.parley.codec.sim.ImpairmentSpec;
import dev.parley.nat.sim.VirtualTime;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ImpairedReceiverTest {
    private static final InetSocketAddress B = new InetSocketAddress("127.0.0.1", 2000);

    /** Sends packets 0..n-1 one per 20 ms through the receiver on virtual time; returns the order delivered. */
    private static List<Integer> deliver(String spec, int n) {
        VirtualTime time = new VirtualTime();
        List<Integer> out = new ArrayList<>();
        ImpairedReceiver receiver = new ImpairedReceiver(ImpairmentSpec.parse(spec), time,
                (from, p) -> out.add(ByteBuffer.wrap(p).getInt()));
        for (int i = 0; i < n; i++) {
            receiver.onDatagram(B, ByteBuffer.allocate(4).putInt(i).array());
            time.advance(20);
        }
        time.advance(2000);
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
    void noJitterKeepsOrderAndDelaysEveryPacket() {
        assertThat(deliver("delay=40ms", 50)).hasSize(50).isSorted();
        VirtualTime time = new VirtualTime();
        List<Integer> out = new ArrayList<>();
        ImpairedReceiver receiver = new ImpairedReceiver(ImpairmentSpec.parse("delay=1000ms"), time, (from, p) -> out.add(1));
        receiver.onDatagram(B, new byte[4]);
        time.advance(999);
        assertThat(out).as("held for later delivery").isEmpty();
        time.advance(1);
        assertThat(out).hasSize(1);
    }
}
