package dev.parley.nat.stun;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * A standalone STUN Binding server on its own UDP socket: {@link StunBindingHandler} followed by
 * a handler that drops anything else. Used by {@code parley stun --serve}; a super node instead
 * adds {@link StunBindingHandler} to the pipeline of its media socket.
 */
public final class StunServer implements AutoCloseable {
    private final Channel channel;

    private StunServer(Channel channel) {
        this.channel = channel;
    }

    /**
     * @param group event loops
     * @param listen address to bind (port 0 for any)
     * @param software SOFTWARE attribute of responses
     * @return the running server
     * @throws InterruptedException if interrupted while binding
     */
    public static StunServer start(EventLoopGroup group, InetSocketAddress listen, String software) throws InterruptedException {
        Bootstrap b = new Bootstrap().group(group).channel(NioDatagramChannel.class)
                .handler(new ChannelInitializer<NioDatagramChannel>() {
                    @Override
                    protected void initChannel(NioDatagramChannel ch) {
                        ch.pipeline().addLast(new StunBindingHandler(software), new SimpleChannelInboundHandler<DatagramPacket>() {
                            @Override
                            protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket msg) {
                                // not a Binding request: dropped (released by SimpleChannelInboundHandler)
                            }
                        });
                    }
                });
        return new StunServer(b.bind(listen).sync().channel());
    }

    /** @return the bound address */
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) channel.localAddress();
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
