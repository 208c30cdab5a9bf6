package dev.parley.client.chat;

import com.google.protobuf.ByteString;
import dev.parley.client.call.CallKeys;
import dev.parley.protocol.ChatSeals;
import dev.parley.protocol.Futures;
import dev.parley.protocol.MailboxAcks;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.RateBucket;
import dev.parley.protocol.wire.ChatBody;
import dev.parley.protocol.wire.ChatPacket;
import dev.parley.protocol.wire.ContactAnswer;
import dev.parley.protocol.wire.Credential;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.MailboxContents;
import dev.parley.protocol.wire.ReceiptKind;
import dev.parley.protocol.wire.TextMessage;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Incoming chat packets, pushed or fetched from the mailbox: verified and opened
 * ({@link ChatSeals#open}: login server's credential, the sender's signature, our key), deduplicated
 * by message id, then handled by kind. Contact requests are spam-bounded (one pending per sender,
 * at most {@value #MAX_PENDING} pending, {@value #REQUESTS_PER_MINUTE} a minute pushed); presence and
 * messages are accepted from accepted contacts only. Messages are stored at once and handed to
 * listeners in each sender's order (a gap is waited for up to {@value #HOLD_MS} ms).
 *
 * <p>Chat thread only.
 */
final class ChatInbound {
    private static final Logger log = LoggerFactory.getLogger(ChatInbound.class);
    static final int MAX_PENDING = 100;
    static final int REQUESTS_PER_MINUTE = 10;
    static final long HOLD_MS = 2_000;
    /** Mailbox pages fetched per join at most (each ≤ 48 KiB). */
    static final int MAX_FETCH_ROUNDS = 50;
    /** Delay before fetching again when the super node said "too many mailbox requests", ms. */
    static final long FETCH_RETRY_MS = 1_000;

    private final ChatService chat;
    private final SiblingInbound siblings;
    private final RateBucket requests;
    private final Map<String, Long> expected = new HashMap<>(); // next sequence number per sender
    private final Map<String, TreeMap<Long, Held>> held = new HashMap<>();
    private long dropped;
    /** While a mailbox page is handled: its delivery receipts, per sender (else none). */
    private @Nullable Map<String, PageReceipts> pageReceipts;

    private record Held(ChatMessage message, long sinceMs) {}

    ChatInbound(ChatService chat) {
        this.chat = chat;
        this.siblings = new SiblingInbound(chat, this);
        this.requests = new RateBucket(REQUESTS_PER_MINUTE / 60.0, REQUESTS_PER_MINUTE, chat.clock.millis());
    }

    /** Handles one packet; failures are dropped and logged, never thrown. */
    void receive(ChatPacket packet, boolean fromMailbox) {
        ChatBody body;
        try {
            body = ChatSeals.open(packet, chat.serverKey, chat.username(), chat.encryption, chat.clock.instant());
        } catch (ProtocolException e) {
            dropped++;
            log.warn("chat packet from '{}' dropped: {}", packet.getFrom(), e.getMessage());
            return;
        }
        String from = packet.getFrom();
        Credential credential = packet.getSenderCredential();
        String id = ChatService.HEX.formatHex(packet.getMessageId().toByteArray());
        try {
            if (!chat.store.markSeen(id, chat.clock.millis())) {
                if (body.hasMessage()) { // resent: our receipt was lost
                    deliveredReceipt(from, credential, packet.getMessageId());
                }
                return;
            }
            if (from.equals(chat.username())) { // another device of this account
                siblings.receive(credential, id, body);
                return;
            }
            Optional<ChatStore.StoredContact> contact = chat.store.contact(from);
            ContactState state = contact.map(ChatStore.StoredContact::state).orElse(null);
            if (state != null) { // strangers' keys are pinned only once their request is admitted: no flood evicts a contact's pin
                pin(from, credential);
            }
            switch (body.getKindCase()) {
                case CONTACT_REQUEST -> request(from, credential, state, body.getContactRequest().getText(), fromMailbox);
                case CONTACT_ANSWER -> answer(from, credential, state, body.getContactAnswer().getAccepted());
                case PRESENCE -> {
                    if (state == ContactState.ACCEPTED) {
                        chat.presence.received(from, credential, body.getPresence());
                    }
                }
                case MESSAGE -> {
                    if (state == ContactState.ACCEPTED) {
                        message(from, credential, id, body);
                    } else {
                        log.info("message from '{}', who is not a contact, dropped", from);
                    }
                }
                case RECEIPT -> receipt(from, credential, body);
                case DEVICE_SYNC, KIND_NOT_SET -> { } // a sync from another user: ChatSeals refuses it already
            }
        } catch (SQLException e) {
            log.warn("chat packet from '{}': {}", from, e.getMessage());
        }
    }

    /**
     * Remembers the sender's device: its key (shared with calls; a key none of the contact's known
     * devices has is announced as a new device) and its credential (packets to the contact are
     * sealed to each of its devices).
     */
    void pin(String from, Credential credential) throws SQLException {
        byte[] key = credential.getPublicKey().toByteArray();
        if (!chat.keys.knows(from, key)) {
            if (!chat.keys.devices(from).isEmpty()) {
                String fingerprint = CallKeys.fingerprint(key);
                log.info("{} has a new device (key {})", from, fingerprint); // the listeners say it loudly
                chat.listeners.forEach(l -> l.onContactNewDevice(from, fingerprint));
            }
            chat.keys.remember(from, key);
        }
        chat.store.devices.learn(from, credential, chat.clock.millis());
    }

    private void request(String from, Credential credential, @Nullable ContactState state, String text, boolean fromMailbox)
            throws SQLException {
        long now = chat.clock.millis();
        if (state == ContactState.ACCEPTED) { // they lost their list: answer again
            chat.store.putContact(from, ContactState.ACCEPTED, text, credential, now);
            chat.enqueue(from, credential, ChatBody.newBuilder().setContactAnswer(
                    ContactAnswer.newBuilder().setAccepted(true)), false, null);
            return;
        }
        if (state == ContactState.REQUESTED) { // both asked: that is a yes from both
            chat.store.putContact(from, ContactState.ACCEPTED, text, credential, now);
            chat.enqueue(from, credential, ChatBody.newBuilder().setContactAnswer(
                    ContactAnswer.newBuilder().setAccepted(true)), false, null);
            chat.listeners.forEach(l -> l.onContactAnswered(from, true));
            chat.presence.contactAdded(from, credential);
            chat.fanout.syncContact(from);
            return;
        }
        if (state == ContactState.PENDING || state == ContactState.DECLINED) {
            log.info("contact request from '{}' dropped: {}", from, state == ContactState.PENDING ? "one is pending" : "declined before");
            return;
        }
        // Requests kept while we were away come at once (their senders' super nodes limited them
        // already); only the pending bound applies to them.
        if (chat.store.countContacts(ContactState.PENDING) >= MAX_PENDING || (!fromMailbox && requests.tryTake(1, now) > 0)) {
            log.warn("contact request from '{}' dropped: too many requests", from);
            return;
        }
        chat.store.putContact(from, ContactState.PENDING, text, credential, now);
        pin(from, credential);
        chat.listeners.forEach(l -> l.onContactRequest(from, text));
    }

    private void answer(String from, Credential credential, ContactState state, boolean accepted) throws SQLException {
        if (state != ContactState.REQUESTED) {
            return; // nobody asked them: an answer cannot make a contact
        }
        var stored = chat.store.contact(from).orElseThrow();
        chat.store.putContact(from, accepted ? ContactState.ACCEPTED : ContactState.DECLINED_BY_THEM, stored.requestText(),
                credential, chat.clock.millis());
        chat.listeners.forEach(l -> l.onContactAnswered(from, accepted));
        if (accepted) {
            chat.presence.contactAdded(from, credential);
            chat.fanout.syncContact(from);
        }
    }

    private void message(String from, Credential credential, String id, ChatBody body) throws SQLException {
        TextMessage t = body.getMessage();
        long next = expected.containsKey(from) ? expected.get(from) : chat.store.lastIncomingSeq(from) + 1;
        ChatMessage m = new ChatMessage(id, from, false, t.getSeq(), t.getText(), body.getSentAtMs(), MessageStatus.RECEIVED);
        if (!chat.store.insertMessage(m)) {
            return;
        }
        deliveredReceipt(from, credential, ByteString.copyFrom(ChatService.HEX.parseHex(id)));
        if (t.getSeq() > next) {
            held.computeIfAbsent(from, k -> new TreeMap<>()).put(t.getSeq(), new Held(m, chat.clock.millis()));
            expected.put(from, next);
            return;
        }
        emit(m);
        if (t.getSeq() == next) {
            next++;
            TreeMap<Long, Held> waiting = held.getOrDefault(from, new TreeMap<>());
            while (!waiting.isEmpty() && waiting.firstKey() <= next) {
                Held h = waiting.pollFirstEntry().getValue();
                emit(h.message());
                next = Math.max(next, h.message().seq() + 1);
            }
        }
        expected.put(from, next);
    }

    /** A delivery receipt: at once for a pushed message, batched per sender for a mailbox page. */
    private void deliveredReceipt(String from, Credential credential, ByteString id) throws SQLException {
        if (pageReceipts == null) {
            chat.receipt(from, credential, ReceiptKind.DELIVERED, List.of(id));
        } else {
            pageReceipts.computeIfAbsent(from, k -> new PageReceipts(credential, new ArrayList<>())).ids().add(id);
        }
    }

    private record PageReceipts(Credential to, List<ByteString> ids) {}

    void emit(ChatMessage m) {
        try {
            chat.store.stampArrival(m.id()); // history shows messages in the order they were handed out
        } catch (SQLException e) {
            log.warn("ordering message {}: {}", m.id(), e.getMessage());
        }
        chat.listeners.forEach(l -> l.onMessage(m));
    }

    /** Hands out messages held for a gap longer than {@value #HOLD_MS} ms (the gap is lost or late). */
    void releaseHeld() {
        long now = chat.clock.millis();
        for (var e : held.entrySet()) {
            TreeMap<Long, Held> waiting = e.getValue();
            if (!waiting.isEmpty() && now - waiting.firstEntry().getValue().sinceMs() >= HOLD_MS) {
                long next = expected.getOrDefault(e.getKey(), 1L);
                while (!waiting.isEmpty()) {
                    Held h = waiting.pollFirstEntry().getValue();
                    emit(h.message());
                    next = Math.max(next, h.message().seq() + 1);
                }
                expected.put(e.getKey(), next);
            }
        }
    }

    private void receipt(String from, Credential device, ChatBody body) throws SQLException {
        MessageStatus status = body.getReceipt().getKind() == ReceiptKind.READ ? MessageStatus.READ : MessageStatus.DELIVERED;
        for (ByteString raw : body.getReceipt().getMessageIdsList()) {
            String id = ChatService.HEX.formatHex(raw.toByteArray());
            Optional<ChatMessage> m = chat.store.message(id);
            if (m.isEmpty() || !m.get().peer().equals(from) || !m.get().outgoing()) {
                continue; // only the recipient can acknowledge a message
            }
            chat.store.outbox.delivered(id, DeviceStore.id(device)); // that device's copy, and those already taken
            if (chat.store.advance(id, status).isPresent()) {
                chat.listeners.forEach(l -> l.onReceipt(from, id, status));
            }
        }
    }

    /** Fetches a page of the mailbox, handles it, deletes it from the replicas, and goes on while there is more. */
    void fetchMailbox(int round) {
        if (round >= MAX_FETCH_ROUNDS) {
            return;
        }
        chat.transport.fetchMailbox().whenCompleteAsync((page, e) -> {
            if (e != null) {
                log.debug("mailbox fetch: {}", e.getMessage());
                if (Futures.unwrap(e) instanceof ProtocolException pe && pe.code() == ErrorCode.RATE_LIMITED) {
                    chat.thread.schedule(() -> fetchMailbox(round + 1), FETCH_RETRY_MS, TimeUnit.MILLISECONDS);
                } // else the next join fetches again
                return;
            }
            handlePage(page, round);
        }, chat.thread);
    }

    private void handlePage(MailboxContents page, int round) {
        List<ByteString> ids = new ArrayList<>();
        Map<String, PageReceipts> receipts = new HashMap<>();
        pageReceipts = receipts;
        try {
            chat.store.transaction(() -> { // one commit (fsync) per page, not four per message
                for (ChatPacket p : page.getPacketsList()) {
                    if (!p.getRecipientDevice().isEmpty() && !p.getRecipientDevice().equals(chat.credential.get().getPublicKey())) {
                        continue; // sealed to another device of this account: left for it (not deleted)
                    }
                    receive(p, true);
                    ids.add(p.getMessageId()); // handled (or dropped for good): delete
                }
                pageReceipts = null;
                for (var e : receipts.entrySet()) {
                    chat.receipt(e.getKey(), e.getValue().to(), ReceiptKind.DELIVERED, e.getValue().ids());
                }
            });
        } catch (SQLException e) {
            log.warn("mailbox page: {}", e.getMessage());
            return; // not acknowledged: fetched again on the next join
        } finally {
            pageReceipts = null;
        }
        if (ids.isEmpty()) {
            return;
        }
        for (int i = 0; i < ids.size(); i += ChatSeals.MAX_RECEIPT_IDS) {
            var ack = MailboxAcks.sign(chat.credential.get(), chat.identity,
                    ids.subList(i, Math.min(ids.size(), i + ChatSeals.MAX_RECEIPT_IDS)), chat.clock.millis());
            var sent = chat.transport.ackMailbox(ack);
            if (i + ChatSeals.MAX_RECEIPT_IDS >= ids.size() && page.getMore()) {
                sent.whenCompleteAsync((ok, e) -> fetchMailbox(round + 1), chat.thread);
            }
        }
    }

    /** @return packets dropped because they did not verify or open */
    long dropped() {
        return dropped;
    }
}
