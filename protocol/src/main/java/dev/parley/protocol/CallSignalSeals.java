package dev.parley.protocol;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.parley.protocol.wire.CallSignal;
import dev.parley.protocol.wire.Credential;
import dev.parley.protocol.wire.ErrorCode;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * End-to-end protection of call signals (docs/protocol.md "Sealed call signals"): the kind of a
 * {@link CallSignal} and its content (media description, ICE credentials, relay tokens and keys,
 * key shares, reasons) are encrypted to the recipient's certified X25519 key with HPKE (RFC 9180,
 * base mode, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM) and signed with the sender's
 * certified Ed25519 key; only {@code call_id}, {@code from} and {@code to} stay readable for the
 * super nodes that route it.
 *
 * <p>Byte layouts (big-endian; {@code str} = uint16 length | UTF-8 bytes):
 * <pre>
 * header        = "parley-call-signal-v1" | str(call_id) | str(from) | str(to) | uint64 seq
 * HPKE info     = "parley-call-signal-v1";  HPKE aad = header
 * sealed        = enc (32, the HPKE encapsulated key) | AEAD ciphertext (plaintext + 16-byte tag)
 * plaintext     = a CallSignal protobuf holding only its kind (no routing or seal fields)
 * signingInput  = header | uint32 len(sealed) | sealed
 * signature     = Ed25519(sender's credential key, signingInput)
 * </pre>
 * The signature authenticates the sender (HPKE base mode does not); the aad binds the ciphertext
 * to its routing fields and sequence number even before the signature is checked. Sequence
 * numbers, and which key belongs to the call's peer, are the caller of {@link #open}'s business.
 */
public final class CallSignalSeals {
    /** Largest accepted {@code sealed} field, in bytes (a sealed INVITE with relay candidates is < 1 KiB). */
    public static final int MAX_SEALED_BYTES = 8 * 1024;
    /** What {@link #seal} uses, for reports. */
    public static final String SUITE = "HPKE X25519/AES-128-GCM";
    /** Longest accepted call id, from or to (characters). */
    static final int MAX_ROUTING_CHARS = 128;
    private static final byte[] CONTEXT = "parley-call-signal-v1".getBytes(StandardCharsets.US_ASCII);
    private static final int ENC_BYTES = HpkeBoxes.ENC_BYTES;
    private static final int TAG_BYTES = HpkeBoxes.TAG_BYTES;

    private CallSignalSeals() {}

    /**
     * Seals and signs a signal.
     *
     * @param plain the signal in clear: routing fields and kind
     * @param seq this call's next sequence number in this direction (≥ 1)
     * @param recipientKey the recipient's certified raw 32-byte X25519 key ({@code Credential.encryption_key})
     * @param sender the sender's key pair (the one its credential certifies)
     * @param senderCredential attached in clear (public) for a recipient that does not know the sender yet (INVITE); or none
     * @return the signal as sent: routing fields, {@code seq}, {@code sealed}, {@code signature}, no kind
     * @throws IllegalArgumentException for a recipient key that is not a usable X25519 key, or a plaintext over the bound
     */
    public static CallSignal seal(CallSignal plain, long seq, byte[] recipientKey, Ed25519KeyPair sender,
            @Nullable Credential senderCredential) {
        byte[] body = CallSignal.newBuilder().mergeFrom(plain).clearCallId().clearFrom().clearTo().clearSeq()
                .clearSealed().clearSignature().clearSenderCredential().build().toByteArray();
        if (body.length + ENC_BYTES + TAG_BYTES > MAX_SEALED_BYTES) {
            throw new IllegalArgumentException(String.format("sealed signal: %d bytes (expected: <= %d)",
                    body.length + ENC_BYTES + TAG_BYTES, MAX_SEALED_BYTES));
        }
        byte[] header = header(plain.getCallId(), plain.getFrom(), plain.getTo(), seq);
        byte[] sealed = HpkeBoxes.seal(recipientKey, CONTEXT, header, body);
        CallSignal.Builder out = CallSignal.newBuilder().setCallId(plain.getCallId()).setFrom(plain.getFrom())
                .setTo(plain.getTo()).setSeq(seq).setSealed(ByteString.copyFrom(sealed))
                .setSignature(ByteString.copyFrom(sender.sign(signingInput(header, sealed))));
        if (senderCredential != null) {
            out.setSenderCredential(senderCredential);
        }
        return out.build();
    }

    /**
     * Checks a sealed signal's signature with {@code senderKey}, then decrypts it with {@code recipient}.
     *
     * @param sealed the signal as received
     * @param senderKey the raw Ed25519 key of the credential of the user the signal claims to be from
     * @param recipient this user's encryption key pair (the one its credential certifies)
     * @return the signal in clear: the routing fields, {@code seq} and {@code sender_credential} of
     *     {@code sealed}, and the decrypted kind
     * @throws ProtocolException {@link ErrorCode#BAD_REQUEST} for a signal without seal, signature or
     *     kind, oversized or malformed; {@link ErrorCode#INVALID_CREDENTIAL} for a signature that does
     *     not verify or a ciphertext that does not decrypt (tampered, or sealed to another key)
     */
    public static CallSignal open(CallSignal sealed, byte[] senderKey, X25519KeyPair recipient) throws ProtocolException {
        byte[] box = sealed.getSealed().toByteArray();
        if (box.length < ENC_BYTES + TAG_BYTES || box.length > MAX_SEALED_BYTES) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, String.format("sealed: %d bytes (expected: %d..%d)",
                    box.length, ENC_BYTES + TAG_BYTES, MAX_SEALED_BYTES));
        }
        if (sealed.getKindCase() != CallSignal.KindCase.KIND_NOT_SET) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, "sealed signal with a kind in clear");
        }
        for (String field : new String[] {sealed.getCallId(), sealed.getFrom(), sealed.getTo()}) {
            if (field.isEmpty() || field.length() > MAX_ROUTING_CHARS) {
                throw new ProtocolException(ErrorCode.BAD_REQUEST, String.format(
                        "routing field: %d characters (expected: 1..%d)", field.length(), MAX_ROUTING_CHARS));
            }
        }
        if (sealed.getSeq() < 1) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, "seq: 0 (expected: >= 1)");
        }
        byte[] header = header(sealed.getCallId(), sealed.getFrom(), sealed.getTo(), sealed.getSeq());
        if (!Ed25519KeyPair.verify(senderKey, signingInput(header, box), sealed.getSignature().toByteArray())) {
            throw new ProtocolException(ErrorCode.INVALID_CREDENTIAL,
                    "signal signature does not verify with the key of '" + sealed.getFrom() + "'");
        }
        byte[] body = HpkeBoxes.open(box, recipient, CONTEXT, header, "signal");
        CallSignal inner;
        try {
            inner = CallSignal.parseFrom(body);
        } catch (InvalidProtocolBufferException e) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, "sealed body: not a call signal");
        }
        if (inner.getKindCase() == CallSignal.KindCase.KIND_NOT_SET || !inner.getCallId().isEmpty()
                || !inner.getFrom().isEmpty() || !inner.getTo().isEmpty() || inner.getSeq() != 0 || !inner.getSealed().isEmpty()
                || !inner.getSignature().isEmpty() || inner.hasSenderCredential()) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, "sealed body: a kind only (expected: no routing or seal fields)");
        }
        CallSignal.Builder open = inner.toBuilder().setCallId(sealed.getCallId()).setFrom(sealed.getFrom())
                .setTo(sealed.getTo()).setSeq(sealed.getSeq());
        if (sealed.hasSenderCredential()) {
            open.setSenderCredential(sealed.getSenderCredential());
        }
        return open.build();
    }

    /** @return the header (see the class comment) */
    static byte[] header(String callId, String from, String to, long seq) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(96);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.write(CONTEXT);
            for (String field : new String[] {callId, from, to}) {
                byte[] utf8 = field.getBytes(StandardCharsets.UTF_8);
                if (utf8.length > 0xFFFF) {
                    throw new IllegalArgumentException(String.format("signal field: %d bytes (expected: <= 65535)", utf8.length));
                }
                out.writeShort(utf8.length);
                out.write(utf8);
            }
            out.writeLong(seq);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** @return the bytes a sender signs: header | uint32 len(sealed) | sealed */
    public static byte[] signingInput(String callId, String from, String to, long seq, byte[] sealed) {
        return signingInput(header(callId, from, to, seq), sealed);
    }

    /** @return header | uint32 len(sealed) | sealed (also the chat packets' signing input) */
    static byte[] signingInput(byte[] header, byte[] sealed) {
        byte[] input = new byte[header.length + 4 + sealed.length];
        System.arraycopy(header, 0, input, 0, header.length);
        int n = sealed.length;
        input[header.length] = (byte) (n >>> 24);
        input[header.length + 1] = (byte) (n >>> 16);
        input[header.length + 2] = (byte) (n >>> 8);
        input[header.length + 3] = (byte) n;
        System.arraycopy(sealed, 0, input, header.length + 4, n);
        return input;
    }
}
