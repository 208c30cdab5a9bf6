package dev.parley.client.call;

import dev.parley.codec.ImpairmentSpec;
import dev.parley.protocol.wire.Credential;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * Static settings of the local party.
 *
 * @param jitterBufferMs 0 for the adaptive jitter buffer, else a fixed delay of 20..1000 ms
 * @param impairment     test impairment applied to the media this party receives ({@link ImpairmentSpec#NONE} normally)
 */
public record CallSettings(String self, Credential credential, byte[] serverPublicKey, InetSocketAddress mediaBind,
        String mediaHost, int bitrateKbps, int jitterBufferMs, Duration ringTimeout, Duration hangupGrace,
        ImpairmentSpec impairment) {
    /** Without impairment. */
    public CallSettings(String self, Credential credential, byte[] serverPublicKey, InetSocketAddress mediaBind,
            String mediaHost, int bitrateKbps, int jitterBufferMs, Duration ringTimeout, Duration hangupGrace) {
        this(self, credential, serverPublicKey, mediaBind, mediaHost, bitrateKbps, jitterBufferMs, ringTimeout,
                hangupGrace, ImpairmentSpec.NONE);
    }

    /** @return a copy with another media host (the address peers should send media to) */
    public CallSettings withMediaHost(String host) {
        return new CallSettings(self, credential, serverPublicKey, mediaBind, host, bitrateKbps, jitterBufferMs,
                ringTimeout, hangupGrace, impairment);
    }
}
