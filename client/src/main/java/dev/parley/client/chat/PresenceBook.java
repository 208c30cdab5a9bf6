package dev.parley.client.chat;

import dev.parley.protocol.wire.ChatBody;
import dev.parley.protocol.wire.ChatPacket;
import dev.parley.protocol.wire.Credential;
import dev.parley.protocol.wire.PresenceState;
import dev.parley.protocol.wire.PresenceUpdate;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Presence, pushed (docs/protocol.md "Presence"): this user's own status, pushed to every accepted
 * contact when it changes and announced with a request for theirs on every join; the contacts'
 * statuses as they pushed them, newest by {@code (session_ms, counter)} per device (a contact shows
 * the newest status of its devices that are not offline); every push goes to each of a contact's
 * devices ({@link Fanout}); the will left with the
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
    private final Map<String, long[]> versions = new HashMap<>(); // contact/device -> {session_ms, counter (unsigned)}
    /** Per contact, its devices' presences in the order they last changed (the contact shows the newest one not offline). */
    private final Map<String, LinkedHashMap<String, Presence>> devices = new HashMap<>();
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
        devices.clear(); // every device answers again (or is offline)
        // Wills routed to us while we were away are lost: whoever does not answer is offline.
        chat.thread.schedule(() -> unheardSince(asked), ANSWER_WAIT_MS, TimeUnit.MILLISECONDS);
    }

    private void unheardSince(long announcement) {
        for (var e : Map.copyOf(contacts).entrySet()) {
            if (e.getValue().status() != PresenceStatus.OFFLINE && heard.getOrDefault(e.getKey(), 0L) < announcement) {
                contacts.put(e.getKey(), Presence.OFFLINE);
                devices.remove(e.getKey());
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
            if (c.state() == ContactState.ACCEPTED) {
                out.add(c);
            }
        }
        return out;
    }

    /** Pushes our presence to every device of {@code user} ({@code to}: a device learned first, or none). */
    private void push(String user, @Nullable Credential to, boolean replyWanted) throws SQLException {
        send(user, chat.fanout.targets(user, to), replyWanted);
    }

    private void send(String user, List<Credential> to, boolean replyWanted) {
        boolean invisible = status == PresenceStatus.INVISIBLE;
        ChatBody.Builder body = ChatBody.newBuilder().setPresence(PresenceUpdate.newBuilder()
                .setState(status.wire()).setStatusText(invisible ? "" : text).setSessionMs(sessionMs)
                .setCounter(++counter).setReplyWanted(replyWanted));
        for (Credential device : to) {
            chat.transport.send(chat.fanout.seal(user, device, body, false, null)).whenComplete((ok, e) -> {
                if (e != null) {
                    log.debug("presence to {}: {}", user, e.getMessage()); // offline contacts: they ask when they come
                }
            });
        }
    }

    private void leaveWill() throws SQLException {
        List<ChatPacket> will = new ArrayList<>();
        if (status != PresenceStatus.INVISIBLE) { // invisible: contacts already see offline
            for (ChatStore.StoredContact c : accepted()) {
                for (Credential device : chat.fanout.targets(c.username(), null)) { // each device of each contact
                    if (will.size() < 256) {
                        will.add(chat.fanout.seal(c.username(), device, ChatBody.newBuilder().setPresence(PresenceUpdate.newBuilder()
                                .setState(PresenceState.PRESENCE_OFFLINE).setSessionMs(sessionMs).setCounter(WILL_COUNTER)),
                                false, null));
                    }
                }
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
        String device = from + "/" + DeviceStore.id(fromCredential); // each device has its own sessions and counters
        long[] last = versions.get(device);
        long c = Integer.toUnsignedLong(u.getCounter());
        if (last != null && (u.getSessionMs() < last[0] || (u.getSessionMs() == last[0] && c <= last[1]))) {
            log.debug("presence of {}: an older update ({}, {}) ignored", from, u.getSessionMs(), c);
        } else {
            versions.put(device, new long[] {u.getSessionMs(), c});
            LinkedHashMap<String, Presence> all = devices.computeIfAbsent(from, k -> new LinkedHashMap<>());
            all.remove(device);
            all.put(device, new Presence(PresenceStatus.of(u.getState()),
                    u.getState() == PresenceState.PRESENCE_OFFLINE ? "" : u.getStatusText()));
            Presence p = Presence.OFFLINE;
            for (Presence d : all.values()) { // the newest change of a device that is not offline
                if (d.status() != PresenceStatus.OFFLINE) {
                    p = d;
                }
            }
            Presence now = p;
            Presence before = contacts.put(from, now);
            if (!now.equals(before == null ? Presence.OFFLINE : before)) {
                chat.listeners.forEach(l -> l.onPresence(from, now));
            }
        }
        if (u.getReplyWanted() && status != PresenceStatus.INVISIBLE) {
            send(from, List.of(fromCredential), false); // to the device that asked
        }
    }
}
