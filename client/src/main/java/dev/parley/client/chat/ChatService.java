package dev.parley.client.chat;

import com.google.protobuf.ByteString;
import dev.parley.client.call.CallKeys;
import dev.parley.client.call.KeyMemory;
import dev.parley.protocol.ChatSeals;
import dev.parley.protocol.Ed25519KeyPair;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.Usernames;
import dev.parley.protocol.X25519KeyPair;
import dev.parley.protocol.wire.ChatBody;
import dev.parley.protocol.wire.ChatPacket;
import dev.parley.protocol.wire.Credential;
import dev.parley.protocol.wire.Receipt;
import dev.parley.protocol.wire.ReceiptKind;
import dev.parley.protocol.wire.TextMessage;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Contacts, presence and instant messages of one client (docs/architecture.md "Contacts, presence
 * and messages"): the API the shell uses, and the owner of the chat database.
 *
 * <p>Every packet is sealed to the recipient's certified X25519 key and signed with this user's
 * credential key ({@link ChatSeals}). Contact requests and answers, messages and receipts go
 * through the persisted outbox and are resent, with the same message id, until acknowledged (a
 * message: until the recipient's delivery receipt; the others: until a super node accepted them);
 * receivers discard duplicates by message id. Presence is pushed to every accepted contact when it
 * changes and announced (with a request for theirs) on every join; the super node is left a
 * presence will (sealed "offline" updates) to route when the session ends.
 *
 * <p>One thread (the given single-threaded executor) owns the database and all state; API calls
 * return futures completed there, listeners are called there.
 */
public final class ChatService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ChatService.class);
    static final HexFormat HEX = HexFormat.of();
    /** How often the outbox and held-back messages are looked at, ms. */
    static final long TICK_MS = 500;
    private static final String SETTING_STATUS = "presence.status";
    private static final String SETTING_TEXT = "presence.text";

    final ChatStore store;
    final ChatTransport transport;
    final Ed25519KeyPair identity;
    final X25519KeyPair encryption;
    final Supplier<Credential> credential;
    final byte[] serverKey;
    final KeyMemory keys;
    final InstantSource clock;
    final RandomGenerator random;
    final ScheduledExecutorService thread;
    final List<ChatListener> listeners = new CopyOnWriteArrayList<>();
    final PresenceBook presence;
    final ChatInbound inbound;
    final Fanout fanout;
    private final Outbox outbox;
    private final ContactRequests contactRequests = new ContactRequests(this);
    private final ScheduledFuture<?> ticker;
    private volatile boolean closed;

    /**
     * @param store the chat database (owned from now on: closed with the service)
     * @param transport the overlay
     * @param identity this user's key pair (its credential certifies it)
     * @param credential this user's newest credential
     * @param serverKey the login server's key
     * @param keys contacts' remembered identity keys (shared with calls)
     * @param random message ids: a {@code SecureRandom} in production
     * @param thread the chat thread (single-threaded)
     */
    public ChatService(ChatStore store, ChatTransport transport, Ed25519KeyPair identity, Supplier<Credential> credential,
            byte[] serverKey, KeyMemory keys, InstantSource clock, RandomGenerator random, ScheduledExecutorService thread) {
        this.store = store;
        this.transport = transport;
        this.identity = identity;
        this.encryption = CallKeys.encryptionKey(identity); // the key calls use: one certified key per user
        this.credential = credential;
        this.serverKey = serverKey.clone();
        this.keys = keys;
        this.clock = clock;
        this.random = random;
        this.thread = thread;
        this.fanout = new Fanout(this);
        this.presence = new PresenceBook(this);
        this.inbound = new ChatInbound(this);
        this.outbox = new Outbox(this);
        thread.execute(() -> {
            try {
                String status = store.setting(SETTING_STATUS);
                String text = store.setting(SETTING_TEXT);
                presence.restore(status == null ? PresenceStatus.ONLINE : PresenceStatus.valueOf(status), text == null ? "" : text);
            } catch (SQLException | IllegalArgumentException e) {
                log.warn("reading the saved presence failed: {}", e.getMessage());
            }
        });
        this.ticker = thread.scheduleWithFixedDelay(this::tick, TICK_MS, TICK_MS, TimeUnit.MILLISECONDS);
    }

    /** @return this user's canonical name */
    public String username() {
        return credential.get().getUsername();
    }

    /** @return this device's id: the Ed25519 key its credential certifies */
    ByteString identityKey() {
        return credential.get().getPublicKey();
    }

    /** Adds a listener (called on the chat thread). */
    public void addListener(ChatListener listener) {
        listeners.add(listener);
    }

    /**
     * Asks {@code name} to become a contact. The request carries this user's credential and is
     * signed; only one may be pending per pair.
     *
     * @param text a short note (≤ 500 characters)
     * @return completes when the request left (accepted by a super node, or queued while offline);
     *     exceptionally: {@link IllegalArgumentException} (own name, text too long),
     *     {@link IllegalStateException} ("already a contact", "a request to X is pending"),
     *     {@link ProtocolException} (INVALID_USERNAME; USER_OFFLINE: a user never met must be online
     *     once so that their key can be learned)
     */
    public CompletableFuture<Void> requestContact(String name, String text) {
        return contactRequests.request(name, text);
    }

    /**
     * Accepts or declines {@code name}'s pending request. Accepting starts the presence exchange.
     *
     * @throws IllegalStateException (in the future) if no request from {@code name} is pending
     */
    public CompletableFuture<Void> answerContact(String name, boolean accept) {
        return contactRequests.answer(name, accept);
    }

    /** @return the contact list, by name */
    public CompletableFuture<List<Contact>> contacts() {
        return onThread(() -> {
            List<Contact> out = new ArrayList<>();
            for (ChatStore.StoredContact c : store.contacts()) {
                out.add(new Contact(c.username(), c.state(), presence.of(c.username()), c.requestText()));
            }
            return out;
        });
    }

    /**
     * Sets this user's presence and pushes it to every accepted contact ({@link PresenceStatus#INVISIBLE}:
     * they see offline). Remembered in the data dir.
     *
     * @param text status text (≤ 200 characters)
     */
    public CompletableFuture<Void> setPresence(PresenceStatus status, String text) {
        if (status == PresenceStatus.OFFLINE) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("setPresence: OFFLINE (expected: INVISIBLE to look offline)"));
        }
        if (text.length() > ChatSeals.MAX_STATUS_CHARS) {
            return CompletableFuture.failedFuture(new IllegalArgumentException(String.format(
                    "status text: %d characters (expected: <= %d)", text.length(), ChatSeals.MAX_STATUS_CHARS)));
        }
        return onThread(() -> {
            store.setting(SETTING_STATUS, status.name());
            store.setting(SETTING_TEXT, text);
            presence.set(status, text);
            return null;
        });
    }

    /** @return this user's own presence as set */
    public CompletableFuture<Presence> presence() {
        return onThread(presence::own);
    }

    /**
     * Sends an instant message to an accepted contact: stored (QUEUED) and put in the outbox at once,
     * so it survives a crash; sent until the delivery receipt comes.
     *
     * @param text ≤ 4,000 bytes of UTF-8
     * @return the message as stored
     * @throws IllegalStateException (in the future) if {@code name} is not an accepted contact
     */
    public CompletableFuture<ChatMessage> send(String name, String text) {
        return onThread(() -> {
            String user = canonical(name);
            var c = store.contact(user).filter(s -> s.state() == ContactState.ACCEPTED)
                    .orElseThrow(() -> new IllegalStateException(user + " is not a contact (request and accept first)"));
            if (text.getBytes(StandardCharsets.UTF_8).length > ChatSeals.MAX_TEXT_BYTES) {
                throw new IllegalArgumentException("message text: over " + ChatSeals.MAX_TEXT_BYTES + " bytes");
            }
            long seq = store.nextSeq(user);
            long now = clock.millis();
            ChatMessage[] sent = new ChatMessage[1];
            store.transaction(() -> {
                TextMessage message = TextMessage.newBuilder().setSeq(seq).setText(text).build();
                String id = enqueue(user, c.credential(), ChatBody.newBuilder().setSentAtMs(now).setMessage(message), true, null);
                sent[0] = new ChatMessage(id, user, true, seq, text, now, MessageStatus.QUEUED);
                fanout.syncSent(user, message, now, id);
                store.insertMessage(sent[0]);
            });
            flush();
            return sent[0];
        });
    }

    /** Marks every message from {@code name} read and sends read receipts. */
    public CompletableFuture<Void> markRead(String name) {
        return onThread(() -> {
            String user = canonical(name);
            List<ChatMessage> unread = store.unread(user);
            var c = store.contact(user);
            List<ByteString> ids = new ArrayList<>();
            for (ChatMessage m : unread) {
                store.setStatus(m.id(), MessageStatus.READ);
                ids.add(ByteString.copyFrom(HEX.parseHex(m.id())));
            }
            if (c.isPresent() && c.get().credential() != null) {
                receipt(user, c.get().credential(), ReceiptKind.READ, ids);
            }
            receipt(username(), null, ReceiptKind.READ, ids); // read here: read on this user's other devices too
            return null;
        });
    }

    /** @return the last {@code limit} messages with {@code name}, oldest first */
    public CompletableFuture<List<ChatMessage>> history(String name, int limit) {
        return onThread(() -> store.history(canonical(name), limit));
    }

    /**
     * @return the devices of {@code name} this client seals packets to (for this user's own name:
     *     its other devices), most recently learned first, as credential keys' fingerprints
     */
    public CompletableFuture<List<String>> devices(String name) {
        return onThread(() -> fanout.targets(canonical(name), null).stream()
                .map(c -> CallKeys.fingerprint(c.getPublicKey().toByteArray())).toList());
    }

    /** @return packets in the outbox (tests; the shell's "unsent" count) */
    public CompletableFuture<Integer> outboxSize() {
        return onThread(store.outbox::size);
    }

    /**
     * The client (re)joined the overlay: announce presence to contacts (asking for theirs), leave
     * the will, fetch the mailbox, resend the outbox. Any thread.
     */
    public void joined() {
        thread.execute(() -> {
            try {
                presence.announce();
                inbound.fetchMailbox(0);
                store.outbox.retryAll(clock.millis());
                flush();
                fanout.findSiblings();
            } catch (SQLException e) {
                log.warn("chat after joining: {}", e.getMessage());
            }
        });
    }

    /** A packet pushed by the super node (any thread). */
    public void onPacket(ChatPacket packet) {
        if (!closed) {
            thread.execute(() -> inbound.receive(packet, false));
        }
    }

    /** Sends receipts (chunks of 64 ids) through the outbox to every device of {@code user}. Chat thread. */
    void receipt(String user, @Nullable Credential to, ReceiptKind kind, List<ByteString> ids) throws SQLException {
        if (user.equals(username()) && fanout.targets(user, null).isEmpty()) {
            return; // no other device of ours known
        }
        for (int i = 0; i < ids.size(); i += ChatSeals.MAX_RECEIPT_IDS) {
            enqueue(user, to, ChatBody.newBuilder().setReceipt(Receipt.newBuilder().setKind(kind)
                    .addAllMessageIds(ids.subList(i, Math.min(ids.size(), i + ChatSeals.MAX_RECEIPT_IDS)))), false, null);
        }
        flush();
    }

    /** Fans {@code body} out to every device of {@code user} through the outbox ({@link Fanout#enqueue}). */
    String enqueue(String user, @Nullable Credential to, ChatBody.Builder body, boolean untilReceipt, byte @Nullable [] messageId)
            throws SQLException {
        return fanout.enqueue(user, to, body, untilReceipt, messageId);
    }

    /** Sends every due outbox entry not already on its way. Chat thread. */
    void flush() {
        if (!closed) {
            outbox.flush();
        }
    }

    /** @return whether the service was closed (its database is) */
    boolean closed() {
        return closed;
    }

    private void tick() {
        flush();
        inbound.releaseHeld();
    }

    /** A step run on the chat thread. */
    interface Step<T> {
        T run() throws Exception;
    }

    /** @return {@code step}'s result, on the chat thread */
    <T> CompletableFuture<T> onThread(Step<T> step) {
        return CompletableFuture.supplyAsync(() -> call(step), thread);
    }

    static <T> T call(Step<T> step) {
        try {
            return step.run();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new CompletionException(e);
        }
    }

    static String canonical(String name) throws ProtocolException {
        return Usernames.canonical(name);
    }

    /**
     * Stops the chat thread's work, closes the database and shuts the thread down (the super node
     * routes the will when the session ends). Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        ticker.cancel(false);
        try {
            thread.submit((Callable<Void>) () -> {
                store.close();
                return null;
            }).get(2, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.debug("closing the chat database: {}", e.toString());
        }
        thread.shutdown();
    }
}
