package dev.parley.client.chat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.client.call.CallKeys;
import dev.parley.client.call.KeyMemory;
import dev.parley.protocol.ChatSeals;
import dev.parley.protocol.Credentials;
import dev.parley.protocol.Ed25519KeyPair;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.wire.ChatBody;
import dev.parley.protocol.wire.ChatPacket;
import dev.parley.protocol.wire.ChatPurpose;
import dev.parley.protocol.wire.Credential;
import dev.parley.protocol.wire.DeviceSync;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.MailboxAck;
import dev.parley.protocol.wire.MailboxContents;
import dev.parley.protocol.wire.TextMessage;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attacks on the sync between the devices of one account (docs/security.md "Several devices"),
 * with real keys, HPKE and SQLite: packets claiming to come from another device of alice's but
 * signed by a key the login server did not certify for alice, or from another user, or naming
 * devices of a contact the login server never issued, change nothing on alice's device; the
 * genuine sibling's does.
 */
class DeviceSyncAttackTest {
    private final Ed25519KeyPair server = Ed25519KeyPair.fromSeed(seed(100));
    private final Ed25519KeyPair fakeServer = Ed25519KeyPair.fromSeed(seed(101));
    private final List<ChatPacket> sent = new CopyOnWriteArrayList<>();
    private ChatService alice;

    @TempDir
    Path dir;

    private static byte[] seed(int b) {
        byte[] s = new byte[32];
        s[0] = (byte) b;
        return s;
    }

    private record Device(Ed25519KeyPair key, Credential credential) {}

    private Device device(Ed25519KeyPair issuer, String name, int n) {
        Ed25519KeyPair key = Ed25519KeyPair.fromSeed(seed(n));
        return new Device(key, Credentials.issue(issuer, name, key.publicKey(), CallKeys.encryptionKey(key).publicKey(),
                InstantSource.system().instant(), Duration.ofHours(1)));
    }

    private final class Network implements ChatTransport {
        @Override
        public CompletableFuture<Void> send(ChatPacket packet) {
            sent.add(packet);
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletableFuture<MailboxContents> fetchMailbox() {
            return CompletableFuture.completedFuture(MailboxContents.getDefaultInstance());
        }

        @Override
        public CompletableFuture<Void> ackMailbox(MailboxAck ack) {
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletableFuture<Void> setWill(List<ChatPacket> will) {
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletableFuture<Credential> lookup(String username) {
            return CompletableFuture.failedFuture(new ProtocolException(ErrorCode.USER_OFFLINE, "offline"));
        }
    }

    @AfterEach
    void stop() {
        if (alice != null) {
            alice.close();
        }
    }

    /** A DeviceSync sealed to alice's device, signed by {@code signer} in the name of {@code claimed}'s user. */
    private static ChatPacket sync(Device to, Ed25519KeyPair signer, Credential claimed, int id, DeviceSync sync) {
        byte[] mid = new byte[16];
        mid[0] = (byte) id;
        ChatBody body = ChatBody.newBuilder().setSentAtMs(System.currentTimeMillis()).setDeviceSync(sync).build();
        return ChatSeals.seal(body, to.credential().getUsername(), mid, ChatPurpose.DEVICE_SYNC, true,
                CallKeys.encryptionKey(to.key()).publicKey(), to.key().publicKey(), signer, claimed);
    }

    private static DeviceSync sent(String text, Credential... bobDevices) {
        return DeviceSync.newBuilder().setPeer("bob").setContactAccepted(true).addAllPeerDevices(List.of(bobDevices))
                .setSent(TextMessage.newBuilder().setSeq(1).setText(text)).build();
    }

    @Test
    void forgedSiblingPacketsChangeNothingAndTheGenuineSiblingsDoes() throws Exception {
        Device aliceHere = device(server, "alice", 1);
        Device aliceThere = device(server, "alice", 2); // alice's other device: certified by the login server
        Device bob = device(server, "bob", 3);
        Device mallory = device(server, "mallory", 4);
        Device fakeAlice = device(fakeServer, "alice", 5); // "alice", certified by someone else
        Device fakeBob = device(fakeServer, "bob", 6);
        alice = new ChatService(ChatStore.open(dir.resolve("alice.db")), new Network(), aliceHere.key(), aliceHere::credential,
                server.publicKey(), KeyMemory.inMemory(), InstantSource.system(), new SplittableRandom(5),
                Executors.newSingleThreadScheduledExecutor());
        alice.onPacket(sync(aliceHere, mallory.key(), aliceThere.credential(), 1, sent("alice's key, mallory's signature", bob.credential())));
        alice.onPacket(sync(aliceHere, fakeAlice.key(), fakeAlice.credential(), 2, sent("a key not certified for alice", bob.credential())));
        alice.onPacket(sync(aliceHere, mallory.key(), mallory.credential(), 3, sent("mallory's own sync", bob.credential())));
        assertThat(alice.contacts().get(5, TimeUnit.SECONDS)).as("no contact made by a forged sync").isEmpty();
        assertThat(alice.history("bob", 10).get(5, TimeUnit.SECONDS)).isEmpty();
        assertThat(alice.devices("alice").get(5, TimeUnit.SECONDS)).as("no forged sibling learned").isEmpty();

        // the genuine sibling: its message and contact count; the devices it lists are checked one by one
        Credential carol = device(server, "carol", 7).credential(); // real, but not bob's
        alice.onPacket(sync(aliceHere, aliceThere.key(), aliceThere.credential(), 4,
                sent("from my laptop", bob.credential(), fakeBob.credential(), carol)));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (alice.history("bob", 10).get(5, TimeUnit.SECONDS).isEmpty() && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(5); // polling with a deadline
        }
        List<ChatMessage> history = alice.history("bob", 10).get(5, TimeUnit.SECONDS);
        assertThat(history).extracting(ChatMessage::text).containsExactly("from my laptop");
        assertThat(history.getFirst().outgoing()).isTrue();
        assertThat(alice.contacts().get(5, TimeUnit.SECONDS)).extracting(Contact::username, Contact::state)
                .containsExactly(Tuple.tuple("bob", ContactState.ACCEPTED));
        assertThat(alice.devices("bob").get(5, TimeUnit.SECONDS)).as("only the device the login server issued for bob")
                .containsExactly(CallKeys.fingerprint(bob.key().publicKey()));
        assertThat(alice.devices("alice").get(5, TimeUnit.SECONDS)).containsExactly(CallKeys.fingerprint(aliceThere.key().publicKey()));
    }
}
