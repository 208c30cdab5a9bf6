package dev.parley.client.chat;

import dev.parley.protocol.ChatSeals;
import dev.parley.protocol.Credentials;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.wire.ChatBody;
import dev.parley.protocol.wire.ChatPacket;
import dev.parley.protocol.wire.ChatPurpose;
import dev.parley.protocol.wire.Credential;
import dev.parley.protocol.wire.DeviceSync;
import dev.parley.protocol.wire.TextMessage;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Several devices per account (docs/protocol.md "Several devices"): a packet to a user is sealed
 * once per device of that user this client knows ({@link DeviceStore}, at most
 * {@value DeviceStore#MAX_DEVICES}), every copy under the same message id and naming its device in
 * {@code recipient_device}, so each device gets (or finds in its mailbox) a copy it can open.
 * Packets to this user's own name go to its other devices ({@code DeviceSync}, read receipts):
 * what one device sends, accepts or reads shows on the others.
 *
 * <p>Chat thread only.
 */
final class Fanout {
    private static final Logger log = LoggerFactory.getLogger(Fanout.class);

    private final ChatService chat;

    Fanout(ChatService chat) {
        this.chat = chat;
    }

    /**
     * @param hint a verified credential of one of the user's devices (learned first), or none
     * @return the devices a packet to {@code user} goes to (this user's name: its other devices)
     */
    List<Credential> targets(String user, @Nullable Credential hint) throws SQLException {
        if (hint != null && hint.getUsername().equals(user)) {
            chat.store.devices.learn(user, hint, chat.clock.millis());
        }
        List<Credential> out = new ArrayList<>();
        for (Credential c : chat.store.devices.of(user)) {
            if (!c.getPublicKey().equals(chat.identityKey())) { // never to this device itself
                out.add(c);
            }
        }
        return out;
    }

    /**
     * Seals {@code body} to each of the user's devices and puts the copies in the outbox (flushed on
     * the next tick or {@link ChatService#flush}).
     *
     * @param untilReceipt keep it until a delivery receipt (messages)
     * @param messageId the id to use; none: a fresh random one
     * @return the message id (hex)
     */
    String enqueue(String user, @Nullable Credential hint, ChatBody.Builder body, boolean untilReceipt, byte @Nullable [] messageId)
            throws SQLException {
        return enqueueTo(user, targets(user, hint), body, untilReceipt, messageId);
    }

    /** As {@link #enqueue}, to the given devices of {@code user}. */
    String enqueueTo(String user, List<Credential> devices, ChatBody.Builder body, boolean untilReceipt, byte @Nullable [] messageId)
            throws SQLException {
        byte[] id = messageId != null ? messageId : newId();
        if (body.getSentAtMs() == 0) {
            body.setSentAtMs(chat.clock.millis()); // one time for every copy
        }
        if (devices.isEmpty() && !user.equals(chat.username())) {
            log.info("no device of '{}' known: packet {} not sent", user, ChatService.HEX.formatHex(id));
        }
        for (Credential to : devices) {
            ChatPacket p = seal(user, to, body, true, id);
            chat.store.outbox.put(ChatService.HEX.formatHex(id), DeviceStore.id(to), user, p.toByteArray(), untilReceipt,
                    chat.clock.millis());
        }
        chat.thread.execute(chat::flush);
        return ChatService.HEX.formatHex(id);
    }

    /** @return a copy sealed to each device of {@code user} (presence: sent at once, never stored) */
    List<ChatPacket> sealAll(String user, @Nullable Credential hint, ChatBody.Builder body) throws SQLException {
        List<ChatPacket> out = new ArrayList<>();
        byte[] id = newId();
        for (Credential to : targets(user, hint)) {
            out.add(seal(user, to, body, false, id));
        }
        return out;
    }

    /** @return the packet sealed to one device (body's sent_at set to now unless set) */
    ChatPacket seal(String user, Credential to, ChatBody.Builder body, boolean storable, byte @Nullable [] messageId) {
        if (body.getSentAtMs() == 0) {
            body.setSentAtMs(chat.clock.millis());
        }
        byte[] id = messageId != null ? messageId : newId();
        ChatBody b = body.build();
        ChatPurpose purpose = ChatSeals.purposeOf(b);
        try {
            // recipient_device: the super node pushes it to the device whose key it is sealed to
            return ChatSeals.seal(b, user, id, purpose, storable && ChatSeals.storable(purpose),
                    Credentials.encryptionKey(to), to.getPublicKey().toByteArray(), chat.identity, chat.credential.get());
        } catch (ProtocolException e) {
            throw new CompletionException(e);
        }
    }

    private byte[] newId() {
        byte[] id = new byte[ChatSeals.MESSAGE_ID_BYTES];
        chat.random.nextBytes(id);
        return id;
    }

    /** Tells this user's other devices that {@code peer} is an accepted contact, with the devices of it this one knows. */
    void syncContact(String peer) throws SQLException {
        List<Credential> siblings = targets(chat.username(), null);
        if (!siblings.isEmpty()) {
            enqueueTo(chat.username(), siblings, ChatBody.newBuilder().setDeviceSync(contactSync(peer)), false, null);
        }
    }

    private DeviceSync contactSync(String peer) throws SQLException {
        return DeviceSync.newBuilder().setPeer(peer).setContactAccepted(true)
                .addAllPeerDevices(chat.store.devices.of(peer)).build();
    }

    /**
     * A device of this user not known before (learned from a search for our own name or from its
     * packet): it gets every accepted contact with its devices, or an empty sync that makes this
     * device known to it (it then sends its own contacts back).
     */
    void newSibling(Credential sibling) throws SQLException {
        List<Credential> to = List.of(sibling);
        int sent = 0;
        for (ChatStore.StoredContact c : chat.store.contacts()) {
            if (c.state() == ContactState.ACCEPTED) {
                enqueueTo(chat.username(), to, ChatBody.newBuilder().setDeviceSync(contactSync(c.username())), false, null);
                sent++;
            }
        }
        if (sent == 0) {
            enqueueTo(chat.username(), to, ChatBody.newBuilder().setDeviceSync(DeviceSync.getDefaultInstance()), false, null);
        }
        log.info("a new device of this account ({}): {} contacts synced to it", DeviceStore.id(sibling), sent);
    }

    /**
     * Learns the devices of a user found by a verified search (for a contact request): each is a
     * device to seal to, and its key is trusted on first use without a "new device" notice.
     *
     * @return the first (newest) of them
     */
    Credential learnAll(String user, List<Credential> devices) throws SQLException {
        for (Credential d : devices) {
            chat.store.devices.learn(user, d, chat.clock.millis());
            if (!chat.keys.knows(user, d.getPublicKey().toByteArray())) {
                chat.keys.remember(user, d.getPublicKey().toByteArray());
            }
        }
        return devices.getFirst();
    }

    /** This user's other devices show a message sent here too (same message id: the recipient's receipts count there). */
    void syncSent(String peer, TextMessage message, long sentAtMs, String messageId) throws SQLException {
        enqueue(chat.username(), null, ChatBody.newBuilder().setSentAtMs(sentAtMs).setDeviceSync(
                DeviceSync.newBuilder().setPeer(peer).setSent(message)), false, ChatService.HEX.parseHex(messageId));
    }

    /** Learns this account's other devices online now (a search for our own name); new ones get our contacts. */
    void findSiblings() {
        chat.transport.devicesOf(chat.username()).whenCompleteAsync((devices, e) -> {
            if (e != null || chat.closed()) {
                return; // alone, or not found yet: siblings are also learned from their packets
            }
            try {
                for (Credential d : devices) {
                    if (!d.getPublicKey().equals(chat.identityKey()) && chat.store.devices.learn(chat.username(), d, chat.clock.millis())) {
                        newSibling(d);
                    }
                }
            } catch (SQLException ex) {
                log.warn("learning this account's devices: {}", ex.getMessage());
            }
        }, chat.thread);
    }
}
