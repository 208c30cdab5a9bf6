package dev.parley.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.parley.protocol.wire.Accept;
import dev.parley.protocol.wire.Bye;
import dev.parley.protocol.wire.CallSignal;
import dev.parley.protocol.wire.Credential;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.Invite;
import dev.parley.protocol.wire.MediaDescription;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class CallSignalSealsTest {
    private static final Instant T0 = Instant.parse("2026-11-27T12:00:00Z");
    private final Ed25519KeyPair server = Ed25519KeyPair.fromSeed(new byte[32]);
    private final Ed25519KeyPair alice = Ed25519KeyPair.fromSeed(filled(1));
    private final Ed25519KeyPair bob = Ed25519KeyPair.fromSeed(filled(2));
    private final X25519KeyPair bobBox = X25519KeyPair.derive(bob, Credentials.ENCRYPTION_KEY_LABEL);
    private final X25519KeyPair aliceBox = X25519KeyPair.derive(alice, Credentials.ENCRYPTION_KEY_LABEL);
    private final Credential aliceCredential = Credentials.issue(server, "alice", alice.publicKey(),
            aliceBox.publicKey(), T0, Duration.ofHours(1));

    private static byte[] filled(int b) {
        byte[] seed = new byte[32];
        Arrays.fill(seed, (byte) b);
        return seed;
    }

    private static CallSignal invite() {
        return CallSignal.newBuilder().setCallId("c0ffee").setFrom("alice").setTo("bob")
                .setInvite(Invite.newBuilder().setMedia(MediaDescription.newBuilder().setIcePassword("s3cret-ice-password")
                        .setRelayToken(ByteString.copyFromUtf8("relay-token-xyz"))).setKeyShareHash(ByteString.copyFrom(filled(9))))
                .build();
    }

    private CallSignal sealed(CallSignal plain, long seq) {
        return CallSignalSeals.seal(plain, seq, bobBox.publicKey(), alice, aliceCredential);
    }

    private static ErrorCode code(Throwable e) {
        return ((ProtocolException) e).code();
    }

    @Test
    void theRecipientOpensWhatTheSenderSealedAndTheRouteSeesOnlyRoutingFields() throws Exception {
        CallSignal wire = sealed(invite(), 1);
        assertThat(wire.getKindCase()).isEqualTo(CallSignal.KindCase.KIND_NOT_SET);
        assertThat(wire.getCallId()).isEqualTo("c0ffee");
        assertThat(wire.getFrom()).isEqualTo("alice");
        assertThat(wire.getTo()).isEqualTo("bob");
        String onTheWire = new String(wire.toByteArray(), StandardCharsets.ISO_8859_1);
        assertThat(onTheWire).doesNotContain("s3cret-ice-password").doesNotContain("relay-token-xyz");

        CallSignal open = CallSignalSeals.open(wire, alice.publicKey(), bobBox);
        assertThat(open.getInvite()).isEqualTo(invite().getInvite());
        assertThat(open.getSeq()).isEqualTo(1);
        assertThat(open.getSenderCredential()).isEqualTo(aliceCredential);
    }

    @Test
    void tamperedRoutingFieldsSequenceOrCiphertextAreRefused() {
        CallSignal wire = sealed(invite(), 5);
        byte[] box = wire.getSealed().toByteArray();
        box[box.length - 1] ^= 1;
        CallSignal[] tampered = {
                wire.toBuilder().setCallId("other").build(),
                wire.toBuilder().setTo("carol").build(),
                wire.toBuilder().setFrom("mallory").build(),
                wire.toBuilder().setSeq(6).build(),
                wire.toBuilder().setSealed(ByteString.copyFrom(box)).build(),
        };
        for (CallSignal t : tampered) {
            assertThatThrownBy(() -> CallSignalSeals.open(t, alice.publicKey(), bobBox))
                    .isInstanceOf(ProtocolException.class)
                    .satisfies(e -> assertThat(code(e)).isEqualTo(ErrorCode.INVALID_CREDENTIAL));
        }
    }

    @Test
    void aSignatureByAnotherKeyIsRefusedEvenWithValidEncryption() {
        Ed25519KeyPair mallory = Ed25519KeyPair.generate(new SecureRandom(new byte[] {5}));
        // mallory (a super node on the path) seals a BYE "from alice" to bob's certified key
        CallSignal forged = CallSignalSeals.seal(CallSignal.newBuilder().setCallId("c0ffee").setFrom("alice").setTo("bob")
                .setBye(Bye.newBuilder().setReason("gotcha")).build(), 99, bobBox.publicKey(), mallory, null);
        assertThatThrownBy(() -> CallSignalSeals.open(forged, alice.publicKey(), bobBox))
                .satisfies(e -> assertThat(code(e)).isEqualTo(ErrorCode.INVALID_CREDENTIAL))
                .hasMessageContaining("signature");
    }

    @Test
    void aSignalSealedToAnotherKeyDoesNotOpen() {
        CallSignal toCarol = CallSignalSeals.seal(invite(), 1,
                X25519KeyPair.generate(new SecureRandom(new byte[] {6})).publicKey(), alice, null);
        assertThatThrownBy(() -> CallSignalSeals.open(toCarol, alice.publicKey(), bobBox))
                .satisfies(e -> assertThat(code(e)).isEqualTo(ErrorCode.INVALID_CREDENTIAL))
                .hasMessageContaining("decrypt");
    }

    @Test
    void aKindInClearNoSealOrSequenceZeroIsRefused() {
        CallSignal wire = sealed(invite(), 1);
        CallSignal[] bad = {
                wire.toBuilder().setBye(Bye.getDefaultInstance()).build(),
                wire.toBuilder().clearSealed().build(),
                wire.toBuilder().setSeq(0).build(),
                wire.toBuilder().setSealed(wire.getSealed().substring(0, 40)).build(),
                wire.toBuilder().setSealed(ByteString.copyFrom(new byte[CallSignalSeals.MAX_SEALED_BYTES + 1])).build(),
                wire.toBuilder().setCallId("x".repeat(CallSignalSeals.MAX_ROUTING_CHARS + 1)).build(),
        };
        for (CallSignal b : bad) {
            assertThatThrownBy(() -> CallSignalSeals.open(b, alice.publicKey(), bobBox))
                    .satisfies(e -> assertThat(code(e)).isEqualTo(ErrorCode.BAD_REQUEST));
        }
    }

    @Test
    void aRecipientKeyThatIsALowOrderPointIsRefusedWhenSealing() {
        assertThatThrownBy(() -> CallSignalSeals.seal(invite(), 1, new byte[32], alice, null))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void fuzzedSealedSignalsFailOnlyWithProtocolException() {
        SplittableRandom random = new SplittableRandom(11_27);
        CallSignal wire = CallSignalSeals.seal(CallSignal.newBuilder().setCallId("c0ffee").setFrom("bob").setTo("alice")
                .setAccept(Accept.newBuilder().setKeyShare(ByteString.copyFrom(filled(3)))).build(), 2,
                aliceBox.publicKey(), bob, null);
        byte[] bytes = wire.toByteArray();
        int opened = 0;
        for (int i = 0; i < 3000; i++) {
            byte[] m = bytes.clone();
            int edits = 1 + random.nextInt(4);
            for (int e = 0; e < edits; e++) {
                m[random.nextInt(m.length)] = (byte) random.nextInt(256);
            }
            if (random.nextInt(8) == 0) {
                m = Arrays.copyOf(m, random.nextInt(m.length));
            }
            CallSignal parsed;
            try {
                parsed = CallSignal.parseFrom(m);
            } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                continue; // the frame decoder's business
            }
            try {
                CallSignalSeals.open(parsed, bob.publicKey(), aliceBox);
                opened++;
            } catch (ProtocolException expected) {
                // dropped
            }
        }
        // a mutation that opens left the signed and sealed bytes intact (e.g. an unknown field was added)
        assertThat(opened).isLessThan(300);
    }
}
