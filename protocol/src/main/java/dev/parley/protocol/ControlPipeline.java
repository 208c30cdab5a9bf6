package dev.parley.protocol;

import dev.parley.protocol.wire.Envelope;
import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.protobuf.ProtobufDecoder;
import io.netty.handler.codec.protobuf.ProtobufEncoder;
import io.netty.handler.codec.protobuf.ProtobufVarint32LengthFieldPrepender;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;

/** Installs the control-plane codec: varint32-framed protobuf {@link Envelope}s. */
public final class ControlPipeline {
    /** Default maximum frame size, in bytes: ample for any control message, small enough to bound memory. */
    public static final int DEFAULT_MAX_FRAME_BYTES = 64 * 1024;
    /** How long a TLS handshake may take, ms. */
    public static final long HANDSHAKE_TIMEOUT_MS = 10_000;

    private ControlPipeline() {}

    /**
     * Adds, in order: {@link FrameDecoder} ("frame-decoder"), protobuf Envelope decoder, varint32
     * length prepender and protobuf encoder. Handlers added after these see {@link Envelope}s.
     *
     * @param pipeline the channel's pipeline
     * @param maxFrameBytes largest accepted inbound frame, in bytes
     */
    public static void install(ChannelPipeline pipeline, int maxFrameBytes) {
        installCodec(pipeline, maxFrameBytes);
    }

    /**
     * Adds TLS 1.3 ("tls", first: everything after it is encrypted) and then the codec of
     * {@link #install(ChannelPipeline, int)}. A handshake that does not finish within
     * {@value #HANDSHAKE_TIMEOUT_MS} ms closes the connection.
     *
     * @param channel a new server or client channel
     * @param tls a {@code Tls.server} or {@code Tls.client} context
     * @param maxFrameBytes largest accepted inbound frame, in bytes
     */
    public static void install(Channel channel, SslContext tls, int maxFrameBytes) {
        SslHandler handler = tls.newHandler(channel.alloc());
        handler.setHandshakeTimeoutMillis(HANDSHAKE_TIMEOUT_MS);
        channel.pipeline().addLast("tls", handler);
        installCodec(channel.pipeline(), maxFrameBytes);
    }

    private static void installCodec(ChannelPipeline pipeline, int maxFrameBytes) {
        pipeline.addLast("frame-decoder", new FrameDecoder(maxFrameBytes));
        pipeline.addLast("envelope-decoder", new ProtobufDecoder(Envelope.getDefaultInstance()));
        pipeline.addLast("frame-encoder", new ProtobufVarint32LengthFieldPrepender());
        pipeline.addLast("envelope-encoder", new ProtobufEncoder());
    }
}
