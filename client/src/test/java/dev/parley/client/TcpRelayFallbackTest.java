package dev.parley.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.client.call.CallEngine;
import dev.parley.client.call.CallListener;
import dev.parley.client.call.CallReport;
import dev.parley.client.call.CallRuntime;
import dev.parley.client.call.CallSettings;
import dev.parley.client.call.CallTrust;
import dev.parley.client.call.EndReason;
import dev.parley.client.call.IncomingCallPolicy;
import dev.parley.client.call.KeyMemory;
import dev.parley.client.call.NatTraversal;
import dev.parley.client.call.RelayService;
import dev.parley.client.media.RelayedSpeech;
import dev.parley.codec.audio.Clips;
import dev.parley.codec.audio.PcmBufferSink;
import dev.parley.codec.audio.PcmBufferSource;
import dev.parley.codec.audio.SilenceSource;
import dev.parley.codec.quality.Fidelity;
import dev.parley.nat.ice.CheckConfig;
import dev.parley.nat.stun.StunClient;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.wire.CallSignal;
import dev.parley.protocol.wire.RelayAllocated;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TCP fallback (docs/nat.md): STUN to the super node works, but UDP to the relay is lost (the
 * relay's address, as both clients see it, is a UDP black hole; its TCP side is the real super
 * node), so every UDP pair fails — the relayed one included. Both sides then open a TCP relay link
 * and check again: the call connects over the TCP relay instead of failing. Real sockets, real relay:
 * what the relay forwards is recorded, and its Opus decoding holds no speech (SRTP).
 */
class TcpRelayFallbackTest {
    @TempDir
    Path dir;

    /** Checks give up after 2 s instead of 10 s, so the fallback comes quickly. */
    private static final CheckConfig QUICK = new CheckConfig(20, new StunClient.Timing(100, 6, 8),
            60, 2000, 5000, 30_000);

    @Test
    void whenEveryUdpPairFailsTheCallFallsBackToTheTcpRelay() throws Exception {
        try (TestOverlay overlay = new TestOverlay(dir, 1); DatagramSocket blackHole = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            HostPort sn = overlay.superNode(0);
            InetSocketAddress fakeRelay = (InetSocketAddress) blackHole.getLocalSocketAddress();
            ParleyClient a = overlay.client("alicetcp", 0, (id, c) -> new IncomingCallPolicy.Decline("no"), CallListener.NONE);
            ParleyClient b = overlay.client("bobtcp", 0, (id, c) -> new IncomingCallPolicy.Decline("no"), CallListener.NONE);
            ScheduledExecutorService aliceLoop = Executors.newSingleThreadScheduledExecutor();
            ScheduledExecutorService bobLoop = Executors.newSingleThreadScheduledExecutor();
            try {
                CallEngine[] engines = new CallEngine[2];
                CompletableFuture<CallReport> bobEnded = new CompletableFuture<>();
                byte[] serverKey = overlay.login.publicKey();
                List<byte[]> relayed = new CopyOnWriteArrayList<>(); // what the relay super node forwarded over the TCP links
                PcmBufferSink bobHears = new PcmBufferSink();
                short[] speech = Arrays.copyOf(Clips.speechSample(), 48_000 * 4);
                engines[0] = engine("alicetcp", a, serverKey, sn, fakeRelay, sig -> engines[1].onSignal(sig), CallListener.NONE,
                        (id, c) -> new IncomingCallPolicy.Decline("no"), aliceLoop, 1, relayed);
                engines[1] = engine("bobtcp", b, serverKey, sn, fakeRelay, sig -> engines[0].onSignal(sig), TestOverlay.completing(bobEnded),
                        (id, c) -> new IncomingCallPolicy.Answer(SilenceSource.endless(), bobHears), bobLoop, 2, relayed);

                CallReport alice = engines[0].call("bobtcp", new PcmBufferSource(speech), new PcmBufferSink()).get(30, TimeUnit.SECONDS);
                CallReport bob = bobEnded.get(10, TimeUnit.SECONDS);

                assertThat(alice.connected()).as(alice.endReason()).isTrue();
                assertThat(alice.end()).isEqualTo(EndReason.INPUT_ENDED);
                assertThat(alice.path()).isEqualTo("relay-tcp");
                assertThat(bob.path()).isEqualTo("relay-tcp");
                assertThat(bob.media().packetsReceived()).isGreaterThan(50);
                assertThat(alice.media().packetsReceived()).isGreaterThan(50);
                // the checks over UDP ran into their deadline first
                assertThat(alice.setupMs()).isGreaterThan(QUICK.deadlineMs());
                // bob heard alice; the relay forwarded her speech as SRTP that Opus cannot make speech of
                assertThat(Fidelity.score(speech, bobHears.samples()).passed()).isTrue();
                assertThat(RelayedSpeech.rtpPackets(relayed)).isGreaterThan(150);
                assertThat(RelayedSpeech.bestFidelity(relayed, speech)).isLessThan(0.2);
                assertThat(alice.security().sas()).isEqualTo(bob.security().sas());
            } finally {
                aliceLoop.shutdownNow();
                bobLoop.shutdownNow();
            }
        }
    }

    /** A call engine using {@code client}'s super node for STUN and relays, whose relay address is {@code fakeRelay} over UDP. */
    private CallEngine engine(String user, ParleyClient client, byte[] serverKey, HostPort sn, InetSocketAddress fakeRelay,
            Consumer<CallSignal> peer, CallListener listener, IncomingCallPolicy policy, ScheduledExecutorService loop, long seed,
            List<byte[]> relayed) throws IOException {
        RelayService real = new SessionRelays(client.io(), client.session());
        HostPort fake = new HostPort(fakeRelay.getAddress().getHostAddress(), fakeRelay.getPort());
        RelayService udpBlackHoled = new RelayService() {
            @Override
            public CompletableFuture<RelayAllocated> allocate(String callId) {
                return real.allocate(callId).thenApply(r -> r.toBuilder().setRelay(fake.toAddress()).build());
            }

            @Override
            public void release(long allocationId) {
                real.release(allocationId);
            }

            @Override
            public CompletableFuture<TcpRelayLink> connectTcp(HostPort relay, byte[] token, byte[] key, Consumer<byte[]> onPacket) {
                return real.connectTcp(relay.equals(fake) ? sn : relay, token, key, p -> {
                    relayed.add(p.clone());
                    onPacket.accept(p);
                });
            }
        };
        CallSettings settings = new CallSettings(user, client.credential(), serverKey,
                new InetSocketAddress("127.0.0.1", 0), "127.0.0.1", 32, 60, Duration.ofSeconds(10), Duration.ofMillis(400));
        // the client's own keys (its data dir), and the callee's credential from a verified search
        CallTrust trust = CallTrust.of(new ClientStore(dir.resolve("client-" + user)).identity(),
                name -> client.search(name).thenApply(r -> r.getRecord().getCredential()), KeyMemory.inMemory());
        NatTraversal nat = new NatTraversal(() -> List.of(new InetSocketAddress(sn.host(), sn.port())), udpBlackHoled, QUICK, true);
        CallRuntime runtime = CallRuntime.system(loop, InstantSource.system(), new SplittableRandom(seed), settings.mediaBind());
        return new CallEngine(settings, trust, nat, runtime, sig -> {
            peer.accept(sig);
            return CompletableFuture.completedFuture(null);
        }, policy, listener);
    }
}
