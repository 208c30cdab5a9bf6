package dev.parley.client.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.codec.audio.AudioSink;
import dev.parley.codec.audio.Clips;
import dev.parley.codec.audio.PcmBufferSink;
import dev.parley.codec.audio.PcmBufferSource;
import dev.parley.codec.audio.SilenceSource;
import dev.parley.codec.opus.OpusEncoder;
import dev.parley.codec.quality.Fidelity;
import dev.parley.codec.quality.FidelityResult;
import dev.parley.codec.rtp.MalformedPacketException;
import dev.parley.codec.rtp.RtpPacket;
import dev.parley.codec.sim.ImpairmentSpec;
import dev.parley.codec.srtp.SrtpKeys;
import dev.parley.codec.srtp.SrtpMasterKey;
import dev.parley.codec.srtp.SrtpSession;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class MediaSessionTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    /** The sessions' SRTP keys (fixed: tests are deterministic); the peer uses them mirrored. */
    private static final SrtpKeys KEYS = new SrtpKeys(new SrtpMasterKey(filled(16, 1), filled(12, 2)),
            new SrtpMasterKey(filled(16, 3), filled(12, 4)));
    private static final SrtpKeys MIRRORED = new SrtpKeys(KEYS.receive(), KEYS.send());
    /** A raw-socket peer's SRTP: what it sends is protected like a real peer's, so it reaches playout. */
    private final SrtpSession peerSrtp = SrtpSession.of(MIRRORED);
    private static short[] clip;
    private final List<AutoCloseable> resources = new ArrayList<>();

    @BeforeAll
    static void loadClip() {
        clip = Arrays.copyOfRange(Clips.speechSample(), 0, 48_000 * 5 / 2); // 2.5 s
    }

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : resources) {
            c.close();
        }
    }

    private MediaSession session(long ssrc) throws IOException {
        return open(MediaConfig.defaults(ssrc));
    }

    private MediaSession open(MediaConfig config) throws IOException {
        MediaSession s = MediaSession.open(config, new InetSocketAddress(LOOPBACK, 0));
        resources.add(s);
        return s;
    }

    private DatagramSocket socket() throws IOException {
        DatagramSocket s = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0));
        s.setSoTimeout(5000);
        resources.add(s);
        return s;
    }

    @Test
    void streamsTheClipOneWayWithHighFidelityAndNoLoss() throws Exception {
        MediaSession alice = session(0xA11CEL);
        MediaSession bob = session(0xB0BL);
        PcmBufferSink bobHears = new PcmBufferSink();
        PcmBufferSource aliceSays = new PcmBufferSource(clip);
        bob.start(alice.localAddress(), MIRRORED, SilenceSource.frames(0), bobHears); // bob sends nothing
        alice.start(bob.localAddress(), KEYS, aliceSays, new PcmBufferSink());

        alice.sourceEnded().get(20, TimeUnit.SECONDS);
        long sent = alice.stats().packetsSent();
        assertThat(sent).isEqualTo(aliceSays.totalFrames());
        // Every frame is played, except the few the adaptive buffer drops to shrink its start delay of 80 ms.
        // (a scheduling hiccup on a loaded machine may make a packet late: it is counted, never played)
        awaitTrue("bob played every frame", () -> {
            MediaStats s = bob.stats();
            return s.framesPlayed() + s.framesAccelerated() + s.packetsLate() == sent;
        });
        bob.close();

        MediaStats heard = bob.stats();
        assertThat(heard.packetsReceived()).isEqualTo(sent);
        assertThat(heard.packetsLost()).isZero();
        assertThat(heard.packetsDuplicate()).isZero();
        assertThat(heard.packetsDiscarded()).isZero();
        assertThat(heard.framesConcealed()).as("no loss on loopback: only late packets are concealed")
                .isLessThanOrEqualTo(heard.packetsLate());
        assertThat(heard.framesAccelerated()).isLessThanOrEqualTo(4);
        assertThat(bob.firstPacketReceived()).isCompleted();
        assertThat(bobHears.isClosed()).isTrue();

        FidelityResult fidelity = Fidelity.score(clip, bobHears.samples());
        System.out.println("media session loopback fidelity: " + fidelity + ", receiver " + heard);
        assertThat(fidelity.score()).as("loopback call %s", fidelity).isGreaterThan(Fidelity.PASS_THRESHOLD);
        // Playout delay: the adaptive buffer starts at 80 ms and shrinks towards its target on a clean path,
        // plus a tick and Opus' 6.5 ms.
        assertThat(fidelity.lagSamples()).isBetween(20 * 48, 200 * 48);
        assertThat(fidelity.endLagSamples()).isBetween(20 * 48, fidelity.lagSamples());

        MediaStats said = alice.stats();
        assertThat(said.bitrateKbps()).isBetween(10.0, 48.0);
        assertThat(said.bytesSent()).isGreaterThan(sent * RtpPacket.HEADER_BYTES);
        assertThat(said.packetsReceived()).isZero();
        alice.close();
        assertThat(alice.firstPacketReceived()).isCompletedExceptionally();
    }

    @Test
    void rtcpReportsCarryRttAndLossAndTheSenderAdaptsToTheImpairedReceiver() throws Exception {
        MediaSession alice = session(0xA1L);
        MediaSession bob = open(MediaConfig.defaults(0xB1L).withRtcpIntervalMs(500)
                .withImpairment(ImpairmentSpec.parse("loss=20%,delay=30ms,seed=11")));
        short[] longClip = Clips.speechSample();
        PcmBufferSink bobHears = new PcmBufferSink();
        bob.start(alice.localAddress(), MIRRORED, new PcmBufferSource(longClip), new PcmBufferSink());
        alice.start(bob.localAddress(), KEYS, new PcmBufferSource(longClip), bobHears);
        awaitTrue("alice adapted to bob's reports", () -> alice.stats().expectedLossPct() >= 8
                && alice.stats().bitrateTargetKbps() > 32 && alice.stats().rttMs() >= 0);
        MediaStats a = alice.stats();
        MediaStats b = bob.stats();
        System.out.println("alice " + a.statusLine() + "\nbob   " + b.statusLine());
        // RTT = bob's impairment (30 ms) + loopback + at most a tick of report processing on each side.
        assertThat(a.rttMs()).isBetween(25.0, 120.0);
        assertThat(a.remoteLossPct()).isBetween(5.0, 40.0);
        assertThat(a.rtcpReceived()).isPositive();
        assertThat(b.rtcpReceived()).isPositive();
        assertThat(b.lossPct()).isBetween(10.0, 30.0);
        assertThat(bob.stats().expectedLossPct()).as("alice's path is clean").isZero();
    }

    @Test
    void aFailingOutputDeviceIsReportedOnceAndTheCallGoesOn() throws Exception {
        MediaSession alice = session(0xA2L);
        MediaSession bob = session(0xB2L);
        List<String> problems = new CopyOnWriteArrayList<>();
        bob.onAudioProblem(problems::add);
        AudioSink unplugged = new AudioSink() {
            @Override
            public void write(short[] frame) {
                throw new IllegalStateException("device removed");
            }

            @Override
            public void close() {
            }
        };
        bob.start(alice.localAddress(), MIRRORED, SilenceSource.endless(), unplugged);
        alice.start(bob.localAddress(), KEYS, new PcmBufferSource(clip), new PcmBufferSink());
        awaitTrue("bob keeps decoding", () -> bob.stats().framesPlayed() > 50);
        assertThat(problems).containsExactly("audio output failed (device removed); the call goes on without playback");
    }

    @Test
    void dtxSendsNothingInSilenceAndTheReceiverDoesNotCountItAsLoss() throws Exception {
        MediaSession alice = open(MediaConfig.defaults(0xA3L).withDtx(true));
        MediaSession bob = session(0xB3L);
        short[] speechSilenceSpeech = new short[48_000 * 4];
        System.arraycopy(clip, 0, speechSilenceSpeech, 0, 48_000);
        System.arraycopy(clip, 48_000, speechSilenceSpeech, 3 * 48_000, 48_000);
        PcmBufferSource source = new PcmBufferSource(speechSilenceSpeech);
        bob.start(alice.localAddress(), MIRRORED, SilenceSource.frames(0), new PcmBufferSink());
        alice.start(bob.localAddress(), KEYS, source, new PcmBufferSink());
        alice.sourceEnded().get(20, TimeUnit.SECONDS);
        long sent = alice.stats().packetsSent();
        awaitTrue("bob played the second talkspurt",
                () -> bob.stats().framesPlayed() + bob.stats().framesAccelerated() + bob.stats().packetsLate() == sent);
        MediaStats b = bob.stats();
        assertThat(sent).as("2 s of digital silence are mostly not sent").isLessThan(source.totalFrames() - 60);
        assertThat(b.packetsLost()).isZero();
        assertThat(b.framesConcealed()).isLessThanOrEqualTo(b.packetsLate());
        assertThat(b.framesDtx()).isPositive();
    }

    @Test
    void garbageDatagramsAreCountedAndDroppedWithoutBreakingTheSession() throws Exception {
        DatagramSocket peer = socket();
        DatagramSocket stranger = socket();
        MediaSession session = session(0x5E55L);
        PcmBufferSink sink = new PcmBufferSink();
        session.start(peerAddress(peer), KEYS, SilenceSource.endless(), sink);
        InetSocketAddress target = session.localAddress();

        SplittableRandom random = new SplittableRandom(7983);
        int garbage = 0;
        for (int i = 0; i < 400; i++, garbage++) {
            byte[] bytes = new byte[random.nextInt(0, 1400)];
            random.nextBytes(bytes);
            if (bytes.length > 1 && i % 2 == 0) {
                bytes[0] = (byte) (0x80 | bytes[0] & 0x3F);             // looks like RTP...
                bytes[1] = (byte) (bytes[1] & 0x80 | random.nextInt(0, 111)); // ...with another payload type
            }
            send(peer, bytes, target);
            if (i % 20 == 19) {
                // pace the sender: a burst could overflow the kernel's UDP receive buffer and lose datagrams
                int sent = garbage + 1;
                awaitTrue("batch discarded", () -> session.stats().packetsDiscarded() == sent);
            }
        }
        send(peer, new byte[2000], target);
        garbage++;
        send(stranger, SrtpSession.of(MIRRORED).protectRtp(rtp(1, new byte[] {1, 2, 3}, 0x77L)), target); // valid SRTP, wrong source address
        garbage++;
        send(peer, RtpPacket.of(false, 0, 1, 0, 0x77L, new byte[10]).encode(), target); // PCMU
        garbage++;
        int expectedGarbage = garbage;
        awaitTrue("all garbage discarded", () -> session.stats().packetsDiscarded() == expectedGarbage);
        assertThat(session.firstPacketReceived()).isNotDone();
        assertThat(session.stats().packetsReceived()).isZero();

        // A real Opus stream from the expected peer still plays, in order.
        try (OpusEncoder encoder = OpusEncoder.create(32)) {
            byte[] out = new byte[1500];
            for (int k = 0; k < 25; k++) {
                short[] pcm = Arrays.copyOfRange(clip, k * 960, (k + 1) * 960);
                send(peer, peerSrtp.protectRtp(rtp(k, Arrays.copyOf(out, encoder.encode(pcm, out)), 0x77L)), target);
            }
        }
        session.firstPacketReceived().get(5, TimeUnit.SECONDS);
        awaitTrue("valid stream played", () -> session.stats().framesPlayed() + session.stats().framesAccelerated()
                + session.stats().packetsLate() == 25);
        MediaStats stats = session.stats();
        assertThat(stats.packetsReceived()).isEqualTo(25);
        assertThat(stats.packetsLost()).isZero();
        assertThat(stats.packetsDiscarded()).isEqualTo(expectedGarbage);

        // Meanwhile the session kept sending well-formed RTP to the peer.
        List<RtpPacket> fromSession = new ArrayList<>();
        byte[] buf = new byte[2048];
        while (fromSession.size() < 10) {
            DatagramPacket d = new DatagramPacket(buf, buf.length);
            peer.receive(d);
            byte[] rtp = peerSrtp.unprotectRtp(d.getData(), d.getOffset(), d.getLength());
            fromSession.add(RtpPacket.decode(rtp, 0, rtp.length));
        }
        assertThat(fromSession.get(0).marker()).isTrue();
        for (int i = 1; i < fromSession.size(); i++) {
            RtpPacket prev = fromSession.get(i - 1);
            RtpPacket p = fromSession.get(i);
            assertThat(p.payloadType()).isEqualTo(111);
            assertThat(p.ssrc()).isEqualTo(0x5E55L);
            assertThat(p.sequenceNumber()).isEqualTo((prev.sequenceNumber() + 1) & 0xFFFF);
            assertThat(p.timestamp()).isEqualTo((prev.timestamp() + 960) & 0xFFFF_FFFFL);
            assertThat(p.marker()).isFalse();
        }
    }

    @Test
    void mediaThatArrivesJustBeforeStartIsHeldAndPlayed() throws Exception {
        DatagramSocket peer = socket();
        MediaSession session = session(0xE4L);
        InetSocketAddress target = session.localAddress();
        try (OpusEncoder encoder = OpusEncoder.create(32)) {
            byte[] out = new byte[1500];
            for (int k = 0; k < 15; k++) {
                short[] pcm = Arrays.copyOfRange(clip, k * 960, (k + 1) * 960);
                send(peer, peerSrtp.protectRtp(rtp(k, Arrays.copyOf(out, encoder.encode(pcm, out)), 0x77L)), target);
            }
        }
        // the peer selected its path a moment before us: the newest 10 packets wait at the gate
        awaitTrue("all 15 arrived, the oldest 5 dropped", () -> session.stats().packetsDiscarded() == 5);
        session.start(peerAddress(peer), KEYS, SilenceSource.endless(), new PcmBufferSink());
        awaitTrue("the 10 held packets reach the jitter buffer", () -> session.stats().packetsReceived() == 10);
        assertThat(session.stats().packetsDiscarded()).isEqualTo(5);
        assertThat(session.stats().packetsLost()).isZero();
    }

    @Test
    void aRemoteThatStartsLateIsTolerated() throws Exception {
        MediaSession alice = session(1);
        MediaSession bob = session(2);
        PcmBufferSink bobHears = new PcmBufferSink();
        alice.start(bob.localAddress(), KEYS, new PcmBufferSource(clip), new PcmBufferSink());
        awaitTrue("bob dropped packets sent before he started", () -> bob.stats().packetsDiscarded() >= 5);
        bob.start(alice.localAddress(), MIRRORED, SilenceSource.endless(), bobHears);
        alice.sourceEnded().get(20, TimeUnit.SECONDS);
        long sent = alice.stats().packetsSent();
        awaitTrue("bob received the rest", () -> {
            MediaStats s = bob.stats();
            // discarded also counts alice's RTCP reports that arrived before bob started
            return s.packetsReceived() + s.packetsDiscarded() >= sent
                    && s.framesPlayed() + s.framesAccelerated() + s.packetsLate() == s.packetsReceived();
        });
        assertThat(bob.stats().packetsLost()).isZero(); // loss counts from the first packet received
        assertThat(bob.stats().packetsReceived()).isGreaterThan(sent / 2);
        assertThat(alice.firstPacketReceived().get(5, TimeUnit.SECONDS)).isNotNull(); // bob's silence reached alice
    }

    @Test
    void aSilentRemoteYieldsOneSilentFramePerTick() throws Exception {
        DatagramSocket quiet = socket();
        MediaSession session = session(3);
        PcmBufferSink sink = new PcmBufferSink();
        long startNanos = System.nanoTime();
        session.start(peerAddress(quiet), KEYS, new PcmBufferSource(clip), sink);
        awaitTrue("25 frames written", () -> sink.frames() >= 25);
        long elapsedMs = (System.nanoTime() - startNanos) / 1_000_000;
        int frames = sink.frames();
        assertThat(sink.samples()).isEqualTo(new short[frames * 960]);
        assertThat((long) frames).isBetween(elapsedMs / 20 - 3, elapsedMs / 20 + 2);
        assertThat(session.stats().framesPlayed()).isZero();
        assertThat(session.stats().framesConcealed()).isZero();
        assertThat(session.firstPacketReceived()).isNotDone();
    }

    @Test
    void closeReleasesThePortAndOwnedAudioAndIsIdempotent() throws Exception {
        DatagramSocket quiet = socket();
        MediaSession session = session(4);
        int port = session.localAddress().getPort();
        PcmBufferSink sink = new PcmBufferSink();
        SilenceSource source = SilenceSource.endless();
        session.start(peerAddress(quiet), KEYS, source, sink);
        awaitTrue("clock running", () -> sink.frames() >= 2);
        session.close();
        session.close();
        assertThat(sink.isClosed()).isTrue();
        assertThat(source.read(new short[960])).isFalse();
        assertThat(session.sourceEnded()).isCompletedExceptionally();
        int framesAtClose = sink.frames();
        long durationMs = session.stats().durationMs();
        assertThat(durationMs).isGreaterThanOrEqualTo(20);
        try (DatagramSocket rebound = new DatagramSocket(new InetSocketAddress(LOOPBACK, port))) {
            assertThat(rebound.getLocalPort()).isEqualTo(port);
        }
        assertThat(sink.frames()).isEqualTo(framesAtClose);
        assertThat(session.stats().durationMs()).isEqualTo(durationMs); // frozen at close
        assertThatThrownBy(() -> session.start(peerAddress(quiet), KEYS, SilenceSource.endless(), new PcmBufferSink()))
                .isInstanceOf(IllegalStateException.class).hasMessage("mediaSession: closed");
    }

    @Test
    void startTwiceAndBindConflictsFailClearly() throws Exception {
        DatagramSocket taken = socket();
        assertThatThrownBy(() -> MediaSession.open(MediaConfig.defaults(5), peerAddress(taken)))
                .isInstanceOf(IOException.class).hasMessageStartingWith("mediaBind: " + peerAddress(taken) + " failed: ");
        MediaSession session = session(6);
        session.start(peerAddress(taken), KEYS, SilenceSource.endless(), new PcmBufferSink());
        assertThatThrownBy(() -> session.start(peerAddress(taken), KEYS, SilenceSource.endless(), new PcmBufferSink()))
                .isInstanceOf(IllegalStateException.class).hasMessage("mediaSession: already started");
    }

    private static byte[] filled(int length, int value) {
        byte[] b = new byte[length];
        Arrays.fill(b, (byte) value);
        return b;
    }

    private static InetSocketAddress peerAddress(DatagramSocket s) {
        return new InetSocketAddress(LOOPBACK, s.getLocalPort());
    }

    private static byte[] rtp(int k, byte[] payload, long ssrc) {
        return RtpPacket.of(k == 0, 111, (60_000 + k) & 0xFFFF, 960L * k, ssrc, payload).encode();
    }

    private static void send(DatagramSocket from, byte[] bytes, InetSocketAddress to) throws IOException {
        from.send(new DatagramPacket(bytes, bytes.length, to));
    }

    private static void awaitTrue(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            LockSupport.parkNanos(5_000_000);
        }
    }

}
