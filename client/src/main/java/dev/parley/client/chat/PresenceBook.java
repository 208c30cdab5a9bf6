package dev.parley.client.chat;

import dev.parley.protocol.wire.ChatBody;
import dev.parley.protocol.wire.ChatPacket;
import dev.parley.protocol.wire.Credential;
import dev.parley.protocol.wire.PresenceState;
import dev.parley.protocol.wire.PresenceUpdate;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Presence, pushed (docs/protocol.md "Presence"): this user's own status, pushed to every accepted
 * contact when it changes and announced with a request for theirs on every join; the contacts'
 * statuses as they pushed them, newest by {@code (session_ms, counter)}; the will left with the
 * super node (a sealed OFFLINE update per contact, with counter 0xFFFFFFFF: newer than anything of
 * this session, older than the next session's first update).
 *
 * <p>Chat thread only.
 */
final class PresenceBook {
    private static final Logger log = LoggerFactory.getLogger(PresenceBook.class);
    /** The will's counter: above every update of its session. */
    static final int WILL_COUNTER = 0xFFFF_FFFF;
    /** Retry delay of a will the super node did not take, ms. */
    static final long WILL_RETRY_MS = 2_000;
    /** How long contacts have to answer a join's announcement before they are shown offline, ms. */
    static final long ANSWER_WAIT_MS = 3_000;

    private final ChatService chat;
    private final Map<String, Presence> contacts = new HashMap<>();
    private final Map<String, long[]> versions = new HashMap<>(); // contact -> {session_ms, counter (unsigned)}
    private final Map<String, Long> heard = new HashMap<>(); // contact -> the announcement its last update came after
    private long announcements; // joins so far
    private PresenceStatus status = PresenceStatus.ONLINE;
    private String text = "";
    private long sessionMs;
    private int counter;
    private long willGeneration; // the newest will asked for; older answers and retries are void

    PresenceBook(ChatService chat) {
        this.chat = chat;
    }

    void restore(PresenceStatus status, String text) {
        this.status = status;
        this.text = text;
    }

    Presence own() {
        return new Presence(status, text);
    }

    Presence of(String contact) {
        return contacts.getOrDefault(contact, Presence.OFFLINE);
    }

    /** A new session: tell every contact (asking for theirs) and leave the will. */
    void announce() throws SQLException {
        long asked = ++announcements;
        sessionMs = Math.max(chat.clock.millis(), sessionMs + 1);
        counter = 0;
        for (ChatStore.StoredContact c : accepted()) {
            push(c.username(), c.credential(), true);
        }
        leaveWill();
        // Wills routed to us while we were away are lost: whoever does not answer is offline.
        chat.thread.schedule(() -> unheardSince(asked), ANSWER_WAIT_MS, TimeUnit.MILLISECONDS);
    }

    private void unheardSince(long announcement) {
        for (var e : Map.copyOf(contacts).entrySet()) {
            if (e.getValue().status() != PresenceStatus.OFFLINE && heard.getOrDefault(e.getKey(), 0L) < announcement) {
                contacts.put(e.getKey(), Presence.OFFLINE);
                chat.listeners.forEach(l -> l.onPresence(e.getKey(), Presence.OFFLINE));
            }
        }
    }

    void set(PresenceStatus status, String text) throws SQLException {
        boolean wasInvisible = this.status == PresenceStatus.INVISIBLE;
        this.status = status;
        this.text = text;
        for (ChatStore.StoredContact c : accepted()) {
            push(c.username(), c.credential(), false);
        }
        if (wasInvisible != (status == PresenceStatus.INVISIBLE)) { // the will says "offline" whatever the status
            leaveWill();
        }
    }

    /** A contact was just accepted (by either side): exchange presence, and update the will. */
    void contactAdded(String user, @Nullable Credential credential) throws SQLException {
        if (credential != null) {
            push(user, credential, true);
        }
        leaveWill();
    }

    private List<ChatStore.StoredContact> accepted() throws SQLException {
        List<ChatStore.StoredContact> out = new ArrayList<>();
        for (ChatStore.StoredContact c : chat.store.contacts()) {
            if (c.state() == ContactState.ACCEPTED && c.credential() != null) {
                out.add(c);
            }
        }
        return out;
    }

    private void push(String user, Credential to, boolean replyWanted) {
        boolean invisible = status == PresenceStatus.INVISIBLE;
        ChatPacket p = chat.seal(user, to, ChatBody.newBuilder().setPresence(PresenceUpdate.newBuilder()
                .setState(status.wire()).setStatusText(invisible ? "" : text).setSessionMs(sessionMs)
                .setCounter(++counter).setReplyWanted(replyWanted)), false, null);
        chat.transport.send(p).whenComplete((ok, e) -> {
            if (e != null) {
                log.debug("presence to {}: {}", user, e.getMessage()); // offline contacts: they ask when they come
            }
        });
    }

    private void leaveWill() throws SQLException {
        List<ChatPacket> will = new ArrayList<>();
        if (status != PresenceStatus.INVISIBLE) { // invisible: contacts already see offline
            for (ChatStore.StoredContact c : accepted()) {
                if (will.size() == 256) {
                    break;
                }
                will.add(chat.seal(c.username(), c.credential(), ChatBody.newBuilder().setPresence(PresenceUpdate.newBuilder()
                        .setState(PresenceState.PRESENCE_OFFLINE).setSessionMs(sessionMs).setCounter(WILL_COUNTER)), false, null));
            }
        }
        long generation = ++willGeneration;
        chat.transport.setWill(will).whenCompleteAsync((ok, e) -> {
            if (e != null && generation == willGeneration) { // refused or lost (rejoining): try again unless superseded
                log.debug("leaving the presence will: {}; retrying in {} ms", e.getMessage(), WILL_RETRY_MS);
                chat.thread.schedule(() -> {
                    if (generation == willGeneration) {
                        try {
                            leaveWill();
                        } catch (SQLException ex) {
                            log.warn("presence will: {}", ex.getMessage());
                        }
                    }
                }, WILL_RETRY_MS, TimeUnit.MILLISECONDS);
            }
        }, chat.thread);
    }

    /** An accepted contact's update (verified): newer ones change its presence; answers a request for ours. */
    void received(String from, Credential fromCredential, PresenceUpdate u) {
        heard.put(from, announcements);
        long[] last = versions.get(from);
        long c = Integer.toUnsignedLong(u.getCounter());
        if (last != null && (u.getSessionMs() < last[0] || (u.getSessionMs() == last[0] && c <= last[1]))) {
            log.debug("presence of {}: an older update ({}, {}) ignored", from, u.getSessionMs(), c);
        } else {
            versions.put(from, new long[] {u.getSessionMs(), c});
            Presence p = new Presence(PresenceStatus.of(u.getState()),
                    u.getState() == PresenceState.PRESENCE_OFFLINE ? "" : u.getStatusText());
            Presence before = contacts.put(from, p);
            if (!p.equals(before == null ? Presence.OFFLINE : before)) {
                chat.listeners.forEach(l -> l.onPresence(from, p));
            }
        }
        if (u.getReplyWanted() && status != PresenceStatus.INVISIBLE) {
            push(from, fromCredential, false);
        }
    }
}
