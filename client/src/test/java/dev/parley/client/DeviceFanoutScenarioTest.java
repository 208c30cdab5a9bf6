package dev.parley.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.client.call.CallKeys;
import dev.parley.client.call.CallListener;
import dev.parley.client.call.IncomingCallPolicy;
import dev.parley.client.chat.ChatMessage;
import dev.parley.client.chat.ContactState;
import dev.parley.client.chat.MessageStatus;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Messages to an account with several devices, on the real overlay (login server, two super
 * nodes, clients on 127.0.0.1; docs/protocol.md "Several devices"): bob on his phone, laptop and
 * tablet, alice on her desktop and laptop. A message reaches every device of bob's (the offline
 * one from its mailbox, nothing twice) and shows in the history of alice's other device; a read
 * on one of bob's devices is a read on the others; bob's new device is announced, not warned.
 */
class DeviceFanoutScenarioTest {
    private static final IncomingCallPolicy DECLINE = (id, c) -> new IncomingCallPolicy.Decline("no");

    @TempDir
    Path dir;

    private static <T> T get(CompletableFuture<T> f) throws Exception {
        return f.get(10, TimeUnit.SECONDS);
    }

    private static ParleyClient listen(ParleyClient c, ChatEvents events) {
        c.chat().addListener(events);
        return c;
    }

    private static boolean accepted(ParleyClient c, String name) {
        try {
            return ChatScenarioTest.contact(c, name).state() == ContactState.ACCEPTED;
        } catch (Exception | AssertionError e) {
            return false;
        }
    }

    private static int devices(ParleyClient c, String name) {
        return c.chat().devices(name).join().size();
    }

    private static List<String> texts(ParleyClient c, String peer) throws Exception {
        return get(c.chat().history(peer, 50)).stream().map(ChatMessage::text).toList();
    }

    @Test
    void aMessageReachesEveryDeviceOfTheRecipientAndTheSendersOtherDevices() throws Exception {
        try (TestOverlay overlay = new TestOverlay(dir, 2)) {
            ChatEvents aliceEvents = new ChatEvents();
            ChatEvents phoneEvents = new ChatEvents();
            ChatEvents laptopEvents = new ChatEvents();
            ChatEvents tabletEvents = new ChatEvents();
            ChatEvents aliceLaptopEvents = new ChatEvents();
            ParleyClient alice = listen(overlay.client("alice", 0, DECLINE, CallListener.NONE), aliceEvents);
            ParleyClient phone = listen(overlay.client("bob", 1, DECLINE, CallListener.NONE), phoneEvents);
            ParleyClient laptop = listen(DevicesScenarioTest.secondDevice(overlay, dir, "bob", "laptop", 1, DECLINE,
                    CallListener.NONE), laptopEvents);
            ChatEvents.await("bob's devices know each other", 10_000, () -> devices(phone, "bob") == 1 && devices(laptop, "bob") == 1);

            // alice's request reaches both of bob's devices; accepted on the laptop, the phone takes the contact too
            get(alice.chat().requestContact("bob", "hi, it's alice"));
            ChatEvents.await("the request on both devices", 5_000, () -> phoneEvents.requests.contains("alice:hi, it's alice")
                    && laptopEvents.requests.contains("alice:hi, it's alice"));
            get(laptop.chat().answerContact("alice", true));
            ChatEvents.await("the contact on every device", 10_000, () -> accepted(alice, "bob") && accepted(phone, "alice"));

            // a third device of bob and a second of alice: their siblings sync their contacts to them
            ParleyClient tablet = listen(DevicesScenarioTest.secondDevice(overlay, dir, "bob", "tablet", 1, DECLINE,
                    CallListener.NONE), tabletEvents);
            ParleyClient aliceLaptop = listen(DevicesScenarioTest.secondDevice(overlay, dir, "alice", "laptop", 0, DECLINE,
                    CallListener.NONE), aliceLaptopEvents);
            ChatEvents.await("the new devices know the contact and each other's devices", 20_000,
                    () -> accepted(tablet, "alice") && accepted(aliceLaptop, "bob") && devices(alice, "bob") == 3
                            && devices(aliceLaptop, "bob") == 3 && devices(alice, "alice") == 1);
            String tabletKey = CallKeys.fingerprint(tablet.credential().getPublicKey().toByteArray());
            assertThat(aliceEvents.keyChanges).as("a new device of a known contact is announced").contains("bob " + tabletKey);

            tablet.close(); // the tablet goes offline
            ChatEvents.await("the tablet gone", 10_000, () -> phone.devices().join().size() == 2);
            long sentNanos = System.nanoTime();
            ChatMessage sent = get(alice.chat().send("bob", "hello, all of you"));
            ChatEvents.await("the message on the phone and the laptop", 10_000,
                    () -> !phoneEvents.messages.isEmpty() && !laptopEvents.messages.isEmpty());
            System.out.printf("on both online devices %.1f ms after sending%n", (System.nanoTime() - sentNanos) / 1e6);
            ChatEvents.await("on alice's laptop, as sent", 10_000, () -> !aliceLaptopEvents.messages.isEmpty());
            ChatMessage synced = aliceLaptopEvents.messages.getFirst();
            assertThat(synced.id()).isEqualTo(sent.id());
            assertThat(synced.outgoing()).isTrue();
            assertThat(texts(aliceLaptop, "bob")).containsExactly("hello, all of you");
            ChatEvents.await("delivered, on both of alice's devices", 10_000, () -> {
                try {
                    return get(aliceLaptop.chat().history("bob", 1)).getFirst().status() == MessageStatus.DELIVERED
                            && get(alice.chat().history("bob", 1)).getFirst().status() == MessageStatus.DELIVERED;
                } catch (Exception e) {
                    return false;
                }
            });
            ChatEvents.await("the tablet's copy kept in the mailboxes", 10_000,
                    () -> overlay.superNodes.stream().mapToInt(sn -> sn.mailboxPackets()).sum() > 0);

            // the tablet comes back (same data dir): its copy comes from the mailbox; nobody gets it twice
            long loginNanos = System.nanoTime();
            ParleyClient tablet2 = DevicesScenarioTest.secondDevice(overlay, dir, "bob", "tablet", 1, DECLINE, CallListener.NONE);
            // its history, not its listener: the fetch may be done before a listener can be added
            ChatEvents.await("the stored copy on the tablet", 10_000, () -> {
                try {
                    return !texts(tablet2, "alice").isEmpty();
                } catch (Exception e) {
                    return false;
                }
            });
            System.out.printf("the offline device had it %.1f ms after it started signing in%n", (System.nanoTime() - loginNanos) / 1e6);
            assertThat(texts(tablet2, "alice")).containsExactly("hello, all of you");
            ChatEvents.await("every mailbox copy deleted", 10_000,
                    () -> overlay.superNodes.stream().mapToInt(sn -> sn.mailboxPackets()).sum() == 0);
            assertThat(phoneEvents.messages).hasSize(1);
            assertThat(laptopEvents.messages).hasSize(1);
            assertThat(texts(phone, "alice")).containsExactly("hello, all of you");
            assertThat(texts(laptop, "alice")).containsExactly("hello, all of you");

            // read on the laptop: read on the phone and the tablet, and at alice's
            get(laptop.chat().markRead("alice"));
            ChatEvents.await("read everywhere", 10_000, () -> {
                try {
                    return get(phone.chat().history("alice", 1)).getFirst().status() == MessageStatus.READ
                            && get(tablet2.chat().history("alice", 1)).getFirst().status() == MessageStatus.READ
                            && get(alice.chat().history("bob", 1)).getFirst().status() == MessageStatus.READ;
                } catch (Exception e) {
                    return false;
                }
            });
            assertThat(get(alice.chat().outboxSize())).isZero();
        }
    }
}
