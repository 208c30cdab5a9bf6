package dev.parley.protocol;

import com.google.protobuf.ByteString;
import dev.parley.protocol.wire.Credential;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.MailboxAck;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

/**
 * A recipient's signed request to delete delivered packets from its mailbox (docs/protocol.md
 * "Mailboxes"): super nodes forward it unchanged to the replicas, which check it, so no super node
 * can delete another user's mail.
 * <pre>
 * signingInput = "parley-mailbox-ack-v1" | str(username) | uint16 count | message ids (16 each)
 *                | int64 signed_at_ms                                             (big-endian)
 * </pre>
 */
public final class MailboxAcks {
    private static final byte[] CONTEXT = "parley-mailbox-ack-v1".getBytes(StandardCharsets.US_ASCII);

    private MailboxAcks() {}

    /**
     * @param credential the recipient's credential (certifies {@code key})
     * @param ids 1..{@link ChatSeals#MAX_RECEIPT_IDS} message ids of 16 bytes
     * @return the signed acknowledgement
     */
    public static MailboxAck sign(Credential credential, Ed25519KeyPair key, List<ByteString> ids, long signedAtMs) {
        byte[] signature = key.sign(signingInput(credential.getUsername(), ids, signedAtMs));
        return MailboxAck.newBuilder().setCredential(credential).addAllMessageIds(ids).setSignedAtMs(signedAtMs)
                .setSignature(ByteString.copyFrom(signature)).build();
    }

    /**
     * @return the canonical name of the user whose mailbox the acknowledgement is for
     * @throws ProtocolException {@link ErrorCode#BAD_REQUEST} (no or too many ids, ids not 16 bytes),
     *     {@link ErrorCode#INVALID_CREDENTIAL} / {@link ErrorCode#EXPIRED_CREDENTIAL} (credential,
     *     signature, or {@code signed_at_ms} more than 5 min from {@code now})
     */
    public static String verify(byte[] serverKey, MailboxAck ack, Instant now) throws ProtocolException {
        int n = ack.getMessageIdsCount();
        if (n < 1 || n > ChatSeals.MAX_RECEIPT_IDS) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, String.format("mailbox ack ids: %d (expected: 1..%d)",
                    n, ChatSeals.MAX_RECEIPT_IDS));
        }
        for (ByteString id : ack.getMessageIdsList()) {
            if (id.size() != ChatSeals.MESSAGE_ID_BYTES) {
                throw new ProtocolException(ErrorCode.BAD_REQUEST, "mailbox ack: a message id of " + id.size() + " bytes");
            }
        }
        Credentials.verify(serverKey, ack.getCredential(), now);
        if (Math.abs(ack.getSignedAtMs() - now.toEpochMilli()) > Credentials.CLOCK_SKEW.toMillis()) {
            throw new ProtocolException(ErrorCode.INVALID_CREDENTIAL, "mailbox ack signed at "
                    + Instant.ofEpochMilli(ack.getSignedAtMs()) + " (expected: within 5 min of " + now + ")");
        }
        String user = ack.getCredential().getUsername();
        if (!Ed25519KeyPair.verify(ack.getCredential().getPublicKey().toByteArray(),
                signingInput(user, ack.getMessageIdsList(), ack.getSignedAtMs()), ack.getSignature().toByteArray())) {
            throw new ProtocolException(ErrorCode.INVALID_CREDENTIAL, "mailbox ack signature does not verify with the key of '"
                    + user + "'");
        }
        return user;
    }

    static byte[] signingInput(String username, List<ByteString> ids, long signedAtMs) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + 16 * ids.size());
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.write(CONTEXT);
            byte[] utf8 = username.getBytes(StandardCharsets.UTF_8);
            out.writeShort(utf8.length);
            out.write(utf8);
            out.writeShort(ids.size());
            for (ByteString id : ids) {
                out.write(id.toByteArray());
            }
            out.writeLong(signedAtMs);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
