package dev.parley.client;

import dev.parley.codec.AudioFormats;
import dev.parley.codec.opus.OpusDecoder;
import dev.parley.codec.opus.OpusEncoder;
import dev.parley.nat.stun.StunCodec;
import dev.parley.nat.stun.StunDecodeException;
import dev.parley.nat.stun.StunMessage;
import dev.parley.nat.stun.StunSeal;
import dev.parley.nat.stun.TransactionId;
import dev.parley.protocol.Credentials;
import dev.parley.protocol.Ed25519KeyPair;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.wire.LoginResult;
import java.security.SecureRandom;
import java.time.InstantSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The client's start-up warm-ups: the code the first call would otherwise load and compile during its setup. */
final class ClientWarmUp {
    private static final Logger log = LoggerFactory.getLogger(ClientWarmUp.class);

    private ClientWarmUp() {}

    /**
     * Runs, once and off the network loops, the code every call setup needs (Ed25519 verification,
     * STUN encoding with MESSAGE-INTEGRITY and FINGERPRINT), so the first call's setup is not
     * spent loading and compiling it. Verifying our own credential also catches a login result that
     * does not match the login server's key.
     */
    static void signalling(LoginResult login, InstantSource clock) {
        try {
            Credentials.verify(login.getServerPublicKey().toByteArray(), login.getCredential(), clock.instant());
        } catch (ProtocolException e) {
            log.warn("our own credential does not verify: {}", e.getMessage());
        }
        // Up to 300 ms, so the JIT compiles Ed25519 verification: a cold one costs tens of ms of setup.
        Ed25519KeyPair.warmUp(300);
        try {
            var request = StunMessage.bindingRequest(TransactionId.random(new SecureRandom()));
            StunCodec.decode(StunCodec.encode(request, StunSeal.shortTerm("warm-up")));
        } catch (StunDecodeException | RuntimeException e) {
            log.debug("STUN warm-up failed", e);
        }
    }

    /** Loads libopus (JNA) and compiles one encode and decode, so the first call does not pay for it. */
    static void codec() {
        try (var encoder = OpusEncoder.create(32); var decoder = OpusDecoder.create()) {
            byte[] packet = new byte[1500];
            short[] pcm = new short[AudioFormats.FRAME_SAMPLES];
            decoder.decode(packet, 0, encoder.encode(pcm, packet), pcm);
        } catch (RuntimeException | LinkageError e) {
            log.warn("Opus codec unavailable: {}", e.toString()); // the call will report it
        }
    }
}
