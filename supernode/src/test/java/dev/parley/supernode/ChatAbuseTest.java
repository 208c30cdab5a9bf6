package dev.parley.supernode;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.parley.protocol.ChatSeals;
import dev.parley.protocol.Credentials;
import dev.parley.protocol.Ed25519KeyPair;
import dev.parley.protocol.MailboxAcks;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.X25519KeyPair;
import dev.parley.protocol.wire.ChatBody;
import dev.parley.protocol.wire.ChatPacket;
import dev.parley.protocol.wire.ChatPurpose;
import dev.parley.protocol.wire.ContactRequest;
import dev.parley.protocol.wire.Credential;
import dev.parley.protocol.wire.Envelope;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.MailboxAck;
import dev.parley.protocol.wire.MailboxFetch;
import dev.parley.protocol.wire.MailboxStore;
import dev.parley.protocol.wire.TextMessage;
import dev.parley.supernode.store.Mailboxes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jspecify.annotations.Nullable;

/**
 * Chat requests against a real 3-node cluster on loopback, from hostile clients: nothing before
 * registration, nothing in another user's name, nothing forged kept in a mailbox, contact requests
 * limited per pair and per session, mailboxes deleted only by their owner. The cluster's clock
 * stands still, so buckets never refill.
 */
class ChatAbuseTest {
    @TempDir
    Path dir;
    @AutoClose
    private Cluster cluster;
    private int nextId;

    private Credential credential(String user) {
        Ed25519KeyPair key = TestKeys.userKey(user);
        return Credentials.issue(TestKeys.key(1), user, key.publicKey(),
                X25519KeyPair.derive(key, Credentials.ENCRYPTION_KEY_LABEL).publicKey(), cluster.clock.instant(), Duration.ofHours(1));
    }

    private TestClient signIn(int node, String user) throws Exception {
        TestClient c = cluster.connect(node);
        assertThat(TestClient.await(c.register(credential(user), TestKeys.userKey(user))).hasRegistered()).isTrue();
        return c;
    }

    private ChatPacket packet(String from, String to, ChatBody.Builder body) {
        byte[] id = new byte[16];
        id[0] = (byte) ++nextId;
        ChatBody b = body.setSentAtMs(cluster.clock.millis()).build();
        byte[] toKey = X25519KeyPair.derive(TestKeys.userKey(to), Credentials.ENCRYPTION_KEY_LABEL).publicKey();
        return ChatSeals.seal(b, to, id, ChatSeals.purposeOf(b), true, toKey, TestKeys.userKey(from), credential(from));
    }

    private ChatPacket request(String from, String to) {
        return packet(from, to, ChatBody.newBuilder().setContactRequest(ContactRequest.newBuilder().setText("hi")));
    }

    private static Envelope.Builder send(ChatPacket p) {
        return Envelope.newBuilder().setChatPacket(p);
    }

    private static ErrorCode refusal(TestClient c, Envelope.Builder request) throws Exception {
        return TestClient.failure(c.request(request)).code();
    }

    @Test
    void unregisteredSpoofedOrForgedPacketsAreRefused() throws Exception {
        cluster = new Cluster(3, dir, List.of());
        cluster.awaitDirectory(List.of());
        TestClient stranger = cluster.connect(0);
        assertThat(refusal(stranger, send(request("eve", "vic")))).isEqualTo(ErrorCode.NOT_REGISTERED);
        TestClient eve = signIn(0, "eve");
        assertThat(refusal(eve, send(request("alice", "vic")))).as("in alice's name").isEqualTo(ErrorCode.BAD_REQUEST);
        ChatPacket p = request("eve", "vic");
        byte[] box = p.getSealed().toByteArray();
        box[box.length - 1] ^= 1;
        assertThat(refusal(eve, send(p.toBuilder().setSealed(ByteString.copyFrom(box)).build())))
                .isEqualTo(ErrorCode.INVALID_CREDENTIAL);
        assertThat(refusal(eve, send(p.toBuilder().clearSignature().build()))).isEqualTo(ErrorCode.INVALID_CREDENTIAL);
        assertThat(refusal(eve, Envelope.newBuilder().setMailboxStore(MailboxStore.newBuilder().setPacket(p))))
                .as("a peer request on a client session").isEqualTo(ErrorCode.BAD_REQUEST);
        assertThat(cluster.node(0).mailboxPackets() + cluster.node(1).mailboxPackets() + cluster.node(2).mailboxPackets()).isZero();
    }

    @Test
    void mailboxFetchFloodsAreRateLimited() throws Exception {
        cluster = new Cluster(3, dir, List.of());
        cluster.awaitDirectory(List.of());
        TestClient eve = signIn(0, "eve");
        List<ErrorCode> outcomes = new ArrayList<>();
        for (int i = 0; i < ClientChat.MAILBOX_REQUEST_BURST + 5; i++) {
            outcomes.add(outcome(eve, Envelope.newBuilder().setMailboxFetch(MailboxFetch.getDefaultInstance())));
        }
        assertThat(outcomes.subList(0, ClientChat.MAILBOX_REQUEST_BURST)).containsOnlyNulls();
        assertThat(outcomes.subList(ClientChat.MAILBOX_REQUEST_BURST, outcomes.size())).containsOnly(ErrorCode.RATE_LIMITED);
    }

    @Test
    void contactRequestsAreLimitedPerPairAndPerSession() throws Exception {
        cluster = new Cluster(3, dir, List.of());
        cluster.awaitDirectory(List.of());
        TestClient vic = signIn(1, "vic");
        TestClient eve = signIn(0, "eve");
        ChatPacket first = request("eve", "vic");
        TestClient.await(eve.request(send(first)));
        assertThat(vic.nextPush().getChatPacket()).isEqualTo(first);
        TestClient.await(eve.request(send(first))); // her own retry (same message id) passes
        byte[] otherDevice = new byte[32];
        otherDevice[0] = 7;
        ChatPacket copy = ChatSeals.seal(ChatBody.newBuilder().setSentAtMs(cluster.clock.millis())
                .setContactRequest(ContactRequest.newBuilder().setText("hi")).build(), "vic", first.getMessageId().toByteArray(),
                ChatPurpose.CONTACT_REQUEST, true, X25519KeyPair.derive(TestKeys.userKey("vic"), Credentials.ENCRYPTION_KEY_LABEL)
                        .publicKey(), otherDevice, TestKeys.userKey("eve"), credential("eve"));
        TestClient.await(eve.request(send(copy))); // the same request for another device of vic's: no token more
        assertThat(refusal(eve, send(request("eve", "vic")))).as("a second request for the pair").isEqualTo(ErrorCode.RATE_LIMITED);
        List<ErrorCode> outcomes = new ArrayList<>();
        for (int i = 0; i < 12; i++) { // to users nobody has: kept in their mailboxes while the bucket lasts
            outcomes.add(outcome(eve, send(request("eve", "stranger" + i))));
        }
        int left = ChatLimits.DEFAULTS.requestBurst() - 3; // the first, its retry and the refused second took one each
        assertThat(outcomes.subList(0, left)).containsOnlyNulls();
        assertThat(outcomes.subList(left, outcomes.size())).containsOnly(ErrorCode.RATE_LIMITED);
    }

    @Test
    void aRecipientsIncomingContactRequestsAreLimitedAtItsSuperNode() throws Exception {
        cluster = new Cluster(3, dir, List.of());
        cluster.awaitDirectory(List.of());
        TestClient vic = signIn(1, "vic");
        int limit = ChatLimits.DEFAULTS.incomingRequestsPerMinute();
        List<ErrorCode> outcomes = new ArrayList<>();
        for (int i = 0; i <= limit; i++) { // one request each from many accounts, on vic's super node and another
            String fan = "fan" + i;
            outcomes.add(outcome(signIn(i % 2, fan), send(request(fan, "vic"))));
        }
        assertThat(outcomes.subList(0, limit)).containsOnlyNulls();
        assertThat(outcomes.get(limit)).isEqualTo(ErrorCode.RATE_LIMITED);
        for (int i = 0; i < limit; i++) {
            assertThat(vic.nextPush().hasChatPacket()).isTrue();
        }
    }

    @Test
    void anOfflineUsersMailboxIsKeptAndDeletedOnlyByItsOwner() throws Exception {
        cluster = new Cluster(3, dir, List.of());
        cluster.awaitDirectory(List.of());
        cluster.meshRound();
        TestClient eve = signIn(0, "eve");
        ChatPacket m = packet("eve", "olga", ChatBody.newBuilder().setMessage(TextMessage.newBuilder().setSeq(1).setText("hi")));
        TestClient.await(eve.request(send(m)));
        for (int i = 0; i < 3; i++) {
            assertThat(cluster.node(i).mailboxPackets()).as("replica %d", i).isEqualTo(1);
        }
        List<ByteString> ids = List.of(m.getMessageId());
        MailboxAck eveAck = MailboxAcks.sign(credential("eve"), TestKeys.userKey("eve"), ids, cluster.clock.millis());
        assertThat(outcome(eve, Envelope.newBuilder().setMailboxAck(eveAck))).as("eve's ack deletes from her own box only").isNull();
        MailboxAck forged = MailboxAcks.sign(credential("olga"), TestKeys.userKey("eve"), ids, cluster.clock.millis());
        assertThat(refusal(eve, Envelope.newBuilder().setMailboxAck(forged))).isEqualTo(ErrorCode.INVALID_CREDENTIAL);
        assertThat(cluster.node(1).mailboxPackets()).isEqualTo(1);

        TestClient olga = signIn(2, "olga");
        Envelope page = TestClient.await(olga.request(Envelope.newBuilder().setMailboxFetch(MailboxFetch.getDefaultInstance())));
        assertThat(page.getMailboxContents().getPacketsList()).containsExactly(m);
        TestClient.await(olga.request(Envelope.newBuilder().setMailboxAck(
                MailboxAcks.sign(credential("olga"), TestKeys.userKey("olga"), ids, cluster.clock.millis()))));
        for (int i = 0; i < 3; i++) {
            assertThat(cluster.node(i).mailboxPackets()).as("replica %d after the ack", i).isZero();
        }
    }

    /**
     * Attack: one message "fanned out" to many made-up devices of an offline user, to multiply what
     * a message costs on every replica: at most 8 copies of one message id are kept (the most devices
     * an account has). The real device fetches only its own copy and its ack deletes only that one.
     */
    @Test
    void aFanOutIsKeptForAtMostEightDevicesAndEachDeviceFetchesAndDeletesItsOwnCopy() throws Exception {
        cluster = new Cluster(3, dir, List.of());
        cluster.awaitDirectory(List.of());
        cluster.meshRound();
        TestClient eve = signIn(0, "eve");
        ChatBody body = ChatBody.newBuilder().setSentAtMs(cluster.clock.millis())
                .setMessage(TextMessage.newBuilder().setSeq(1).setText("hi, every one of you")).build();
        byte[] id = new byte[16];
        id[0] = (byte) 0x77;
        byte[] olgaKey = X25519KeyPair.derive(TestKeys.userKey("olga"), Credentials.ENCRYPTION_KEY_LABEL).publicKey();
        List<ErrorCode> outcomes = new ArrayList<>();
        ChatPacket forOlgasDevice = null;
        for (int d = 0; d <= Mailboxes.MAX_COPIES; d++) {
            byte[] device = d == 0 ? TestKeys.userKey("olga").publicKey() : new byte[32];
            device[31] ^= (byte) d;
            ChatPacket copy = ChatSeals.seal(body, "olga", id, ChatPurpose.CHAT_MESSAGE, true, olgaKey, device,
                    TestKeys.userKey("eve"), credential("eve"));
            forOlgasDevice = d == 0 ? copy : forOlgasDevice;
            outcomes.add(outcome(eve, send(copy)));
        }
        assertThat(outcomes.subList(0, Mailboxes.MAX_COPIES)).containsOnlyNulls();
        assertThat(outcomes.getLast()).as("a ninth device's copy").isEqualTo(ErrorCode.MAILBOX_FULL);
        for (int i = 0; i < 3; i++) {
            assertThat(cluster.node(i).mailboxPackets()).as("replica %d", i).isEqualTo(Mailboxes.MAX_COPIES);
        }

        TestClient olga = signIn(2, "olga");
        Envelope page = TestClient.await(olga.request(Envelope.newBuilder().setMailboxFetch(MailboxFetch.getDefaultInstance())));
        assertThat(page.getMailboxContents().getPacketsList()).as("only the copy sealed to this device").containsExactly(forOlgasDevice);
        TestClient.await(olga.request(Envelope.newBuilder().setMailboxAck(
                MailboxAcks.sign(credential("olga"), TestKeys.userKey("olga"), List.of(ByteString.copyFrom(id)), cluster.clock.millis()))));
        for (int i = 0; i < 3; i++) {
            assertThat(cluster.node(i).mailboxPackets()).as("replica %d: the other devices' copies stay", i)
                    .isEqualTo(Mailboxes.MAX_COPIES - 1);
        }
    }

    /** @return the error code a request failed with, none if it succeeded */
    private static @Nullable ErrorCode outcome(TestClient c, Envelope.Builder request) throws Exception {
        try {
            TestClient.await(c.request(request));
            return null;
        } catch (ExecutionException e) {
            return ((ProtocolException) e.getCause()).code();
        }
    }
}
