package dev.parley.supernode;

import dev.parley.nat.transport.UdpEndpoint;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The event loops one {@link SuperNode} runs on, and whether it owns them: either its own (one
 * accept loop, NIO I/O loops, one UDP loop: native epoll on Linux for recvmmsg/sendmmsg,
 * docs/nat.md), shut down on close; or one loop of a shared group (the bots benchmark, tests) for
 * everything, never shut down by the super node.
 *
 * @param boss accepts TCP connections
 * @param workers client and peer connections, timers
 * @param udp the UDP socket (relay, STUN, mesh)
 * @param owned whether the super node created these loops (and so shuts them down)
 */
record NodeLoops(EventLoopGroup boss, EventLoopGroup workers, EventLoopGroup udp, boolean owned) {

    /** @param shared a group to take one loop of; null: create the super node's own loops */
    static NodeLoops of(@Nullable EventLoopGroup shared) {
        if (shared != null) {
            // One super node lives on one of the shared loops: its client connections, mesh socket
            // and timers then never hand work to another thread (no cross-thread wake-ups).
            EventLoopGroup pinned = shared.next();
            return new NodeLoops(pinned, pinned, pinned, false);
        }
        return new NodeLoops(new NioEventLoopGroup(1, new DefaultThreadFactory("supernode-accept")),
                new NioEventLoopGroup(0, new DefaultThreadFactory("supernode-io")),
                UdpEndpoint.newEventLoopGroup(1, new DefaultThreadFactory("supernode-udp")), true);
    }

    /** @return whether the calling thread is one of the I/O or UDP loops (waiting on them would deadlock) */
    boolean inLoop() {
        boolean inLoop = false;
        for (EventExecutor e : workers) {
            inLoop |= e.inEventLoop();
        }
        for (EventExecutor e : udp) {
            inLoop |= e.inEventLoop();
        }
        return inLoop;
    }

    /**
     * Shuts the owned loops down (no quiet period), waiting up to {@code timeout} for each unless
     * {@code wait} is false; does nothing for a shared group's loop.
     */
    void shutdown(Duration timeout, boolean wait) {
        if (!owned) {
            return;
        }
        List<Future<?>> done = List.of(
                boss.shutdownGracefully(0, timeout.toMillis(), TimeUnit.MILLISECONDS),
                workers.shutdownGracefully(0, timeout.toMillis(), TimeUnit.MILLISECONDS),
                udp.shutdownGracefully(0, timeout.toMillis(), TimeUnit.MILLISECONDS));
        if (wait) {
            done.forEach(f -> f.awaitUninterruptibly(timeout.toMillis()));
        }
    }
}
