package dev.parley.client.chat;

import com.google.protobuf.ByteString;
import dev.parley.protocol.Credentials;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.wire.ChatBody;
import dev.parley.protocol.wire.Credential;
import dev.parley.protocol.wire.DeviceSync;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.ReceiptKind;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Packets from this account's other devices (docs/protocol.md "Several devices"), already verified
 * by {@link ChatInbound}: the sender's credential is the login server's for this user and the
 * packet is signed by that device's key, so only a device of this account gets here. A device
 * not known before is learned, and sent this device's contacts ({@link Fanout#newSibling}). A
 * {@code DeviceSync} brings a message sent there (into the history, as sent), a contact accepted
 * there (with its devices, each credential checked again here), a read receipt marks those
 * messages read here. Anything else from a sibling is dropped.
 *
 * <p>Chat thread only.
 */
final class SiblingInbound {
    private static final Logger log = LoggerFactory.getLogger(SiblingInbound.class);

    private final ChatService chat;
    private final ChatInbound inbound;

    SiblingInbound(ChatService chat, ChatInbound inbound) {
        this.chat = chat;
        this.inbound = inbound;
    }

    void receive(Credential sibling, String id, ChatBody body) throws SQLException {
        if (sibling.getPublicKey().equals(chat.identityKey())) {
            return; // our own packet back (a replayed copy): nothing to learn
        }
        if (chat.store.devices.learn(chat.username(), sibling, chat.clock.millis())) {
            chat.fanout.newSibling(sibling);
        }
        switch (body.getKindCase()) {
            case DEVICE_SYNC -> sync(id, body.getSentAtMs(), body.getDeviceSync());
            case RECEIPT -> {
                if (body.getReceipt().getKind() == ReceiptKind.READ) {
                    read(body.getReceipt().getMessageIdsList());
                }
            }
            default -> log.info("a {} from another device of this account dropped", body.getKindCase());
        }
    }

    private void sync(String id, long sentAtMs, DeviceSync d) throws SQLException {
        String peer = d.getPeer();
        if (peer.isEmpty() || peer.equals(chat.username())) {
            return; // a sibling's hello: learning it was the point
        }
        List<Credential> devices = verified(peer, d.getPeerDevicesList());
        if (d.getContactAccepted()) {
            accepted(peer, devices);
        }
        if (d.hasSent()) {
            ChatMessage m = new ChatMessage(id, peer, true, d.getSent().getSeq(), d.getSent().getText(), sentAtMs, MessageStatus.SENT);
            if (chat.store.insertMessage(m)) {
                inbound.emit(m);
            }
        }
    }

    /** @return the peer's device credentials that the login server issued for {@code peer}; the others are dropped */
    private List<Credential> verified(String peer, List<Credential> claimed) {
        List<Credential> out = new ArrayList<>();
        for (Credential c : claimed) {
            try {
                // checked at its issue time: an expired credential still names the device's keys
                Credentials.verify(chat.serverKey, c, Instant.ofEpochMilli(c.getIssuedAtMs()));
                if (!c.getUsername().equals(peer) || c.getEncryptionKey().isEmpty()) {
                    throw new ProtocolException(ErrorCode.INVALID_CREDENTIAL,
                            "credential of '" + c.getUsername() + "' for '" + peer + "'");
                }
                out.add(c);
            } catch (ProtocolException e) {
                log.warn("device sync: a device of '{}' dropped: {}", peer, e.getMessage());
            }
        }
        return out;
    }

    private void accepted(String peer, List<Credential> devices) throws SQLException {
        for (Credential c : devices) {
            inbound.pin(peer, c);
        }
        Optional<ChatStore.StoredContact> c = chat.store.contact(peer);
        if (c.isPresent() && c.get().state() == ContactState.ACCEPTED) {
            return;
        }
        Credential first = devices.isEmpty() ? c.map(ChatStore.StoredContact::credential).orElse(null) : devices.getFirst();
        chat.store.putContact(peer, ContactState.ACCEPTED, c.map(ChatStore.StoredContact::requestText).orElse(""), first,
                chat.clock.millis());
        chat.listeners.forEach(l -> l.onContactAddedElsewhere(peer));
        chat.presence.contactAdded(peer, first);
    }

    private void read(List<ByteString> ids) throws SQLException {
        for (ByteString raw : ids) {
            String id = ChatService.HEX.formatHex(raw.toByteArray());
            Optional<ChatMessage> m = chat.store.message(id);
            if (m.isPresent() && !m.get().outgoing() && m.get().status() == MessageStatus.RECEIVED) {
                chat.store.setStatus(id, MessageStatus.READ); // read on another device: read here
            }
        }
    }
}
