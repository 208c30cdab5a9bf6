package dev.parley.client.call;

import dev.parley.codec.sim.ImpairmentSpec;
import dev.parley.protocol.Credentials;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.wire.Credential;
import dev.parley.protocol.wire.ErrorCode;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * Static settings of the local party.
 *
 * @param serverPublicKey the login server's key, to check peers' credentials
 * @param jitterBufferMs 0 for the adaptive jitter buffer, else a fixed delay of 20..1000 ms
 * @param impairment     test impairment applied to the media this party receives ({@link ImpairmentSpec#NONE} normally)
 */
public record CallSettings(String self, Credential credential, byte[] serverPublicKey, InetSocketAddress mediaBind,
        String mediaHost, int bitrateKbps, int jitterBufferMs, Duration ringTimeout, Duration hangupGrace,
        ImpairmentSpec impairment) {
    /** Compact constructor: the login server's key is required (every peer credential is checked). */
    public CallSettings {
        Objects.requireNonNull(serverPublicKey, "serverPublicKey");
    }

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

    /** @return a copy with another credential (a renewed one) */
    public CallSettings withCredential(Credential renewed) {
        return new CallSettings(self, renewed, serverPublicKey, mediaBind, mediaHost, bitrateKbps, jitterBufferMs,
                ringTimeout, hangupGrace, impairment);
    }

    /**
     * Checks a call peer's credential: signed by the login server and issued to {@code expectedUser}.
     *
     * @throws ProtocolException {@code INVALID_CREDENTIAL} or {@code EXPIRED_CREDENTIAL}
     */
    public void verifyPeer(Credential peer, String expectedUser, Instant now) throws ProtocolException {
        Credentials.verify(serverPublicKey, peer, now);
        if (!peer.getUsername().equals(expectedUser)) {
            throw new ProtocolException(ErrorCode.INVALID_CREDENTIAL,
                    "credential is for '" + peer.getUsername() + "', not '" + expectedUser + "'");
        }
    }
}
