package dev.parley.client.chat;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.parley.client.call.CallKeys;
import dev.parley.client.call.KeyMemory;
import dev.parley.protocol.ChatSeals;
import dev.parley.protocol.Credentials;
import dev.parley.protocol.Ed25519KeyPair;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.wire.ChatBody;
import dev.parley.protocol.wire.ChatPacket;
import dev.parley.protocol.wire.ChatPurpose;
import dev.parley.protocol.wire.ContactAnswer;
import dev.parley.protocol.wire.ContactRequest;
import dev.parley.protocol.wire.Credential;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.MailboxAck;
import dev.parley.protocol.wire.MailboxContents;
import dev.parley.protocol.wire.TextMessage;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attacks on contacts and messages, with real keys, real HPKE and real SQLite, through a network
 * played by the test: a malicious super node (records, alters, replays what it routes) and
 * forging users. Each defence here fails its test when removed.
 */
class ChatServiceTest {
    private final Ed25519KeyPair server = Ed25519KeyPair.fromSeed(seed(100));
    private final SplittableRandom seeds = new SplittableRandom(7);
    private final Map<String, ChatService> users = new ConcurrentHashMap<>();
    private final Map<String, Credential> credentials = new ConcurrentHashMap<>();
    private final List<ChatPacket> routed = new CopyOnWriteArrayList<>();
    /** What the malicious super node does to each packet it routes (identity: routes it as is). */
    private volatile UnaryOperator<ChatPacket> superNode = UnaryOperator.identity();
    private final List<ChatService> started = new ArrayList<>();

    @TempDir
    Path dir;

    private static byte[] seed(int b) {
        byte[] s = new byte[32];
        s[0] = (byte) b;
        s[1] = (byte) (b >> 8);
        return s;
    }

    private final class Network implements ChatTransport {
        @Override
        public CompletableFuture<Void> send(ChatPacket packet) {
            routed.add(packet);
            ChatService to = users.get(packet.getTo());
            if (to == null) {
                return CompletableFuture.failedFuture(new ProtocolException(ErrorCode.USER_OFFLINE, "offline"));
            }
            ChatPacket passed = superNode.apply(packet);
            if (passed != null) { // null: the super node keeps it
                to.onPacket(passed);
            }
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
            Credential c = credentials.get(username);
            return c != null ? CompletableFuture.completedFuture(c)
                    : CompletableFuture.failedFuture(new ProtocolException(ErrorCode.USER_OFFLINE, "offline"));
        }
    }

    private record User(ChatService chat, ChatEventsLite events, Ed25519KeyPair key, Credential credential) {}

    /** A user's key and credential (login server's signature), without a running service. */
    private record Keys(Ed25519KeyPair key, Credential credential) {}

    private Keys keys(String name, int n) {
        Ed25519KeyPair key = Ed25519KeyPair.fromSeed(seed(n));
        Credential c = Credentials.issue(server, name, key.publicKey(), CallKeys.encryptionKey(key).publicKey(),
                InstantSource.system().instant(), Duration.ofHours(1));
        return new Keys(key, c);
    }

    private User user(String name, int n) throws Exception {
        Keys k = keys(name, n);
        ChatStore store = ChatStore.open(dir.resolve(name + ".db"));
        ChatService chat = new ChatService(store, new Network(), k.key(), k::credential, server.publicKey(),
                KeyMemory.inMemory(), InstantSource.system(), new SplittableRandom(seeds.nextLong()),
                Executors.newSingleThreadScheduledExecutor());
        ChatEventsLite events = new ChatEventsLite();
        chat.addListener(events);
        users.put(name, chat);
        credentials.put(name, k.credential());
        started.add(chat);
        return new User(chat, events, k.key(), k.credential());
    }

    @AfterEach
    void stop() {
        started.forEach(ChatService::close);
    }

    /** Records events. */
    static final class ChatEventsLite implements ChatListener {
        final List<String> requests = new CopyOnWriteArrayList<>();
        final List<ChatMessage> messages = new CopyOnWriteArrayList<>();

        @Override
        public void onContactRequest(String from, String text) {
            requests.add(from);
        }

        @Override
        public void onMessage(ChatMessage message) {
            messages.add(message);
        }
    }

    static void await(String what, BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            TimeUnit.MILLISECONDS.sleep(5); // polling with a deadline
        }
    }

    /** Waits until every task submitted to {@code chat}'s thread so far has run. */
    static void drain(ChatService chat) throws Exception {
        chat.contacts().get(5, TimeUnit.SECONDS);
        chat.contacts().get(5, TimeUnit.SECONDS);
    }

    private void befriend(User a, User b) throws Exception {
        a.chat().requestContact(b.credential().getUsername(), "hello").get(5, TimeUnit.SECONDS);
        await("request", () -> b.events().requests.contains(a.credential().getUsername()));
        b.chat().answerContact(a.credential().getUsername(), true).get(5, TimeUnit.SECONDS);
        await("accepted", () -> {
            try {
                return a.chat().contacts().get().stream().anyMatch(c -> c.state() == ContactState.ACCEPTED);
            } catch (Exception e) {
                return false;
            }
        });
    }

    private static ChatPacket forge(ChatBody body, String to, Ed25519KeyPair signer, Credential claimed, byte[] toKey, int id) {
        byte[] mid = new byte[16];
        mid[0] = (byte) id;
        mid[15] = (byte) 0x5A;
        return ChatSeals.seal(body.toBuilder().setSentAtMs(System.currentTimeMillis()).build(), to, mid,
                ChatSeals.purposeOf(body), ChatSeals.storable(ChatSeals.purposeOf(body)), toKey, signer, claimed);
    }

    @Test
    void aMaliciousSuperNodeSeesNoTextAndItsAlteredOrReplayedCopiesAreDropped() throws Exception {
        User alice = user("alice", 1);
        User bob = user("bob", 2);
        befriend(alice, bob);
        List<ChatPacket> altered = new CopyOnWriteArrayList<>();
        superNode = p -> { // keeps an altered copy of every message and routes nothing
            if (p.getPurpose() == ChatPurpose.CHAT_MESSAGE) {
                byte[] box = p.getSealed().toByteArray();
                box[box.length - 20] ^= 1;
                altered.add(p.toBuilder().setSealed(ByteString.copyFrom(box)).build());
                altered.add(p.toBuilder().setTo("bob").setFrom("alice").setStore(!p.getStore()).build());
            }
            return p.getPurpose() == ChatPurpose.CHAT_MESSAGE ? p.toBuilder().clearSignature().build() : p;
        };
        alice.chat().send("bob", "the vault code is 0451").get(5, TimeUnit.SECONDS);
        await("the message routed", () -> routed.stream().anyMatch(p -> p.getPurpose() == ChatPurpose.CHAT_MESSAGE));
        assertThat(routed).allSatisfy(p -> assertThat(new String(p.toByteArray(), StandardCharsets.ISO_8859_1))
                .doesNotContain("vault code").doesNotContain("0451"));
        altered.forEach(bob.chat()::onPacket);
        drain(bob.chat());
        assertThat(bob.events().messages).as("unsigned, altered or re-flagged copies").isEmpty();

        ChatPacket original = routed.stream().filter(p -> p.getPurpose() == ChatPurpose.CHAT_MESSAGE).findFirst().orElseThrow();
        superNode = UnaryOperator.identity();
        bob.chat().onPacket(original);
        bob.chat().onPacket(original); // replayed
        drain(bob.chat());
        assertThat(bob.events().messages).extracting(ChatMessage::text).containsExactly("the vault code is 0451");
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) { // the history at rest: owner-only
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("bob.db")))).isEqualTo("rw-------");
        }
    }

    @Test
    void messagesArrivingOutOfOrderAreHandedOutAndKeptInTheSendersOrder() throws Exception {
        User alice = user("alice", 1);
        User bob = user("bob", 2);
        befriend(alice, bob);
        List<ChatPacket> kept = new CopyOnWriteArrayList<>();
        superNode = p -> {
            if (p.getPurpose() == ChatPurpose.CHAT_MESSAGE) {
                kept.add(p);
                return null;
            }
            return p;
        };
        for (int i = 1; i <= 3; i++) {
            alice.chat().send("bob", "m" + i).get(5, TimeUnit.SECONDS);
        }
        await("three messages kept", () -> kept.size() == 3);
        List<ChatPacket> bySeq = new ArrayList<>(kept);
        bySeq.sort(Comparator.comparing(routed::indexOf));
        bob.chat().onPacket(bySeq.get(2));
        bob.chat().onPacket(bySeq.get(1));
        drain(bob.chat());
        assertThat(bob.events().messages).as("held until the gap is filled").isEmpty();
        bob.chat().onPacket(bySeq.get(0));
        await("all three", () -> bob.events().messages.size() == 3);
        assertThat(bob.events().messages).extracting(ChatMessage::text).containsExactly("m1", "m2", "m3");
        assertThat(bob.chat().history("alice", 10).get()).extracting(ChatMessage::text).containsExactly("m1", "m2", "m3");
    }

    @Test
    void aSenderRestartedBeforeTheReceiptResendsAndTheRecipientKeepsOneCopy() throws Exception {
        User alice = user("alice", 1);
        User bob = user("bob", 2);
        befriend(alice, bob);
        superNode = p -> p.getPurpose() == ChatPurpose.RECEIPT ? null : p; // receipts lost: alice never hears back
        ChatMessage m = alice.chat().send("bob", "once only").get(5, TimeUnit.SECONDS);
        await("bob has it", () -> bob.events().messages.size() == 1);
        await("alice's copy sent, not acknowledged", () -> status(alice, m.id()) == MessageStatus.SENT);
        alice.chat().close(); // the crash: the outbox (persisted) still holds the message

        superNode = UnaryOperator.identity();
        User alice2 = user("alice", 1); // the same database
        alice2.chat().joined(); // a join resends the outbox at once
        await("the receipt for the resent copy", () -> status(alice2, m.id()) == MessageStatus.DELIVERED);
        assertThat(alice2.chat().outboxSize().get()).isZero();
        assertThat(routed.stream().filter(p -> p.getPurpose() == ChatPurpose.CHAT_MESSAGE)).hasSize(2); // really sent twice
        drain(bob.chat());
        assertThat(bob.events().messages).extracting(ChatMessage::id).containsExactly(m.id());
        assertThat(bob.chat().history("alice", 10).get()).hasSize(1);
    }

    private static MessageStatus status(User u, String id) {
        try {
            return u.chat().history("bob", 10).get().stream().filter(x -> x.id().equals(id)).findFirst()
                    .map(ChatMessage::status).orElse(MessageStatus.QUEUED);
        } catch (Exception e) {
            return MessageStatus.QUEUED;
        }
    }

    @Test
    void forgedAndUnsignedContactRequestsAndMessagesAreDropped() throws Exception {
        User alice = user("alice", 1);
        User bob = user("bob", 2);
        Keys mallory = keys("mallory", 3);
        byte[] bobKey = Credentials.encryptionKey(bob.credential());
        ChatBody request = ChatBody.newBuilder().setContactRequest(ContactRequest.newBuilder().setText("it's me, alice")).build();
        ChatPacket forged = forge(request, "bob", mallory.key(), alice.credential(), bobKey, 1); // alice's credential, mallory's key
        ChatPacket unsigned = forge(request, "bob", alice.key(), alice.credential(), bobKey, 2).toBuilder().clearSignature().build();
        ChatPacket reassigned = forge(request, "bob", mallory.key(), mallory.credential(), bobKey, 3).toBuilder()
                .setFrom("alice").build(); // mallory's own packet relabelled
        for (ChatPacket p : List.of(forged, unsigned, reassigned)) {
            bob.chat().onPacket(p);
        }
        // An answer nobody asked for does not make mallory a contact; her messages then are dropped.
        bob.chat().onPacket(forge(ChatBody.newBuilder().setContactAnswer(ContactAnswer.newBuilder().setAccepted(true)).build(),
                "bob", mallory.key(), mallory.credential(), bobKey, 4));
        bob.chat().onPacket(forge(ChatBody.newBuilder().setMessage(TextMessage.newBuilder().setSeq(1).setText("click this")).build(),
                "bob", mallory.key(), mallory.credential(), bobKey, 5));
        drain(bob.chat());
        assertThat(bob.events().requests).isEmpty();
        assertThat(bob.events().messages).isEmpty();
        assertThat(bob.chat().contacts().get()).isEmpty();
        assertThat(bob.chat().inbound.dropped()).isEqualTo(3);
        assertThat(alice.events().requests).isEmpty();
    }

    @Test
    void aContactThatDoesNotAnswerARejoinsAnnouncementIsShownOffline() throws Exception {
        User alice = user("alice", 1);
        User bob = user("bob", 2);
        befriend(alice, bob);
        await("bob online at alice", () -> presenceOf(alice, "bob").status() == PresenceStatus.ONLINE);
        users.remove("bob"); // bob vanished while alice was away: his will never reached her
        superNode = p -> p.getFrom().equals("bob") ? null : p; // nor does anything he still had on its way
        long start = System.nanoTime();
        alice.chat().joined();
        await("bob offline at alice", () -> presenceOf(alice, "bob").status() == PresenceStatus.OFFLINE);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isGreaterThanOrEqualTo(PresenceBook.ANSWER_WAIT_MS - 50);

        users.put("bob", bob.chat()); // and one who answers stays online
        superNode = UnaryOperator.identity();
        alice.chat().joined();
        await("bob online again", () -> presenceOf(alice, "bob").status() == PresenceStatus.ONLINE);
    }

    private static Presence presenceOf(User u, String contact) {
        try {
            return u.chat().contacts().get(5, TimeUnit.SECONDS).stream().filter(c -> c.username().equals(contact))
                    .findFirst().map(Contact::presence).orElse(Presence.OFFLINE);
        } catch (Exception e) {
            return Presence.OFFLINE;
        }
    }

    @Test
    void contactRequestSpamIsBoundedAtTheRecipient() throws Exception {
        User bob = user("bob", 2);
        byte[] bobKey = Credentials.encryptionKey(bob.credential());
        Keys mallory = keys("mallory", 3);
        ChatBody request = ChatBody.newBuilder().setContactRequest(ContactRequest.newBuilder().setText("add me")).build();
        for (int i = 0; i < 5; i++) { // one sender, new message ids: one pending request
            bob.chat().onPacket(forge(request, "bob", mallory.key(), mallory.credential(), bobKey, 10 + i));
        }
        for (int i = 0; i < 30; i++) { // many senders: at most REQUESTS_PER_MINUTE a minute
            Keys k = keys("spam" + i, 200 + i);
            bob.chat().onPacket(forge(request, "bob", k.key(), k.credential(), bobKey, 50 + i));
        }
        drain(bob.chat());
        assertThat(bob.events().requests.stream().filter("mallory"::equals)).hasSize(1);
        assertThat(bob.events().requests).hasSize(ChatInbound.REQUESTS_PER_MINUTE);
    }
}
