package dev.parley.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.client.call.CallListener;
import dev.parley.client.call.IncomingCallPolicy;
import dev.parley.client.chat.ChatMessage;
import dev.parley.client.chat.Contact;
import dev.parley.client.chat.ContactState;
import dev.parley.client.chat.MessageStatus;
import dev.parley.client.chat.Presence;
import dev.parley.client.chat.PresenceStatus;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Contacts, presence and messages on the real overlay (login server, super nodes, clients on
 * 127.0.0.1, real sockets and crypto), c-toxcore style: each scenario drives real clients.
 */
class ChatScenarioTest {
    private static final IncomingCallPolicy DECLINE = (id, c) -> new IncomingCallPolicy.Decline("no");
    private static final Presence ONLINE = new Presence(PresenceStatus.ONLINE, "");

    @TempDir
    Path dir;

    private static ParleyClient start(TestOverlay overlay, String user, int superNode, ChatEvents events) throws Exception {
        ParleyClient c = overlay.client(user, superNode, DECLINE, CallListener.NONE);
        c.chat().addListener(events);
        return c;
    }

    private static <T> T get(CompletableFuture<T> f) throws Exception {
        return f.get(10, TimeUnit.SECONDS);
    }

    static Contact contact(ParleyClient c, String name) throws Exception {
        return get(c.chat().contacts()).stream().filter(x -> x.username().equals(name)).findFirst().orElseThrow();
    }

    /** a asks b, b accepts; both end up accepted and seeing each other online. */
    static void befriend(ParleyClient a, ChatEvents aEvents, ParleyClient b, ChatEvents bEvents) throws Exception {
        get(a.chat().requestContact(b.username(), "hi, it's " + a.username()));
        ChatEvents.await("the request at " + b.username(), 5_000,
                () -> bEvents.requests.contains(a.username() + ":hi, it's " + a.username()));
        get(b.chat().answerContact(a.username(), true));
        ChatEvents.await("the answer at " + a.username(), 5_000, () -> aEvents.answers.contains(b.username() + ":true"));
        ChatEvents.await("presence both ways", 5_000, () -> {
            try {
                return contact(a, b.username()).presence().equals(ONLINE) && contact(b, a.username()).presence().equals(ONLINE);
            } catch (Exception e) {
                return false;
            }
        });
    }

    @Test
    void contactRequestAcceptedAndPresencePushedWithinTwoSeconds() throws Exception {
        try (TestOverlay overlay = new TestOverlay(dir, 2)) {
            ChatEvents aliceEvents = new ChatEvents();
            ChatEvents bobEvents = new ChatEvents();
            ParleyClient alice = start(overlay, "alice", 0, aliceEvents);
            ParleyClient bob = start(overlay, "bob", 1, bobEvents);

            get(alice.chat().requestContact("bob", "hi, it's alice"));
            ChatEvents.await("bob gets the request", 5_000, () -> bobEvents.requests.contains("alice:hi, it's alice"));
            assertThat(contact(bob, "alice").state()).isEqualTo(ContactState.PENDING);
            assertThatThrownBy(() -> get(alice.chat().requestContact("bob", "again?")))
                    .hasRootCauseInstanceOf(IllegalStateException.class).hasMessageContaining("pending");
            get(bob.chat().answerContact("alice", true));
            ChatEvents.await("alice hears yes", 5_000, () -> aliceEvents.answers.contains("bob:true"));
            assertThat(contact(alice, "bob").state()).isEqualTo(ContactState.ACCEPTED);
            assertThat(bobEvents.requests).hasSize(1);

            long t0 = System.nanoTime();
            aliceEvents.awaitPresence("bob", ONLINE, t0 - TimeUnit.SECONDS.toNanos(30), 5_000);
            List<Long> latenciesMs = new ArrayList<>();
            for (Presence p : List.of(new Presence(PresenceStatus.AWAY, "lunch"), new Presence(PresenceStatus.BUSY, "in a meeting"),
                    Presence.OFFLINE, ONLINE)) {
                long start = System.nanoTime();
                get(bob.chat().setPresence(p.status() == PresenceStatus.OFFLINE ? PresenceStatus.INVISIBLE : p.status(), p.text()));
                long seen = aliceEvents.awaitPresence("bob", p, start, 2_000);
                latenciesMs.add(TimeUnit.NANOSECONDS.toMillis(seen - start));
            }
            System.out.println("presence push latencies (ms): " + latenciesMs);

            long closed = System.nanoTime();
            bob.close(); // the super node routes bob's will: alice sees him offline
            long seen = aliceEvents.awaitPresence("bob", Presence.OFFLINE, closed, 2_000);
            System.out.println("offline seen after (ms): " + TimeUnit.NANOSECONDS.toMillis(seen - closed));

            long back = System.nanoTime();
            ParleyClient bob2 = overlay.client("bob", 1, DECLINE, CallListener.NONE); // same data dir: same contacts
            aliceEvents.awaitPresence("bob", ONLINE, back, 5_000);
            ChatEvents.await("bob learns alice's presence on login", 5_000,
                    () -> {
                        try {
                            return contact(bob2, "alice").presence().equals(ONLINE);
                        } catch (Exception e) {
                            return false;
                        }
                    });
        }
    }

    @Test
    void aDeclinedRequestAndItsRepeatAreStopped() throws Exception {
        try (TestOverlay overlay = new TestOverlay(dir, 1)) {
            ChatEvents carolEvents = new ChatEvents();
            ChatEvents daveEvents = new ChatEvents();
            ParleyClient carol = start(overlay, "carol", 0, carolEvents);
            ParleyClient dave = start(overlay, "dave", 0, daveEvents);
            get(carol.chat().requestContact("dave", "let me in"));
            ChatEvents.await("dave gets the request", 5_000, () -> daveEvents.requests.size() == 1);
            get(dave.chat().answerContact("carol", false));
            ChatEvents.await("carol hears no", 5_000, () -> carolEvents.answers.contains("dave:false"));
            assertThat(contact(carol, "dave").state()).isEqualTo(ContactState.DECLINED_BY_THEM);
            assertThat(contact(dave, "carol").state()).isEqualTo(ContactState.DECLINED);

            // Carol asks again at once: her super node refuses a second request for the pair (10 min),
            // and dave's client would drop it anyway (declined before). Dave hears nothing more.
            get(carol.chat().requestContact("dave", "please?"));
            ChatEvents.await("carol's repeat in her outbox", 5_000, () -> outbox(carol) == 1);
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1_500);
            while (System.nanoTime() < until) { // sent at once and refused: still there after the first tries
                assertThat(outbox(carol)).as("refused by carol's super node (one request per pair)").isEqualTo(1);
                TimeUnit.MILLISECONDS.sleep(50); // polling a state that must hold
            }
            assertThatThrownBy(() -> get(dave.chat().send("carol", "hi"))).hasRootCauseInstanceOf(IllegalStateException.class);
            assertThat(daveEvents.requests).hasSize(1);
        }
    }

    static List<ChatMessage> history(ParleyClient c, String peer) {
        try {
            return get(c.chat().history(peer, 1_000));
        } catch (Exception e) {
            return List.of();
        }
    }

    static int outbox(ParleyClient c) {
        try {
            return get(c.chat().outboxSize());
        } catch (Exception e) {
            return -1;
        }
    }

    @Test
    void messagesArriveInOrderWithDeliveryAndReadReceipts() throws Exception {
        try (TestOverlay overlay = new TestOverlay(dir, 2)) {
            ChatEvents aliceEvents = new ChatEvents();
            ChatEvents bobEvents = new ChatEvents();
            ParleyClient alice = start(overlay, "alice", 0, aliceEvents);
            ParleyClient bob = start(overlay, "bob", 1, bobEvents);
            befriend(alice, aliceEvents, bob, bobEvents);

            List<CompletableFuture<ChatMessage>> sent = new ArrayList<>();
            for (int i = 1; i <= 20; i++) {
                sent.add(alice.chat().send("bob", "message " + i));
            }
            List<String> ids = new ArrayList<>();
            for (CompletableFuture<ChatMessage> f : sent) {
                ids.add(get(f).id());
            }
            ChatEvents.await("20 messages at bob", 5_000, () -> bobEvents.messages.size() >= 20);
            assertThat(bobEvents.messages).extracting(ChatMessage::text)
                    .containsExactlyElementsOf(IntStream.rangeClosed(1, 20).mapToObj(i -> "message " + i).toList());
            assertThat(bobEvents.messages).extracting(ChatMessage::seq).isSorted().doesNotHaveDuplicates();
            ChatEvents.await("delivery receipts", 5_000, () -> aliceEvents.receipts.stream()
                    .filter(r -> r.status() == MessageStatus.DELIVERED).count() == 20);
            ChatEvents.await("alice's outbox empties", 5_000, () -> outbox(alice) == 0);

            get(bob.chat().markRead("alice"));
            ChatEvents.await("read receipts", 5_000, () -> aliceEvents.receipts.stream()
                    .filter(r -> r.status() == MessageStatus.READ).count() == 20);
            assertThat(get(alice.chat().history("bob", 100))).extracting(ChatMessage::status).containsOnly(MessageStatus.READ);
            assertThat(get(bob.chat().history("alice", 100))).extracting(ChatMessage::id).containsExactlyElementsOf(ids);
        }
    }

    @Test
    void anOfflineMessageWaitsOnReplicasThatSurviveOneSuperNodeAndTheSendersDeparture() throws Exception {
        try (TestOverlay overlay = new TestOverlay(dir, 3)) {
            ChatEvents aliceEvents = new ChatEvents();
            ChatEvents bobEvents = new ChatEvents();
            ParleyClient alice = start(overlay, "alice", 0, aliceEvents);
            ParleyClient bob = start(overlay, "bob", 1, bobEvents);
            befriend(alice, aliceEvents, bob, bobEvents);
            bob.close();
            aliceEvents.awaitPresence("bob", Presence.OFFLINE, 0, 5_000);

            for (int i = 1; i <= 3; i++) {
                get(alice.chat().send("bob", "while you were out " + i));
            }
            ChatEvents.await("kept by the mailbox replicas", 10_000, () -> {
                try {
                    return get(alice.chat().history("bob", 10)).stream().allMatch(m -> m.status() == MessageStatus.SENT);
                } catch (Exception e) {
                    return false;
                }
            });
            alice.close(); // the sender is gone
            int[] kept = overlay.superNodes.stream().mapToInt(sn -> sn.mailboxPackets()).toArray();
            System.out.println("mailbox packets per super node: " + Arrays.toString(kept));
            overlay.superNodes.get(2).close(); // a storing super node dies in between

            long login = System.nanoTime();
            ParleyClient bob2 = overlay.client("bob", 1, DECLINE, CallListener.NONE); // fetches its mailbox as it joins
            ChatEvents.await("the stored messages", 10_000, () -> history(bob2, "alice").size() >= 3);
            System.out.println("offline delivery after login (ms): " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - login));
            assertThat(get(bob2.chat().history("alice", 10))).extracting(ChatMessage::text)
                    .containsExactly("while you were out 1", "while you were out 2", "while you were out 3");
            ChatEvents.await("delivered packets deleted from the surviving replicas", 10_000,
                    () -> overlay.superNodes.get(0).mailboxPackets() == 0 && overlay.superNodes.get(1).mailboxPackets() == 0);
        }
    }

    @Test
    void aSenderThatCrashesMidSendRetriesFromItsOutboxWithoutDuplicates() throws Exception {
        try (TestOverlay overlay = new TestOverlay(dir, 2)) {
            ChatEvents aliceEvents = new ChatEvents();
            ChatEvents bobEvents = new ChatEvents();
            ParleyClient alice = start(overlay, "alice", 0, aliceEvents);
            ParleyClient bob = start(overlay, "bob", 1, bobEvents);
            befriend(alice, aliceEvents, bob, bobEvents);

            ChatMessage m = get(alice.chat().send("bob", "did this arrive?"));
            alice.close(); // at once: the message may or may not have left, its receipt has not come back
            ChatEvents aliceAgain = new ChatEvents();
            ParleyClient alice2 = start(overlay, "alice", 0, aliceAgain);
            ChatEvents.await("the receipt after the restart", 10_000, () -> {
                try {
                    return get(alice2.chat().history("bob", 10)).stream().anyMatch(x -> x.id().equals(m.id())
                            && x.status() == MessageStatus.DELIVERED) && outbox(alice2) == 0;
                } catch (Exception e) {
                    return false;
                }
            });
            assertThat(bobEvents.messages).extracting(ChatMessage::id).containsExactly(m.id());
            assertThat(get(bob.chat().history("alice", 10))).hasSize(1);
        }
    }

    @Test
    void aStoreFloodFromOneSenderIsBoundedOnEveryReplica() throws Exception {
        try (TestOverlay overlay = new TestOverlay(dir, 2)) {
            ChatEvents aliceEvents = new ChatEvents();
            ChatEvents bobEvents = new ChatEvents();
            ParleyClient alice = start(overlay, "alice", 0, aliceEvents);
            ParleyClient bob = start(overlay, "bob", 1, bobEvents);
            befriend(alice, aliceEvents, bob, bobEvents);
            bob.close();
            aliceEvents.awaitPresence("bob", Presence.OFFLINE, 0, 5_000);
            for (int i = 0; i < 205; i++) {
                alice.chat().send("bob", "flood " + i);
            }
            ChatEvents.await("200 kept, 5 refused and queued", 30_000, () -> {
                try {
                    List<ChatMessage> h = get(alice.chat().history("bob", 300));
                    return h.stream().filter(x -> x.status() == MessageStatus.SENT).count() == 200
                            && h.stream().filter(x -> x.status() == MessageStatus.QUEUED).count() == 5;
                } catch (Exception e) {
                    return false;
                }
            });
            assertThat(overlay.superNodes).allSatisfy(sn -> assertThat(sn.mailboxPackets()).isEqualTo(200));

            long login = System.nanoTime(); // bob reads them all, page after page, and the replicas empty
            ParleyClient bob2 = overlay.client("bob", 1, DECLINE, CallListener.NONE);
            ChatEvents.await("200 stored messages at bob", 20_000, () -> history(bob2, "alice").size() >= 200
                    && overlay.superNodes.stream().allMatch(sn -> sn.mailboxPackets() == 0));
            System.out.println("200 stored messages read after login (ms): "
                    + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - login));
        }
    }

}
