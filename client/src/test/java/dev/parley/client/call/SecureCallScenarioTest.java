package dev.parley.client.call;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.parley.client.call.SimOverlay.Client;
import dev.parley.client.call.SimOverlay.Puppet;
import dev.parley.client.call.SimOverlay.SuperNode;
import dev.parley.client.media.RelayedSpeech;
import dev.parley.codec.audio.Clips;
import dev.parley.codec.audio.PcmBufferSink;
import dev.parley.codec.audio.PcmBufferSource;
import dev.parley.codec.audio.SilenceSource;
import dev.parley.codec.quality.Fidelity;
import dev.parley.protocol.CallSignalSeals;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.wire.Accept;
import dev.parley.protocol.wire.Bye;
import dev.parley.protocol.wire.CallSignal;
import dev.parley.protocol.wire.Invite;
import dev.parley.protocol.wire.KeyReveal;
import dev.parley.protocol.wire.MediaDescription;
import dev.parley.protocol.wire.MediaUpdate;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * End-to-end protection on the simulated overlay ({@link SimOverlay}): a malicious super node on the
 * path (it routes every signal and relays the media) reads and forges what it can; a peer that
 * offers no keys is refused; keys are remembered and a new device's key announced.
 */
class SecureCallScenarioTest {
    private static final IncomingCallPolicy ANSWER = (id, caller) -> new IncomingCallPolicy.Answer(SilenceSource.endless(),
            new PcmBufferSink());
    private static final IncomingCallPolicy RING = (id, caller) -> new IncomingCallPolicy.Ring();

    private final SimOverlay overlay = new SimOverlay(20_261_128);
    private final SuperNode sn1 = overlay.superNode();
    private final SuperNode sn2 = overlay.superNode();

    private static List<String> phaseNames(Client c) {
        return c.phases.stream().map(p -> p.getClass().getSimpleName()).toList();
    }

    @Test
    void aMaliciousSuperNodeOnThePathCanNeitherReadNorChangeTheCall() throws Exception {
        PcmBufferSink bobHears = new PcmBufferSink();
        short[] speech = Arrays.copyOf(Clips.speechSample(), 48_000 * 4);
        Client alice = overlay.client("alice", sn1, null, RING, true); // relay only: tokens and keys travel, media crosses sn1
        Client bob = overlay.client("bob", sn2, null, (id, c) -> new IncomingCallPolicy.Answer(SilenceSource.endless(), bobHears),
                true);
        Puppet mallory = overlay.puppet("mallory", sn1); // sn1's operator also holds an ordinary account
        CompletableFuture<CallReport> done = alice.engine.call("bob", new PcmBufferSource(speech), new PcmBufferSink());
        overlay.runUntil("media flows both ways", () -> !bob.phases.isEmpty() && alice.phases.getLast() instanceof CallPhase.Active
                && bob.phases.getLast() instanceof CallPhase.Active, 3000);
        overlay.time.advance(500);
        List<CallSignal> recorded = List.copyOf(overlay.routed);
        String callId = recorded.getFirst().getCallId();
        CallSignal asAlice = CallSignal.newBuilder().setCallId(callId).setFrom("alice").setTo("bob").build();
        CallSignal asBob = CallSignal.newBuilder().setCallId(callId).setFrom("bob").setTo("alice").build();
        MediaDescription toMallory = MediaDescriptions.describe(0xBAD, 32, new HostPort("10.0.0.1", 40_000));
        byte[] bobKey = bob.id.encryption.publicKey();
        byte[] aliceKey = alice.id.encryption.publicKey();

        // the old attacks: signals in clear (8.5 s of alice's audio once went to a forged MediaUpdate's address)
        overlay.inject(asAlice.toBuilder().setBye(Bye.newBuilder().setReason("forged")).build(), bob);
        overlay.inject(asAlice.toBuilder().setUpdate(MediaUpdate.newBuilder().setMedia(toMallory).setGeneration(1)).build(), bob);
        // sealed to the victims' certified keys (public), signed with mallory's own key
        overlay.inject(CallSignalSeals.seal(asAlice.toBuilder().setBye(Bye.getDefaultInstance()).build(), 100, bobKey,
                mallory.id.signing, null), bob);
        overlay.inject(CallSignalSeals.seal(asAlice.toBuilder().setUpdate(MediaUpdate.newBuilder().setMedia(toMallory)
                .setGeneration(1)).build(), 101, bobKey, mallory.id.signing, null), bob);
        overlay.inject(CallSignalSeals.seal(asBob.toBuilder().setAccept(Accept.newBuilder().setMedia(toMallory)
                .setKeyShare(ByteString.copyFrom(CallKeys.newShare(new SplittableRandom(1)).publicKey()))).build(),
                50, aliceKey, mallory.id.signing, null), alice);
        overlay.inject(CallSignalSeals.seal(asBob.toBuilder().setUpdate(MediaUpdate.newBuilder().setMedia(toMallory)
                .setGeneration(1).setAnswer(true)).build(), 51, aliceKey, mallory.id.signing, null), alice);
        // mallory as himself, validly signed, but not in this call
        mallory.send(CallSignal.newBuilder().setCallId(callId).setFrom("mallory").setTo("bob")
                .setBye(Bye.getDefaultInstance()).build(), 1, bob);
        // replays of everything recorded, and a recorded signal with a new sequence number
        for (CallSignal r : recorded) {
            overlay.inject(r, r.getTo().equals("bob") ? bob : alice);
        }
        CallSignal bobsLast = recorded.stream().filter(r -> r.getFrom().equals("bob")).reduce((a, b) -> b).orElseThrow();
        overlay.inject(bobsLast.toBuilder().setSeq(1000).build(), alice);

        overlay.runUntil("call ends", () -> done.isDone() && bob.lastReport() != null, 10_000);
        CallReport a = done.join();
        CallReport b = bob.lastReport();
        assertThat(a.end()).isEqualTo(EndReason.INPUT_ENDED);
        assertThat(b.end()).isEqualTo(EndReason.REMOTE_HUNG_UP);
        assertThat(phaseNames(alice)).containsExactly("Calling", "Ringing", "Connecting", "Active", "Ended");
        assertThat(phaseNames(bob)).containsExactly("Ringing", "Connecting", "Active", "Ended");
        assertThat(a.pathHistory()).containsExactly("relay-udp");
        assertThat(b.media().packetsReceived()).isGreaterThan(190);
        assertThat(Fidelity.score(speech, bobHears.samples()).passed()).as("bob heard alice").isTrue();
        assertThat(a.security().sas()).isEqualTo(b.security().sas()).matches("\\d{3} \\d{3}");
        assertThat(a.toMap()).containsEntry("encrypted", true).containsEntry("cipher_suite",
                "HPKE X25519/AES-128-GCM + SRTP AEAD_AES_128_GCM");

        // what the super nodes routed: routing fields only; no secret of the call appears in any byte of it
        List<byte[]> secrets = secretsOf(overlay.routed, alice, bob);
        // both ICE passwords and key shares, the relay token and key the caller's allocation hands to the callee
        assertThat(secrets).hasSizeGreaterThanOrEqualTo(6);
        for (CallSignal r : overlay.routed) {
            assertThat(r.getKindCase()).isEqualTo(CallSignal.KindCase.KIND_NOT_SET);
            byte[] wire = r.toByteArray();
            for (byte[] secret : secrets) {
                assertThat(indexOf(wire, secret)).as("a secret in a routed signal").isEqualTo(-1);
            }
        }
        // what sn1 relayed: RTP headers in clear, payloads that decode to no speech
        assertThat(RelayedSpeech.rtpPackets(sn1.captured)).as("sn1 relayed the media").isGreaterThan(300);
        assertThat(RelayedSpeech.bestFidelity(sn1.captured, speech)).as("fidelity of the best stream sn1 could decode")
                .isLessThan(0.2);
    }

    /** The ICE passwords, relay tokens, relay keys and key shares in the routed signals, opened with the recipients' keys. */
    private static List<byte[]> secretsOf(List<CallSignal> routed, Client alice, Client bob) throws ProtocolException {
        List<byte[]> secrets = new ArrayList<>();
        for (CallSignal r : routed) {
            Client from = r.getFrom().equals("alice") ? alice : bob;
            Client to = from == alice ? bob : alice;
            CallSignal open = CallSignalSeals.open(r, from.id.signing.publicKey(), to.id.encryption);
            MediaDescription m = open.hasInvite() ? open.getInvite().getMedia() : open.hasAccept() ? open.getAccept().getMedia()
                    : open.hasUpdate() ? open.getUpdate().getMedia() : null;
            if (m != null) {
                secrets.add(m.getIcePassword().getBytes(StandardCharsets.UTF_8));
                if (!m.getRelayToken().isEmpty()) {
                    secrets.add(m.getRelayToken().toByteArray());
                    secrets.add(m.getRelayKey().toByteArray());
                }
            }
            if (open.hasReveal()) {
                secrets.add(open.getReveal().getKeyShare().toByteArray());
            }
            if (open.hasAccept()) {
                secrets.add(open.getAccept().getKeyShare().toByteArray());
            }
        }
        return secrets;
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    @Test
    void anInviteWithoutAKeyShareCommitmentIsRefusedWithoutRinging() throws Exception {
        Client bob = overlay.client("bob", sn2, ANSWER);
        Puppet mallory = overlay.puppet("mallory", sn1);
        MediaDescription media = MediaDescriptions.describe(0x1, 32, new HostPort("10.0.1.9", 5000));
        byte[][] hashes = {new byte[0], new byte[31]};
        for (int i = 0; i < hashes.length; i++) {
            mallory.send(CallSignal.newBuilder().setCallId("insecure-" + i).setFrom("mallory").setTo("bob")
                    .setInvite(Invite.newBuilder().setMedia(media).setKeyShareHash(ByteString.copyFrom(hashes[i]))
                            .setSentAtMs(overlay.time.millis())).build(), 1, bob);
        }
        overlay.runUntil("both refused", () -> mallory.inbox.size() == 2, 1000);
        assertThat(bob.phases).as("bob's phone never rang").isEmpty();
        List<String> reasons = new ArrayList<>();
        for (CallSignal r : mallory.inbox) {
            reasons.add(CallSignalSeals.open(r, bob.id.signing.publicKey(), mallory.id.encryption).getReject().getReason());
        }
        assertThat(reasons).containsExactly("refused: no key share (unencrypted calls are refused)",
                "refused: key share commitment: 31 bytes (expected: 32)");
    }

    @Test
    void aCallerWhoseRevealedShareIsNotTheCommittedOneOrNotAValidPointIsHungUpOnBeforeMedia() throws Exception {
        byte[] committed = CallKeys.newShare(new SplittableRandom(5)).publicKey();
        byte[] other = CallKeys.newShare(new SplittableRandom(6)).publicKey();
        byte[][][] cases = {{committed, other}, {new byte[32], new byte[32]}, {committed, null}};
        String[] details = {"key share does not match the INVITE's commitment", "key share: peerPublicKey: a low-order point",
                "the caller revealed no key share within 10000 ms"};
        for (int i = 0; i < cases.length; i++) {
            SimOverlay o = new SimOverlay(17 + i);
            Client bob = o.client("bob", o.superNode(), ANSWER);
            Puppet mallory = o.puppet("mallory", o.superNode());
            String callId = "reveal-" + i;
            mallory.send(CallSignal.newBuilder().setCallId(callId).setFrom("mallory").setTo("bob").setInvite(Invite.newBuilder()
                    .setMedia(MediaDescriptions.describe(0x1, 32, new HostPort("10.0.1.9", 5000)))
                    .setKeyShareHash(ByteString.copyFrom(CallKeys.commitment(cases[i][0])))
                    .setSentAtMs(o.time.millis())).build(), 1, bob);
            o.runUntil("bob accepts", () -> mallory.inbox.size() == 2, 1000); // RINGING, ACCEPT
            if (cases[i][1] != null) {
                mallory.send(CallSignal.newBuilder().setCallId(callId).setFrom("mallory").setTo("bob")
                        .setReveal(KeyReveal.newBuilder().setKeyShare(ByteString.copyFrom(cases[i][1]))).build(), 2, bob);
            }
            o.runUntil("bob hangs up", () -> bob.lastReport() != null, 12_000);
            assertThat(bob.lastReport().end()).isEqualTo(EndReason.INSECURE);
            assertThat(bob.lastReport().endDetail()).startsWith(details[i]);
            assertThat(bob.lastReport().media()).as("no media without keys").isNull();
            assertThat(bob.secured).isEmpty();
        }
    }

    @Test
    void anAcceptWithoutAValidKeyShareEndsTheCallAsInsecure() throws Exception {
        byte[][] shares = {new byte[0], new byte[32]};
        String[] details = {"no key share (unencrypted calls are refused)", "key share: peerPublicKey: a low-order point"};
        for (int i = 0; i < shares.length; i++) {
            SimOverlay o = new SimOverlay(7 + i);
            Client alice = o.client("alice", o.superNode(), RING);
            Puppet mallory = o.puppet("mallory", o.superNode());
            CompletableFuture<CallReport> done = alice.engine.call("mallory", SilenceSource.endless(), new PcmBufferSink());
            o.runUntil("INVITE arrives", () -> !mallory.inbox.isEmpty(), 1000);
            CallSignal invite = CallSignalSeals.open(mallory.inbox.getFirst(), alice.id.signing.publicKey(), mallory.id.encryption);
            mallory.send(CallSignal.newBuilder().setCallId(invite.getCallId()).setFrom("mallory").setTo("alice")
                    .setAccept(Accept.newBuilder().setMedia(MediaDescriptions.describe(0x2, 32, new HostPort("10.0.1.9", 5000)))
                            .setKeyShare(ByteString.copyFrom(shares[i]))).build(), 1, alice);
            o.runUntil("call ends", done::isDone, 1000);
            assertThat(done.join().end()).isEqualTo(EndReason.INSECURE);
            assertThat(done.join().endDetail()).startsWith(details[i]);
            assertThat(done.join().media()).as("no media without keys").isNull();
        }
    }

    @Test
    void aReplayedInviteAfterTheCallEndedDoesNotRingAgain() {
        Client alice = overlay.client("alice", sn1, RING);
        Client bob = overlay.client("bob", sn2, ANSWER);
        CompletableFuture<CallReport> done = alice.engine.call("bob", SilenceSource.frames(25), new PcmBufferSink());
        overlay.runUntil("call ends", () -> done.isDone() && bob.lastReport() != null, 5000);
        int phases = bob.phases.size();
        overlay.inject(overlay.routed.getFirst(), bob); // the recorded INVITE, again
        overlay.time.advance(1000);
        assertThat(bob.phases).hasSize(phases);
        assertThat(bob.reports).hasSize(1);
    }

    @Test
    void bothSidesShowTheSameSasAndANewDeviceKeyIsAnnouncedBeforeTheCallConnects() {
        Client alice = overlay.client("alice", sn1, RING);
        Client bob = overlay.client("bob", sn2, ANSWER);
        byte[] old = overlay.puppet("someone-else", sn1).id.signing.publicKey();
        alice.contacts.remember("bob", old); // as if bob had used another device before
        CompletableFuture<CallReport> first = alice.engine.call("bob", SilenceSource.frames(25), new PcmBufferSink());
        overlay.runUntil("call ends", () -> first.isDone() && bob.lastReport() != null, 5000);

        assertThat(alice.keyChanges).containsExactly("bob: new device " + CallKeys.fingerprint(bob.id.signing.publicKey()));
        assertThat(bob.keyChanges).as("first call: nothing to compare with").isEmpty();
        assertThat(alice.secured).hasSize(1);
        assertThat(alice.secured.getFirst().sas()).isEqualTo(bob.secured.getFirst().sas());
        assertThat(alice.contacts.known("bob")).isEqualTo(bob.id.signing.publicKey());
        assertThat(bob.contacts.known("alice")).isEqualTo(alice.id.signing.publicKey());

        CompletableFuture<CallReport> second = alice.engine.call("bob", SilenceSource.frames(25), new PcmBufferSink());
        overlay.runUntil("second call ends", () -> second.isDone() && bob.reports.size() == 2, 5000);
        assertThat(alice.keyChanges).as("the remembered key matches now").hasSize(1);
        assertThat(alice.contacts.devices("bob")).as("both devices' keys remembered").hasSize(2);
        assertThat(alice.secured.get(1).sas()).as("another call, another SAS").isNotEqualTo(alice.secured.getFirst().sas());
    }

    @Test
    void fuzzedSignalsReachingBothEnginesMidCallChangeNothing() {
        Client alice = overlay.client("alice", sn1, RING);
        Client bob = overlay.client("bob", sn2, ANSWER);
        CompletableFuture<CallReport> done = alice.engine.call("bob", SilenceSource.frames(200), new PcmBufferSink());
        overlay.runUntil("media flows", () -> !bob.phases.isEmpty() && bob.phases.getLast() instanceof CallPhase.Active, 3000);
        List<CallSignal> recorded = List.copyOf(overlay.routed);
        SplittableRandom random = new SplittableRandom(4242);
        int injected = 0;
        for (int i = 0; i < 2000; i++) {
            CallSignal original = recorded.get(random.nextInt(recorded.size()));
            byte[] bytes = original.toByteArray();
            for (int e = 1 + random.nextInt(3); e > 0; e--) {
                bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
            }
            if (random.nextInt(6) == 0) {
                bytes = Arrays.copyOf(bytes, random.nextInt(bytes.length));
            }
            CallSignal mutated;
            try {
                mutated = CallSignal.parseFrom(bytes);
            } catch (InvalidProtocolBufferException e) {
                continue; // the frame decoder drops those before any engine sees them
            }
            overlay.inject(mutated, original.getTo().equals("bob") ? bob : alice);
            injected++;
        }
        overlay.runUntil("call ends", () -> done.isDone() && bob.lastReport() != null, 10_000);
        assertThat(injected).isGreaterThan(1000);
        assertThat(done.join().end()).isEqualTo(EndReason.INPUT_ENDED);
        assertThat(bob.lastReport().end()).isEqualTo(EndReason.REMOTE_HUNG_UP);
        assertThat(phaseNames(bob)).containsExactly("Ringing", "Connecting", "Active", "Ended");
        assertThat(bob.reports).hasSize(1);
    }

    @Test
    void aCalleeWhoAnswersLaterHasTheKeysAlreadyAndTheCallConnects() {
        Client alice = overlay.client("alice", sn1, RING);
        Client bob = overlay.client("bob", sn2, RING); // a person: rings, answers 3 s later
        CompletableFuture<CallReport> done = alice.engine.call("bob", SilenceSource.frames(100), new PcmBufferSink());
        overlay.runUntil("bob rings", () -> bob.phases.contains(new CallPhase.Ringing()), 1000);
        overlay.time.advance(3000); // the caller's key reveal arrived while ringing
        assertThat(bob.secured).as("keys agreed while ringing: the SAS can be shown before answering").hasSize(1);
        bob.engine.answer(SilenceSource.endless(), new PcmBufferSink());
        overlay.runUntil("call ends", () -> done.isDone() && bob.lastReport() != null, 15_000);
        assertThat(done.join().end()).isEqualTo(EndReason.INPUT_ENDED);
        assertThat(bob.lastReport().end()).isEqualTo(EndReason.REMOTE_HUNG_UP);
        assertThat(bob.lastReport().media().packetsReceived()).isGreaterThan(90);
    }
}
