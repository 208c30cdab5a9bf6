package dev.parley.client.media;

import dev.parley.codec.sim.ImpairmentModel;
import dev.parley.codec.sim.ImpairmentSpec;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A test network in the receive path of a media socket: every inbound datagram gets a fate from a
 * seeded {@link ImpairmentModel} (lost, delayed with jitter, held back to reorder, duplicated) and
 * is passed on after its delay by a task on the channel's event loop, so all state stays on that
 * loop. Delayed datagrams still pending when the channel closes are released.
 */
final class ImpairmentHandler extends ChannelInboundHandlerAdapter {
    private final ImpairmentModel model;
    private final Set<DatagramPacket> pending = new HashSet<>();

    ImpairmentHandler(ImpairmentSpec spec) {
        this.model = new ImpairmentModel(spec);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof DatagramPacket datagram)) {
            ctx.fireChannelRead(msg);
            return;
        }
        ImpairmentModel.Verdict v = model.next();
        if (v.drop()) {
            datagram.release();
            return;
        }
        if (v.duplicate()) {
            deliver(ctx, datagram.retainedDuplicate(), v.duplicateDelayMs());
        }
        deliver(ctx, datagram, v.delayMs());
    }

    private void deliver(ChannelHandlerContext ctx, DatagramPacket datagram, int delayMs) {
        if (delayMs <= 0) {
            ctx.fireChannelRead(datagram);
            return;
        }
        pending.add(datagram);
        ctx.executor().schedule(() -> {
            if (pending.remove(datagram)) {
                ctx.fireChannelRead(datagram);
            }
        }, delayMs, TimeUnit.MILLISECONDS);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        releasePending();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        releasePending();
    }

    private void releasePending() {
        pending.forEach(ReferenceCountUtil::safeRelease);
        pending.clear();
    }

    /** @return the model (counters) */
    ImpairmentModel model() {
        return model;
    }
}
