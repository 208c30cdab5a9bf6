package dev.parley.protocol;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import dev.parley.protocol.wire.AdminCommand;
import dev.parley.protocol.wire.AdminRequest;
import dev.parley.protocol.wire.ErrorCode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * Signed administrator requests ({@code AdminRequest}, docs/protocol.md "Administration"): an admin
 * key's Ed25519 signature (RFC 8032) over one command, bound to one login-server challenge on one
 * TLS connection, so a captured request is worthless anywhere else.
 *
 * <p>Signing input (big-endian):
 * <pre>
 * "parley-admin-v1" | challenge nonce (32) | login server key (32) | uint8 exporter flag (0/1)
 *     | TLS exporter (32, RFC 9266, only with flag 1) | uint32 len(command) | command bytes
 * </pre>
 * The command is signed as the exact bytes that travel in {@code AdminRequest.command}, and decoded
 * ({@link #decodeCommand}) only after the signature verified.
 */
public final class AdminRequests {
    private static final byte[] CONTEXT = "parley-admin-v1".getBytes(StandardCharsets.US_ASCII);
    /** Length of a challenge nonce, in bytes. */
    public static final int NONCE_BYTES = 32;
    /** Largest accepted {@code AdminRequest.command}, in bytes (a reset password is at most 4 KiB of UTF-8). */
    public static final int MAX_COMMAND_BYTES = 8 * 1024;

    private AdminRequests() {}

    /**
     * @param nonce the connection's current challenge ({@value #NONCE_BYTES} bytes)
     * @param serverKey the login server's raw 32-byte Ed25519 key (the pinned one)
     * @param exporter the connection's RFC 9266 {@code tls-exporter} value, or null without one
     * @param command the serialized {@code AdminCommand}
     * @return the bytes an admin key signs
     */
    public static byte[] signingInput(byte[] nonce, byte[] serverKey, byte @Nullable [] exporter, byte[] command) {
        byte[] bound = SuperNodeCertificates.boundInput(CONTEXT, nonce, serverKey, exporter);
        return ByteBuffer.allocate(bound.length + 4 + command.length).put(bound).putInt(command.length).put(command).array();
    }

    /**
     * @param adminKey the administrator's key pair
     * @param nonce the connection's current challenge
     * @param serverKey the login server's raw key
     * @param exporter the connection's exporter, or null
     * @param command the command
     * @return the signed request
     */
    public static AdminRequest sign(Ed25519KeyPair adminKey, byte[] nonce, byte[] serverKey, byte @Nullable [] exporter,
            AdminCommand command) {
        byte[] bytes = command.toByteArray();
        return AdminRequest.newBuilder().setAdminKey(ByteString.copyFrom(adminKey.publicKey()))
                .setCommand(ByteString.copyFrom(bytes))
                .setSignature(ByteString.copyFrom(adminKey.sign(signingInput(nonce, serverKey, exporter, bytes))))
                .setChannelBound(exporter != null).build();
    }

    /**
     * @return whether {@code request} carries a valid signature by its admin key over {@code command}
     *     for this challenge, server key and exporter (malformed keys or signatures: false)
     */
    public static boolean verify(AdminRequest request, byte[] nonce, byte[] serverKey, byte @Nullable [] exporter) {
        byte[] command = request.getCommand().toByteArray();
        return Ed25519KeyPair.verify(request.getAdminKey().toByteArray(),
                signingInput(nonce, serverKey, exporter, command), request.getSignature().toByteArray());
    }

    /**
     * Decodes a (verified) command.
     *
     * @param command the bytes of {@code AdminRequest.command}
     * @return the command, with one command set
     * @throws ProtocolException BAD_REQUEST if longer than {@value #MAX_COMMAND_BYTES} bytes, not an
     *     {@code AdminCommand}, or without a command
     */
    public static AdminCommand decodeCommand(ByteString command) throws ProtocolException {
        if (command.size() > MAX_COMMAND_BYTES) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, String.format(
                    "command: %d bytes (expected: <= %d)", command.size(), MAX_COMMAND_BYTES));
        }
        AdminCommand decoded;
        try {
            CodedInputStream in = command.newCodedInput();
            in.setRecursionLimit(8);
            decoded = AdminCommand.parseFrom(in);
        } catch (IOException e) { // InvalidProtocolBufferException, or a truncated input
            throw new ProtocolException(ErrorCode.BAD_REQUEST, "command: not an AdminCommand (" + e.getMessage() + ")");
        }
        if (decoded.getCommandCase() == AdminCommand.CommandCase.COMMAND_NOT_SET) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, "command: none set (expected: one AdminCommand)");
        }
        return decoded;
    }
}
