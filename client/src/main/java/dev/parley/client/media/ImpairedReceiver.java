package dev.parley.client.media;

import dev.parley.codec.sim.ImpairmentModel;
import dev.parley.codec.sim.ImpairmentSpec;
import dev.parley.nat.transport.DatagramHandler;
import dev.parley.nat.transport.TaskScheduler;
import java.net.InetSocketAddress;

/**
 * A test network in front of a media receiver: every datagram gets a fate from a seeded
 * {@link ImpairmentModel} (lost, delayed with jitter, held back to reorder, duplicated) and is passed
 * on after its delay by a task on the socket's {@link TaskScheduler}, so all state stays on that
 * thread. Only media is impaired: STUN (checks, consent) is demultiplexed before this.
 */
final class ImpairedReceiver implements DatagramHandler {
    private final ImpairmentModel model;
    private final TaskScheduler scheduler;
    private final DatagramHandler next;

    ImpairedReceiver(ImpairmentSpec spec, TaskScheduler scheduler, DatagramHandler next) {
        this.model = new ImpairmentModel(spec);
        this.scheduler = scheduler;
        this.next = next;
    }

    @Override
    public boolean onDatagram(InetSocketAddress from, byte[] payload) {
        ImpairmentModel.Verdict v = model.next();
        if (v.drop()) {
            return true;
        }
        if (v.duplicate()) {
            deliver(from, payload.clone(), v.duplicateDelayMs());
        }
        deliver(from, payload, v.delayMs());
        return true;
    }

    private void deliver(InetSocketAddress from, byte[] payload, int delayMs) {
        if (delayMs <= 0) {
            next.onDatagram(from, payload);
        } else {
            scheduler.schedule(() -> next.onDatagram(from, payload), delayMs);
        }
    }

    /** @return the model (counters) */
    ImpairmentModel model() {
        return model;
    }
}
