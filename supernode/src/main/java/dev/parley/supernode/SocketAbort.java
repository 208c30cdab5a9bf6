package dev.parley.supernode;

import io.netty.channel.Channel;
import io.netty.channel.nio.AbstractNioChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Method;
import java.nio.channels.SocketChannel;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Shuts a TCP connection's socket down from any thread, at once, as the kernel does for a process
 * that dies: the peer reads end-of-stream now. Netty closes a channel only on its event loop, which
 * on a loaded host gets to it hundreds of ms later. The connection's loop then reads end-of-stream
 * itself and closes the channel as usual.
 *
 * <p>Netty does not expose an NIO channel's {@link SocketChannel} ({@code javaChannel()} is
 * protected); it is reached once by reflection. Where that fails (another transport, a Netty that
 * changed), {@link #shutdownNow} falls back to {@link Channel#close()}.
 */
final class SocketAbort {
    private static final Logger log = LoggerFactory.getLogger(SocketAbort.class);
    private static final @Nullable MethodHandle JAVA_CHANNEL = javaChannel();

    private SocketAbort() {}

    private static @Nullable MethodHandle javaChannel() {
        try {
            Method m = AbstractNioChannel.class.getDeclaredMethod("javaChannel");
            m.setAccessible(true);
            return MethodHandles.lookup().unreflect(m);
        } catch (ReflectiveOperationException | RuntimeException e) {
            log.debug("NIO sockets cannot be shut down from another thread: {}", e.toString());
            return null;
        }
    }

    /** Closes {@code server} (no more accepts) and shuts every one of {@code accepted} down now. */
    static void shutdownAll(@Nullable Channel server, Iterable<Channel> accepted) {
        if (server != null) {
            server.close();
        }
        for (Channel ch : accepted) {
            shutdownNow(ch);
        }
    }

    /** Shuts {@code ch}'s socket down both ways now (or closes it through its event loop). */
    static void shutdownNow(Channel ch) {
        if (JAVA_CHANNEL != null && ch instanceof NioSocketChannel) {
            try {
                SocketChannel socket = (SocketChannel) JAVA_CHANNEL.invoke(ch);
                if (socket.isOpen()) {
                    socket.shutdownOutput(); // FIN now: the peer reads end-of-stream
                    socket.shutdownInput(); // our loop reads end-of-stream and closes the channel
                }
                return;
            } catch (IOException e) {
                return; // not connected any more: nothing left to shut
            } catch (Throwable e) { // reflection failed: close the usual way
                log.debug("shutting {} down: {}", ch, e.toString());
            }
        }
        ch.close();
    }
}
