package dev.parley.protocol;

import com.google.protobuf.ByteString;
import dev.parley.protocol.wire.Candidate;
import dev.parley.protocol.wire.Credential;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.PresenceRecord;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Signed presence records: the user's own statement "I am registered at super node S with these
 * media candidates since T", signed with the key its credential certifies. Anyone holding the
 * login server's public key can check a record without trusting the super node that relayed it.
 *
 * <p>Signing input (big-endian, lengths as uint16, count as uint16):
 * <pre>
 * "parley-presence-v1" | len(username) | username (UTF-8) | len(sn) | sn "HOST:PORT" (UTF-8)
 *   | count | per candidate: type (uint8) | len(host) | host | port (uint16) | priority (uint32)
 *   | signed_at_ms (int64)
 * </pre>
 */
public final class PresenceRecords {
    private static final byte[] CONTEXT = "parley-presence-v1".getBytes(StandardCharsets.US_ASCII);
    /** Default oldest accepted {@code signed_at_ms}: the default credential lifetime. */
    public static final Duration DEFAULT_MAX_AGE = Duration.ofHours(24);

    private PresenceRecords() {}

    /**
     * @param username canonical username
     * @param superNode the super node the user registers with (its advertised address)
     * @param candidates the user's media candidates, in order
     * @param signedAtMs signing time, ms since the epoch
     * @return the bytes the user signs
     */
    public static byte[] signingInput(String username, HostPort superNode, List<Candidate> candidates, long signedAtMs) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(96 + 32 * candidates.size());
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.write(CONTEXT);
            writeString(out, username);
            writeString(out, superNode.toString());
            out.writeShort(candidates.size());
            for (Candidate c : candidates) {
                out.writeByte(c.getTypeValue());
                writeString(out, c.getAddress().getHost());
                out.writeShort(c.getAddress().getPort());
                out.writeInt(c.getPriority());
            }
            out.writeLong(signedAtMs);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * Signs a presence statement with the user's key.
     *
     * @return the 64-byte Ed25519 signature
     */
    public static byte[] sign(Ed25519KeyPair user, String username, HostPort superNode, List<Candidate> candidates,
            long signedAtMs) {
        return user.sign(signingInput(username, superNode, candidates, signedAtMs));
    }

    /**
     * Builds a record from a registration whose signature the caller already checked.
     *
     * @return the record super nodes answer to searches
     */
    public static PresenceRecord record(Credential credential, HostPort superNode, List<Candidate> candidates,
            long signedAtMs, byte[] signature, long updatedAtMs) {
        return PresenceRecord.newBuilder()
                .setCredential(credential)
                .setSuperNode(superNode.toAddress())
                .addAllCandidates(candidates)
                .setSignedAtMs(signedAtMs)
                .setSignature(ByteString.copyFrom(signature))
                .setUpdatedAtMs(updatedAtMs)
                .build();
    }

    /**
     * Checks a presence record: the credential (login server signature, validity), the user's
     * signature over super node, candidates and time, and freshness.
     *
     * @param serverPublicKey the login server's raw Ed25519 public key
     * @param record the record
     * @param expectedUser the canonical username searched for
     * @param now the verifier's time
     * @param maxAge oldest accepted age of {@code signed_at_ms}
     * @throws ProtocolException {@link ErrorCode#INVALID_CREDENTIAL} (forged credential or presence
     *     signature, wrong user, malformed super node), {@link ErrorCode#EXPIRED_CREDENTIAL} (expired
     *     credential, or a record signed more than {@code maxAge} ago or in the future beyond
     *     {@link Credentials#CLOCK_SKEW}: stale)
     */
    public static void verify(byte[] serverPublicKey, PresenceRecord record, String expectedUser, Instant now,
            Duration maxAge) throws ProtocolException {
        Credential credential = record.getCredential();
        if (!credential.getUsername().equals(expectedUser)) {
            throw new ProtocolException(ErrorCode.INVALID_CREDENTIAL,
                    "presence record is for '" + credential.getUsername() + "' (expected: '" + expectedUser + "')");
        }
        Credentials.verify(serverPublicKey, credential, now);
        HostPort superNode;
        try {
            superNode = HostPort.of(record.getSuperNode());
        } catch (IllegalArgumentException e) {
            throw new ProtocolException(ErrorCode.INVALID_CREDENTIAL, "presence record super node: " + e.getMessage());
        }
        byte[] input = signingInput(credential.getUsername(), superNode, record.getCandidatesList(), record.getSignedAtMs());
        if (!Ed25519KeyPair.verify(credential.getPublicKey().toByteArray(), input, record.getSignature().toByteArray())) {
            throw new ProtocolException(ErrorCode.INVALID_CREDENTIAL,
                    "presence signature does not verify with the credential's public key");
        }
        long ageMs = now.toEpochMilli() - record.getSignedAtMs();
        if (ageMs > maxAge.toMillis()) {
            throw new ProtocolException(ErrorCode.EXPIRED_CREDENTIAL, String.format(
                    "presence record age: %d ms (expected: <= %d)", ageMs, maxAge.toMillis()));
        }
        if (-ageMs > Credentials.CLOCK_SKEW.toMillis()) {
            throw new ProtocolException(ErrorCode.EXPIRED_CREDENTIAL, "presence record signed in the future");
        }
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeShort(b.length);
        out.write(b);
    }
}
