package dev.parley.nat.transport;

import io.netty.channel.EventLoop;
import java.util.concurrent.TimeUnit;

/** {@link TaskScheduler} on a Netty event loop: the thread a socket's handlers already run on. */
final class EventLoopScheduler implements TaskScheduler {
    private final EventLoop loop;

    EventLoopScheduler(EventLoop loop) {
        this.loop = loop;
    }

    @Override
    public Cancellable schedule(Runnable task, long delayMs) {
        var f = loop.schedule(task, delayMs, TimeUnit.MILLISECONDS);
        return () -> f.cancel(false);
    }

    @Override
    public void execute(Runnable task) {
        if (loop.inEventLoop()) {
            task.run();
        } else {
            loop.execute(task);
        }
    }
}
