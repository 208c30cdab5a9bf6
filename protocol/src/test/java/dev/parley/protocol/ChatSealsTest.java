package dev.parley.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.parley.protocol.wire.ChatBody;
import dev.parley.protocol.wire.ChatPacket;
import dev.parley.protocol.wire.ChatPurpose;
import dev.parley.protocol.wire.Credential;
import dev.parley.protocol.wire.DeviceSync;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.MailboxAck;
import dev.parley.protocol.wire.TextMessage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Sealed chat packets and signed mailbox deletions: what a receiver (or a super node) accepts. */
class ChatSealsTest {
    private static final Instant T0 = Instant.parse("2026-11-27T12:00:00Z");
    private final Ed25519KeyPair server = Ed25519KeyPair.fromSeed(new byte[32]);
    private final Ed25519KeyPair alice = Ed25519KeyPair.fromSeed(filled(1));
    private final Ed25519KeyPair bob = Ed25519KeyPair.fromSeed(filled(2));
    private final Ed25519KeyPair mallory = Ed25519KeyPair.fromSeed(filled(3));
    private final X25519KeyPair bobBox = X25519KeyPair.derive(bob, Credentials.ENCRYPTION_KEY_LABEL);
    private final X25519KeyPair malloryBox = X25519KeyPair.derive(mallory, Credentials.ENCRYPTION_KEY_LABEL);
    private final Credential aliceCredential = Credentials.issue(server, "alice", alice.publicKey(),
            X25519KeyPair.derive(alice, Credentials.ENCRYPTION_KEY_LABEL).publicKey(), T0, Duration.ofHours(1));
    private final Credential bobCredential = Credentials.issue(server, "bob", bob.publicKey(), bobBox.publicKey(), T0,
            Duration.ofHours(1));

    private static byte[] filled(int b) {
        byte[] seed = new byte[32];
        Arrays.fill(seed, (byte) b);
        return seed;
    }

    private static final byte[] ID = Arrays.copyOf(filled(7), 16);

    private ChatPacket message(String text) {
        ChatBody body = ChatBody.newBuilder().setSentAtMs(T0.toEpochMilli() + 1_000)
                .setMessage(TextMessage.newBuilder().setSeq(1).setText(text)).build();
        return ChatSeals.seal(body, "bob", ID, ChatPurpose.CHAT_MESSAGE, true, bobBox.publicKey(), alice, aliceCredential);
    }

    private static ErrorCode code(Throwable e) {
        return ((ProtocolException) e).code();
    }

    @Test
    void theRecipientOpensItAndTheSuperNodesSeeNoText() throws Exception {
        ChatPacket p = message("meet at the north gate");
        assertThat(new String(p.toByteArray(), StandardCharsets.ISO_8859_1)).doesNotContain("north gate");
        ChatSeals.verify(p, server.publicKey()); // what a mailbox replica checks
        ChatBody body = ChatSeals.open(p, server.publicKey(), "bob", bobBox, T0.plusSeconds(5));
        assertThat(body.getMessage().getText()).isEqualTo("meet at the north gate");
    }

    @Test
    void alteredForgedMisaddressedOrStalePacketsAreRefused() {
        ChatPacket p = message("hello");
        byte[] box = p.getSealed().toByteArray();
        box[40] ^= 1;
        ChatPacket forgedSignature = ChatSeals.seal(ChatBody.newBuilder().setSentAtMs(T0.toEpochMilli())
                .setMessage(TextMessage.newBuilder().setSeq(1).setText("hello")).build(), "bob", ID, ChatPurpose.CHAT_MESSAGE,
                true, bobBox.publicKey(), mallory, aliceCredential); // signed by mallory, claiming alice's credential
        ChatPacket[] refused = {
                p.toBuilder().setSealed(ByteString.copyFrom(box)).build(),           // altered ciphertext
                p.toBuilder().setMessageId(ByteString.copyFrom(filled(8), 0, 16)).build(), // another id
                p.toBuilder().setStore(false).build(),                               // another flag
                p.toBuilder().setPurpose(ChatPurpose.RECEIPT).build(),               // another purpose
                p.toBuilder().clearSignature().build(),                              // unsigned
                forgedSignature,
        };
        for (ChatPacket bad : refused) {
            assertThatThrownBy(() -> ChatSeals.open(bad, server.publicKey(), "bob", bobBox, T0.plusSeconds(5)))
                    .isInstanceOf(ProtocolException.class);
        }
        assertThatThrownBy(() -> ChatSeals.open(p, server.publicKey(), "mallory", malloryBox, T0))
                .satisfies(e -> assertThat(code(e)).isEqualTo(ErrorCode.BAD_REQUEST)); // not addressed to mallory
        assertThatThrownBy(() -> ChatSeals.open(p.toBuilder().setTo("mallory").build(), server.publicKey(), "mallory",
                malloryBox, T0)).isInstanceOf(ProtocolException.class); // re-addressed: signature breaks
        assertThatThrownBy(() -> ChatSeals.open(p, server.publicKey(), "bob", bobBox, T0.plus(Duration.ofDays(40))))
                .satisfies(e -> assertThat(code(e)).isEqualTo(ErrorCode.EXPIRED_CREDENTIAL));
        Ed25519KeyPair otherServer = Ed25519KeyPair.fromSeed(filled(9));
        assertThatThrownBy(() -> ChatSeals.verify(p, otherServer.publicKey()))
                .satisfies(e -> assertThat(code(e)).isEqualTo(ErrorCode.INVALID_CREDENTIAL));
    }

    /** A DeviceSync goes only between the devices of one user, and lists at most 8 devices. */
    @Test
    void aDeviceSyncIsRefusedBetweenTwoUsersOrWithTooManyDevices() throws Exception {
        X25519KeyPair aliceBox = X25519KeyPair.derive(alice, Credentials.ENCRYPTION_KEY_LABEL);
        ChatBody sync = ChatBody.newBuilder().setSentAtMs(T0.toEpochMilli() + 1_000).setDeviceSync(DeviceSync.newBuilder()
                .setPeer("bob").setSent(TextMessage.newBuilder().setSeq(1).setText("hi bob"))).build();
        ChatPacket own = ChatSeals.seal(sync, "alice", ID, ChatPurpose.DEVICE_SYNC, true, aliceBox.publicKey(), alice, aliceCredential);
        assertThat(ChatSeals.open(own, server.publicKey(), "alice", aliceBox, T0.plusSeconds(5)).getDeviceSync().getPeer())
                .isEqualTo("bob");
        ChatPacket toBob = ChatSeals.seal(sync, "bob", ID, ChatPurpose.DEVICE_SYNC, true, bobBox.publicKey(), alice, aliceCredential);
        assertThatThrownBy(() -> ChatSeals.verify(toBob, server.publicKey())).satisfies(e -> assertThat(code(e))
                .isEqualTo(ErrorCode.BAD_REQUEST)).hasMessageContaining("between the devices of one user");
        DeviceSync.Builder many = DeviceSync.newBuilder().setPeer("bob");
        for (int i = 0; i <= ChatSeals.MAX_SYNCED_DEVICES; i++) {
            many.addPeerDevices(bobCredential);
        }
        ChatPacket tooMany = ChatSeals.seal(sync.toBuilder().setDeviceSync(many).build(), "alice", ID, ChatPurpose.DEVICE_SYNC,
                true, aliceBox.publicKey(), alice, aliceCredential);
        assertThatThrownBy(() -> ChatSeals.open(tooMany, server.publicKey(), "alice", aliceBox, T0.plusSeconds(5)))
                .satisfies(e -> assertThat(code(e)).isEqualTo(ErrorCode.BAD_REQUEST)).hasMessageContaining("synced peer devices");
    }

    @Test
    void aMailboxAckIsTheRecipientsOwn() throws Exception {
        List<ByteString> ids = List.of(ByteString.copyFrom(ID));
        MailboxAck ack = MailboxAcks.sign(bobCredential, bob, ids, T0.toEpochMilli());
        assertThat(MailboxAcks.verify(server.publicKey(), ack, T0.plusSeconds(1))).isEqualTo("bob");
        MailboxAck forged = MailboxAcks.sign(bobCredential, mallory, ids, T0.toEpochMilli());
        assertThatThrownBy(() -> MailboxAcks.verify(server.publicKey(), forged, T0))
                .satisfies(e -> assertThat(code(e)).isEqualTo(ErrorCode.INVALID_CREDENTIAL));
        assertThatThrownBy(() -> MailboxAcks.verify(server.publicKey(), ack, T0.plus(Duration.ofMinutes(10))))
                .isInstanceOf(ProtocolException.class); // replayed later
        assertThatThrownBy(() -> MailboxAcks.verify(server.publicKey(), ack.toBuilder().addMessageIds(ByteString.copyFrom(filled(4)))
                .build(), T0)).satisfies(e -> assertThat(code(e)).isEqualTo(ErrorCode.BAD_REQUEST));
    }

    /** Seeded random mutations of a valid packet and ack: only the typed refusal ever escapes. */
    @Test
    void fuzzedPacketsAndAcksFailOnlyWithProtocolException() {
        SplittableRandom random = new SplittableRandom(13);
        byte[] packet = message("fuzz me").toByteArray();
        byte[] ack = MailboxAcks.sign(bobCredential, bob, List.of(ByteString.copyFrom(ID)), T0.toEpochMilli()).toByteArray();
        int opened = 0;
        for (int i = 0; i < 3_000; i++) {
            byte[] source = i % 2 == 0 ? packet : ack;
            byte[] m = source.clone();
            int flips = 1 + random.nextInt(4);
            for (int f = 0; f < flips; f++) {
                m[random.nextInt(m.length)] = (byte) random.nextInt(256);
            }
            if (random.nextInt(8) == 0) {
                m = Arrays.copyOf(m, random.nextInt(m.length));
            }
            try {
                if (source == packet) {
                    ChatSeals.open(ChatPacket.parseFrom(m), server.publicKey(), "bob", bobBox, T0.plusSeconds(5));
                } else {
                    MailboxAcks.verify(server.publicKey(), MailboxAck.parseFrom(m), T0);
                }
                opened++;
            } catch (InvalidProtocolBufferException | ProtocolException expected) {
                // the typed refusals
            }
        }
        assertThat(opened).as("mutations that still verify").isLessThan(300); // only unsigned, unchecked bytes survive
    }
}
