package dev.parley.protocol;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.parley.protocol.wire.ChatBody;
import dev.parley.protocol.wire.ChatPacket;
import dev.parley.protocol.wire.ChatPurpose;
import dev.parley.protocol.wire.DeviceSync;
import dev.parley.protocol.wire.Credential;
import dev.parley.protocol.wire.ErrorCode;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;

/**
 * End-to-end protection of chat packets (contact requests and answers, presence updates, instant
 * messages, receipts; docs/protocol.md "Chat packets"): the {@link ChatBody} is sealed to the
 * recipient's certified X25519 key with {@link HpkeBoxes} and the packet is signed with the
 * sender's certified Ed25519 key, as call signals are ({@link CallSignalSeals}).
 *
 * <pre>
 * header       = "parley-chat-v1" | str(from) | str(to) | uint16 len | message_id | uint8 purpose
 *                | uint8 store | uint16 len | recipient_device                     (big-endian)
 * HPKE info    = "parley-chat-v1";  aad = header
 * sealed       = enc (32) | AEAD ciphertext of the ChatBody
 * signature    = Ed25519(sender's credential key, header | uint32 len(sealed) | sealed)
 * </pre>
 * {@link #verify} (super nodes keeping a packet, and receivers) checks shape, the sender's
 * credential and the signature; {@link #open} (receivers) also decrypts and checks the body.
 */
public final class ChatSeals {
    /** Largest accepted {@code sealed}, in bytes. */
    public static final int MAX_SEALED_BYTES = 8 * 1024;
    /** Length of a message id, in bytes. */
    public static final int MESSAGE_ID_BYTES = 16;
    /** Longest recipient device key id, in bytes. */
    public static final int MAX_DEVICE_BYTES = 32;
    /** Longest instant message, in UTF-8 bytes. */
    public static final int MAX_TEXT_BYTES = 4_000;
    /** Longest contact request text, in characters. */
    public static final int MAX_REQUEST_TEXT_CHARS = 500;
    /** Longest presence status text, in characters. */
    public static final int MAX_STATUS_CHARS = 200;
    /** Most message ids in one receipt (or mailbox acknowledgement). */
    public static final int MAX_RECEIPT_IDS = 64;
    /** Devices of one account a packet is copied to at most (each copy sealed to one device), and credentials a {@code DeviceSync} carries. */
    public static final int MAX_SYNCED_DEVICES = 8;
    /** Oldest body accepted: a mailbox keeps packets this long. */
    public static final Duration MAX_AGE = Duration.ofDays(31);
    private static final byte[] CONTEXT = "parley-chat-v1".getBytes(StandardCharsets.US_ASCII);

    private ChatSeals() {}

    /**
     * Seals and signs a body.
     *
     * @param body what to send (its kind must match {@code purpose})
     * @param to the recipient's canonical name
     * @param messageId 16 random bytes
     * @param store keep it on mailbox replicas when the recipient is offline
     * @param recipientKey the recipient's certified X25519 key
     * @param sender the sender's key pair; {@code senderCredential} certifies it and names {@code from}
     * @return the packet as sent
     * @throws IllegalArgumentException for an unusable key, an oversized body or a bad message id
     */
    public static ChatPacket seal(ChatBody body, String to, byte[] messageId, ChatPurpose purpose, boolean store,
            byte[] recipientKey, Ed25519KeyPair sender, Credential senderCredential) {
        return seal(body, to, messageId, purpose, store, recipientKey, new byte[0], sender, senderCredential);
    }

    /**
     * As {@link #seal(ChatBody, String, byte[], ChatPurpose, boolean, byte[], Ed25519KeyPair, Credential)},
     * for one device of the recipient (several devices per account): its super node pushes the
     * packet to that device's session.
     *
     * @param recipientDevice the device's id: the Ed25519 key its credential certifies (at most
     *     {@value #MAX_DEVICE_BYTES} bytes; signed with the header), or empty
     */
    public static ChatPacket seal(ChatBody body, String to, byte[] messageId, ChatPurpose purpose, boolean store,
            byte[] recipientKey, byte[] recipientDevice, Ed25519KeyPair sender, Credential senderCredential) {
        if (recipientDevice.length > MAX_DEVICE_BYTES) {
            throw new IllegalArgumentException(String.format("recipientDevice: %d bytes (expected: <= %d)",
                    recipientDevice.length, MAX_DEVICE_BYTES));
        }
        if (messageId.length != MESSAGE_ID_BYTES) {
            throw new IllegalArgumentException(String.format("messageId: %d bytes (expected: %d)", messageId.length, MESSAGE_ID_BYTES));
        }
        if (purposeOf(body) != purpose) {
            throw new IllegalArgumentException("purpose: " + purpose + " (expected: " + purposeOf(body) + ")");
        }
        byte[] plain = body.toByteArray();
        if (plain.length + HpkeBoxes.ENC_BYTES + HpkeBoxes.TAG_BYTES > MAX_SEALED_BYTES) {
            throw new IllegalArgumentException(String.format("sealed chat body: %d bytes (expected: <= %d)",
                    plain.length + HpkeBoxes.ENC_BYTES + HpkeBoxes.TAG_BYTES, MAX_SEALED_BYTES));
        }
        String from = senderCredential.getUsername();
        byte[] header = header(from, to, messageId, purpose, store, recipientDevice);
        byte[] sealed = HpkeBoxes.seal(recipientKey, CONTEXT, header, plain);
        return ChatPacket.newBuilder().setFrom(from).setTo(to).setMessageId(ByteString.copyFrom(messageId))
                .setPurpose(purpose).setStore(store).setSealed(ByteString.copyFrom(sealed))
                .setSignature(ByteString.copyFrom(sender.sign(signingInput(header, sealed))))
                .setSenderCredential(senderCredential).setRecipientDevice(ByteString.copyFrom(recipientDevice)).build();
    }

    /**
     * Checks a packet's shape, its sender's credential (signed by the login server, naming
     * {@code from}, certifying an encryption key; its validity period is checked against the body's
     * time by {@link #open}) and its signature. Cheap enough for super nodes (two Ed25519 verifications).
     *
     * @throws ProtocolException {@link ErrorCode#BAD_REQUEST} for a malformed packet,
     *     {@link ErrorCode#INVALID_CREDENTIAL} for a forged credential or signature
     */
    public static void verify(ChatPacket packet, byte[] serverKey) throws ProtocolException {
        checkShape(packet);
        Credential c = packet.getSenderCredential();
        // As of its own issue time: the validity that matters is the body's sent_at (open), since a
        // mailbox delivers packets long after the sender's credential expired.
        Credentials.verify(serverKey, c, Instant.ofEpochMilli(c.getIssuedAtMs()));
        if (!c.getUsername().equals(packet.getFrom())) {
            throw new ProtocolException(ErrorCode.INVALID_CREDENTIAL, "sender credential names '" + c.getUsername()
                    + "', not '" + packet.getFrom() + "'");
        }
        Credentials.encryptionKey(c);
        byte[] sealed = packet.getSealed().toByteArray();
        byte[] header = header(packet);
        if (!Ed25519KeyPair.verify(c.getPublicKey().toByteArray(), signingInput(header, sealed),
                packet.getSignature().toByteArray())) {
            throw new ProtocolException(ErrorCode.INVALID_CREDENTIAL,
                    "chat packet signature does not verify with the key of '" + packet.getFrom() + "'");
        }
    }

    /**
     * {@link #verify}, then decrypts and checks the body: its kind matches {@code purpose}, its
     * fields are within bounds, {@code sent_at_ms} lies within the sender credential's validity
     * (± 5 min), at most 5 min ahead of {@code now} and at most {@link #MAX_AGE} old.
     *
     * @param me this user's canonical name: the packet must be addressed to it
     * @return the body
     * @throws ProtocolException {@link ErrorCode#BAD_REQUEST}, {@link ErrorCode#INVALID_CREDENTIAL}
     *     (forged, tampered, sealed to another key), {@link ErrorCode#EXPIRED_CREDENTIAL} (sent outside
     *     the credential's validity, or too old)
     */
    public static ChatBody open(ChatPacket packet, byte[] serverKey, String me, X25519KeyPair recipient, Instant now)
            throws ProtocolException {
        verify(packet, serverKey);
        if (!packet.getTo().equals(me)) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, "chat packet for '" + packet.getTo() + "', not '" + me + "'");
        }
        byte[] plain = HpkeBoxes.open(packet.getSealed().toByteArray(), recipient, CONTEXT, header(packet), "chat packet");
        ChatBody body;
        try {
            body = ChatBody.parseFrom(plain);
        } catch (InvalidProtocolBufferException e) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, "sealed body: not a chat body");
        }
        if (purposeOf(body) != packet.getPurpose()) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, "chat body " + body.getKindCase() + " sent as " + packet.getPurpose());
        }
        checkBody(body);
        long skew = Credentials.CLOCK_SKEW.toMillis();
        Credential c = packet.getSenderCredential();
        long sent = body.getSentAtMs();
        if (sent < c.getIssuedAtMs() - skew || sent > c.getExpiresAtMs() + skew) {
            throw new ProtocolException(ErrorCode.EXPIRED_CREDENTIAL, "chat packet sent outside its credential's validity");
        }
        if (sent > now.toEpochMilli() + skew || sent < now.toEpochMilli() - MAX_AGE.toMillis()) {
            throw new ProtocolException(ErrorCode.EXPIRED_CREDENTIAL, "chat packet sent at " + Instant.ofEpochMilli(sent)
                    + " (expected: within the last " + MAX_AGE.toDays() + " days)");
        }
        return body;
    }

    /** @return the purpose a body must be sent with */
    public static ChatPurpose purposeOf(ChatBody body) {
        return switch (body.getKindCase()) {
            case CONTACT_REQUEST -> ChatPurpose.CONTACT_REQUEST;
            case CONTACT_ANSWER -> ChatPurpose.CONTACT_ANSWER;
            case PRESENCE -> ChatPurpose.PRESENCE;
            case MESSAGE -> ChatPurpose.CHAT_MESSAGE;
            case RECEIPT -> ChatPurpose.RECEIPT;
            case DEVICE_SYNC -> ChatPurpose.DEVICE_SYNC;
            case KIND_NOT_SET -> ChatPurpose.CHAT_PURPOSE_UNSPECIFIED;
        };
    }

    /** @return whether super nodes may keep packets of this purpose for an offline recipient */
    public static boolean storable(ChatPurpose purpose) {
        return purpose != ChatPurpose.PRESENCE && purpose != ChatPurpose.CHAT_PURPOSE_UNSPECIFIED
                && purpose != ChatPurpose.UNRECOGNIZED;
    }

    private static void checkShape(ChatPacket p) throws ProtocolException {
        for (String name : new String[] {p.getFrom(), p.getTo()}) {
            if (!Usernames.canonical(name).equals(name)) {
                throw new ProtocolException(ErrorCode.BAD_REQUEST, "chat packet: user name '" + name + "' is not canonical");
            }
        }
        if (p.getMessageId().size() != MESSAGE_ID_BYTES) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, String.format("message_id: %d bytes (expected: %d)",
                    p.getMessageId().size(), MESSAGE_ID_BYTES));
        }
        int sealed = p.getSealed().size();
        if (sealed < HpkeBoxes.ENC_BYTES + HpkeBoxes.TAG_BYTES || sealed > MAX_SEALED_BYTES) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, String.format("sealed: %d bytes (expected: %d..%d)",
                    sealed, HpkeBoxes.ENC_BYTES + HpkeBoxes.TAG_BYTES, MAX_SEALED_BYTES));
        }
        if (p.getPurpose() == ChatPurpose.CHAT_PURPOSE_UNSPECIFIED || p.getPurpose() == ChatPurpose.UNRECOGNIZED) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, "chat packet: purpose " + p.getPurposeValue() + " unknown");
        }
        if (p.getStore() && !storable(p.getPurpose())) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, "chat packet: " + p.getPurpose() + " cannot be stored");
        }
        if (p.getRecipientDevice().size() > MAX_DEVICE_BYTES) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, String.format("recipient_device: %d bytes (expected: <= %d)",
                    p.getRecipientDevice().size(), MAX_DEVICE_BYTES));
        }
        if (p.getPurpose() == ChatPurpose.DEVICE_SYNC && !p.getFrom().equals(p.getTo())) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, "chat packet: DEVICE_SYNC from '" + p.getFrom() + "' to '"
                    + p.getTo() + "' (expected: between the devices of one user)");
        }
        if (!p.hasSenderCredential()) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, "chat packet without sender credential");
        }
    }

    private static void checkBody(ChatBody b) throws ProtocolException {
        switch (b.getKindCase()) {
            case CONTACT_REQUEST -> bound("contact request text", b.getContactRequest().getText().length(), MAX_REQUEST_TEXT_CHARS);
            case PRESENCE -> bound("status text", b.getPresence().getStatusText().length(), MAX_STATUS_CHARS);
            case MESSAGE -> bound("message text", b.getMessage().getText().getBytes(StandardCharsets.UTF_8).length, MAX_TEXT_BYTES);
            case RECEIPT -> {
                bound("receipt ids", b.getReceipt().getMessageIdsCount(), MAX_RECEIPT_IDS);
                for (ByteString id : b.getReceipt().getMessageIdsList()) {
                    if (id.size() != MESSAGE_ID_BYTES) {
                        throw new ProtocolException(ErrorCode.BAD_REQUEST, "receipt: a message id of " + id.size() + " bytes");
                    }
                }
            }
            case DEVICE_SYNC -> {
                DeviceSync d = b.getDeviceSync();
                bound("synced message text", d.getSent().getText().getBytes(StandardCharsets.UTF_8).length, MAX_TEXT_BYTES);
                bound("synced peer devices", d.getPeerDevicesCount(), MAX_SYNCED_DEVICES);
                if (!d.getPeer().isEmpty() && !Usernames.canonical(d.getPeer()).equals(d.getPeer())) {
                    throw new ProtocolException(ErrorCode.BAD_REQUEST, "device sync: peer '" + d.getPeer() + "' is not canonical");
                }
            }
            default -> { }
        }
    }

    private static void bound(String what, int n, int max) throws ProtocolException {
        if (n > max) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, String.format("%s: %d (expected: <= %d)", what, n, max));
        }
    }

    private static byte[] header(ChatPacket p) {
        return header(p.getFrom(), p.getTo(), p.getMessageId().toByteArray(), p.getPurpose(), p.getStore(),
                p.getRecipientDevice().toByteArray());
    }

    /** @return the header (see the class comment) */
    static byte[] header(String from, String to, byte[] messageId, ChatPurpose purpose, boolean store, byte[] device) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(96);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.write(CONTEXT);
            for (String field : new String[] {from, to}) {
                byte[] utf8 = field.getBytes(StandardCharsets.UTF_8);
                out.writeShort(utf8.length);
                out.write(utf8);
            }
            out.writeShort(messageId.length);
            out.write(messageId);
            out.writeByte(purpose.getNumber());
            out.writeByte(store ? 1 : 0);
            out.writeShort(device.length);
            out.write(device);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static byte[] signingInput(byte[] header, byte[] sealed) {
        return CallSignalSeals.signingInput(header, sealed);
    }
}
