package dev.parley.client.media;

import dev.parley.nat.transport.DatagramHandler;
import dev.parley.nat.transport.TaskScheduler;
import dev.parley.nat.transport.UdpEndpoint;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * A real UDP socket on its own single-thread Netty event loop ({@link UdpEndpoint}; epoll on Linux,
 * so connectivity checks can limit their TTL): the production {@link DatagramPort}.
 */
final class UdpPort implements DatagramPort {
    private static final long CLOSE_WAIT_MS = 2000;
    private final EventLoopGroup group;
    private final UdpEndpoint endpoint;

    private UdpPort(EventLoopGroup group, UdpEndpoint endpoint) {
        this.group = group;
        this.endpoint = endpoint;
    }

    /**
     * Binds a UDP socket.
     *
     * @param local address to bind; port 0 picks an ephemeral port
     * @throws IOException if the socket cannot be bound (e.g. port in use), with the address in the message
     */
    static UdpPort bind(InetSocketAddress local) throws IOException {
        EventLoopGroup group = UdpEndpoint.newEventLoopGroup(1, new DefaultThreadFactory("parley-rtp", true));
        try {
            return new UdpPort(group, UdpEndpoint.bind(group, local));
        } catch (Exception e) { // Netty rethrows the bind's BindException undeclared
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS); // closes the registered channel too
            throw new IOException("mediaBind: " + local + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public TaskScheduler scheduler() {
        return endpoint.scheduler();
    }

    @Override
    public void receiveWith(DatagramHandler handler) {
        endpoint.addHandler(handler);
    }

    @Override
    public void send(InetSocketAddress to, byte[] payload) {
        endpoint.send(to, payload);
    }

    @Override
    public boolean sendWithTtl(InetSocketAddress to, byte[] payload, int ttl) {
        return endpoint.sendWithTtl(to, payload, ttl);
    }

    @Override
    public InetSocketAddress localAddress() {
        return endpoint.localAddress();
    }

    @Override
    public void close() {
        if (endpoint.eventLoop().inEventLoop()) {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            return;
        }
        endpoint.close();
        group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).awaitUninterruptibly(CLOSE_WAIT_MS);
    }
}
