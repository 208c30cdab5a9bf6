package dev.parley.nat.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Real sockets on 127.0.0.1: datagrams with a limited TTL (epoll, Linux) arrive, and the socket's
 * TTL is back to the default afterwards, so media never inherits it; NIO sockets say they cannot.
 * That the TTL really limits the hops is shown by the lab (`eimacc` routers, docs/nat.md).
 */
class UdpEndpointTtlTest {
    private EventLoopGroup group;

    @AfterEach
    void shutdown() {
        if (group != null) {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).syncUninterruptibly();
        }
    }

    private static BlockingQueue<String> receiving(UdpEndpoint endpoint) {
        BlockingQueue<String> received = new LinkedBlockingQueue<>();
        endpoint.addHandler((from, payload) -> received.add(new String(payload, StandardCharsets.UTF_8)));
        return received;
    }

    @Test
    void epollSocketSendsWithALowTtlAndRestoresTheDefault() throws Exception {
        assumeTrue(Epoll.isAvailable(), () -> "no native epoll here (not Linux?): " + Epoll.unavailabilityCause());
        group = UdpEndpoint.newEventLoopGroup(1, new DefaultThreadFactory("ttl-test", true));
        try (UdpEndpoint sender = UdpEndpoint.bind(group, new InetSocketAddress("127.0.0.1", 0));
             UdpEndpoint receiver = UdpEndpoint.bind(group, new InetSocketAddress("127.0.0.1", 0))) {
            BlockingQueue<String> received = receiving(receiver);
            int defaultTtl = sender.ttl();
            assertThat(defaultTtl).isBetween(2, 255);

            // from another thread, and from the socket's own loop
            assertThat(sender.sendWithTtl(receiver.localAddress(), "low".getBytes(StandardCharsets.UTF_8), 3)).isTrue();
            sender.eventLoop().submit(() -> sender.sendWithTtl(receiver.localAddress(), "low2".getBytes(StandardCharsets.UTF_8), 2))
                    .syncUninterruptibly();
            sender.send(receiver.localAddress(), "default".getBytes(StandardCharsets.UTF_8));

            assertThat(received.poll(5, TimeUnit.SECONDS)).isEqualTo("low");
            assertThat(received.poll(5, TimeUnit.SECONDS)).isEqualTo("low2");
            assertThat(received.poll(5, TimeUnit.SECONDS)).isEqualTo("default");
            assertThat(sender.ttl()).as("TTL after sendWithTtl").isEqualTo(defaultTtl);
        }
    }

    @Test
    void nioSocketCannotLimitTheTtlAndSendsNothing() throws Exception {
        group = new NioEventLoopGroup(1, new DefaultThreadFactory("ttl-test", true));
        try (UdpEndpoint sender = UdpEndpoint.bind(group, new InetSocketAddress("127.0.0.1", 0));
             UdpEndpoint receiver = UdpEndpoint.bind(group, new InetSocketAddress("127.0.0.1", 0))) {
            BlockingQueue<String> received = receiving(receiver);
            assertThat(sender.sendWithTtl(receiver.localAddress(), "low".getBytes(StandardCharsets.UTF_8), 3)).isFalse();
            sender.send(receiver.localAddress(), "default".getBytes(StandardCharsets.UTF_8));
            assertThat(received.poll(5, TimeUnit.SECONDS)).isEqualTo("default");
            assertThat(sender.ttl()).isEqualTo(-1);
        }
    }

    @Test
    void ttlOutsideOneTo255IsRefused() {
        DatagramTransport transport = new DatagramTransport() {
            @Override
            public void send(InetSocketAddress to, byte[] payload) {
            }

            @Override
            public InetSocketAddress localAddress() {
                return new InetSocketAddress(0);
            }
        };
        InetSocketAddress to = new InetSocketAddress("127.0.0.1", 9);
        assertThatThrownBy(() -> transport.sendWithTtl(to, new byte[1], 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("ttl: 0 (expected: 1..255)");
        assertThatThrownBy(() -> transport.sendWithTtl(to, new byte[1], 256)).isInstanceOf(IllegalArgumentException.class);
        assertThat(transport.sendWithTtl(to, new byte[1], 64)).isFalse();
    }
}
