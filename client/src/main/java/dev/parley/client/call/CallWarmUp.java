package dev.parley.client.call;

import dev.parley.client.media.MediaConfig;
import dev.parley.client.media.MediaSession;
import dev.parley.codec.AudioFormats;
import dev.parley.codec.audio.PcmBufferSink;
import dev.parley.codec.audio.SilenceSource;
import dev.parley.nat.ice.CheckResult;
import dev.parley.nat.ice.CheckConfig;
import com.google.protobuf.ByteString;
import dev.parley.codec.srtp.SrtpKeys;
import dev.parley.protocol.CallSignalSeals;
import dev.parley.protocol.Credentials;
import dev.parley.protocol.Ed25519KeyPair;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.X25519KeyPair;
import dev.parley.protocol.wire.CallSignal;
import dev.parley.protocol.wire.Credential;
import dev.parley.protocol.wire.Invite;
import dev.parley.protocol.wire.MediaDescription;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one whole call's media path on 127.0.0.1 between two throwaway media sessions — open,
 * gather, describe, connectivity checks with nomination, signal sealing and key agreement, media
 * start, SRTP both ways, close — so
 * that a fresh client's first real call does not spend its setup loading and compiling that code
 * (in the lab a cold first call took 2–3× as long as a warm one; docs/nat.md "Setup time").
 */
public final class CallWarmUp {
    private static final Logger log = LoggerFactory.getLogger(CallWarmUp.class);
    private static final long STEP_TIMEOUT_MS = 2000;

    private CallWarmUp() {}

    /**
     * Runs the warm-up call; blocking, at most a few seconds (each step is bounded); failures are logged, never thrown.
     *
     * @return true if media flowed both ways
     */
    public static boolean run() {
        InetSocketAddress loopback = new InetSocketAddress("127.0.0.1", 0);
        SecureRandom random = new SecureRandom(); // real ICE credentials, even on loopback
        try (MediaSession a = MediaSession.open(new MediaConfig(32, AudioFormats.OPUS_PAYLOAD_TYPE, 0, 1), loopback);
                MediaSession b = MediaSession.open(new MediaConfig(32, AudioFormats.OPUS_PAYLOAD_TYPE, 0, 2), loopback)) {
            IceAgent ia = new IceAgent(a.socket(), InstantSource.system(), random, true, CheckConfig.DEFAULTS, false);
            IceAgent ib = new IceAgent(b.socket(), InstantSource.system(), random, false, CheckConfig.DEFAULTS, false);
            MediaDescription da = describe(a, ia.gather("127.0.0.1", List.of(), null, null).get(STEP_TIMEOUT_MS, TimeUnit.MILLISECONDS));
            MediaDescription db = describe(b, ib.gather("127.0.0.1", List.of(), null, null).get(STEP_TIMEOUT_MS, TimeUnit.MILLISECONDS));
            MediaDescriptions.remoteAddress(da);
            var checkA = ia.check(db);
            var checkB = ib.check(da);
            CheckResult ra = checkA.get(STEP_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            CheckResult rb = checkB.get(STEP_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            // throwaway keys of a throwaway call: both signal sealing and SRTP run warm
            SrtpKeys keys = warmCrypto(random);
            a.start(ra.remoteAddress(), keys, SilenceSource.frames(10), new PcmBufferSink());
            b.start(rb.remoteAddress(), new SrtpKeys(keys.receive(), keys.send()), SilenceSource.frames(10), new PcmBufferSink());
            a.firstPacketReceived().get(STEP_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            b.firstPacketReceived().get(STEP_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            ia.close();
            ib.close();
            return true;
        } catch (Exception | LinkageError e) {
            log.debug("call warm-up failed: {}", e.toString());
            return false;
        }
    }

    /** Seals, signs, opens and verifies one signal and derives one call's keys, as a real call does. */
    private static SrtpKeys warmCrypto(SecureRandom random) throws ProtocolException {
        Ed25519KeyPair server = Ed25519KeyPair.generate(random);
        Ed25519KeyPair alice = Ed25519KeyPair.generate(random);
        Ed25519KeyPair bob = Ed25519KeyPair.generate(random);
        X25519KeyPair bobBox = CallKeys.encryptionKey(bob);
        Instant now = Instant.now();
        Credential a = Credentials.issue(server, "alice", alice.publicKey(), CallKeys.encryptionKey(alice).publicKey(), now,
                Duration.ofMinutes(1));
        Credential b = Credentials.issue(server, "bob", bob.publicKey(), bobBox.publicKey(), now, Duration.ofMinutes(1));
        Credentials.verify(server.publicKey(), b, now);
        X25519KeyPair aliceShare = CallKeys.newShare(random);
        X25519KeyPair bobShare = CallKeys.newShare(random);
        CallSignal invite = CallSignal.newBuilder().setCallId("warm-up").setFrom("alice").setTo("bob")
                .setInvite(Invite.newBuilder().setKeyShareHash(ByteString.copyFrom(CallKeys.commitment(aliceShare.publicKey())))).build();
        CallSignalSeals.open(CallSignalSeals.seal(invite, 1, bobBox.publicKey(), alice, a), alice.publicKey(), bobBox);
        return CallKeys.derive(true, "warm-up", a, b, aliceShare.publicKey(), bobShare.publicKey(), aliceShare).srtp();
    }

    private static MediaDescription describe(MediaSession media, IceAgent.Local local) {
        return WireCandidates.describe(MediaDescriptions.describe(media.ssrc(), 32,
                new HostPort("127.0.0.1", media.localAddress().getPort())).toBuilder(), local, null).build();
    }
}
