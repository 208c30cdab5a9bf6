package dev.parley.supernode;

import dev.parley.protocol.CallSignalSeals;
import dev.parley.protocol.Credentials;
import dev.parley.protocol.Ed25519KeyPair;
import dev.parley.protocol.Envelopes;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.PresenceRecords;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.Usernames;
import dev.parley.protocol.wire.CallSignal;
import dev.parley.protocol.wire.Credential;
import dev.parley.protocol.wire.Envelope;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.PresenceRecord;
import dev.parley.protocol.wire.Register;
import dev.parley.protocol.wire.Registered;
import dev.parley.protocol.wire.SearchResult;
import io.netty.channel.Channel;
import java.util.List;

/** Validation of client requests and construction of their answers; stateless. */
final class ClientMessages {
    /** Most super-node addresses returned in {@code Registered}. */
    static final int MAX_REGISTERED_SUPER_NODES = 20;
    /** Most media candidates accepted in {@code Register}. */
    static final int MAX_CANDIDATES = 32;
    /** Longest accepted call id, in characters. */
    static final int MAX_CALL_ID_LENGTH = 128;

    private ClientMessages() {}

    /**
     * Verifies a {@code Register} request: the credential's signature and validity period with the
     * login server's key, then the proof of key possession over this connection's nonce, this super
     * node's node key and, when the client says it signed it, the TLS exporter
     * ({@link Credentials#registerProofInput}; a proof made for another super node is refused).
     *
     * @param register the request
     * @param nonce the nonce sent in this connection's {@code ServerHello}
     * @param channel the client's connection
     * @param node the super node (advertised address, clock)
     * @return the new session
     * @throws ProtocolException {@link ErrorCode#INVALID_CREDENTIAL} (forged or malformed credential,
     *     wrong proof, missing or wrong presence signature, presence signed more than the clock skew
     *     away from now), {@link ErrorCode#EXPIRED_CREDENTIAL}, {@link ErrorCode#ACCOUNT_DISABLED} (revoked by the
     *     login server: {@link RevokedCredentials}), {@link ErrorCode#BAD_REQUEST} (too many
     *     candidates), {@link ErrorCode#INTERNAL} (the login server's key is not known yet: not the
     *     client's fault, it may retry)
     */
    static Session verifyRegister(Register register, byte[] nonce, Channel channel, NodeContext node)
            throws ProtocolException {
        byte[] serverKey = node.serverKey().get();
        if (serverKey == null) {
            throw new ProtocolException(ErrorCode.INTERNAL, "login server key not yet known; try again later");
        }
        if (!register.hasCredential()) {
            throw new ProtocolException(ErrorCode.INVALID_CREDENTIAL, "credential: missing");
        }
        Credentials.verify(serverKey, register.getCredential(), node.clock().instant());
        node.presence().revoked().check(register.getCredential()); // the login server dropped it (LoginQueries)
        byte[] exporter = register.getChannelBound() ? PeerHellos.requireExporter(channel) : null;
        Credentials.verifyProof(register.getCredential(), nonce, node.identity().nodeKey().publicKey(), exporter,
                register.getProof().toByteArray());
        if (register.getCandidatesCount() > MAX_CANDIDATES) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, String.format(
                    "candidates: %d (expected: <= %d)", register.getCandidatesCount(), MAX_CANDIDATES));
        }
        Credential credential = register.getCredential();
        byte[] signature = register.getPresenceSignature().toByteArray();
        if (signature.length == 0) {
            throw new ProtocolException(ErrorCode.INVALID_CREDENTIAL,
                    "presence_signature: missing (expected: the client's signature over its presence, see PresenceRecords)");
        }
        long signedAt = register.getPresenceSignedAtMs();
        long skewMs = Math.abs(node.clock().millis() - signedAt);
        if (skewMs > Credentials.CLOCK_SKEW.toMillis()) {
            throw new ProtocolException(ErrorCode.INVALID_CREDENTIAL, String.format(
                    "presence_signed_at_ms: %d ms from now (expected: <= %d)", skewMs, Credentials.CLOCK_SKEW.toMillis()));
        }
        byte[] input = PresenceRecords.signingInput(credential.getUsername(), node.advertised(),
                register.getCandidatesList(), signedAt);
        if (!Ed25519KeyPair.verify(credential.getPublicKey().toByteArray(), input, signature)) {
            throw new ProtocolException(ErrorCode.INVALID_CREDENTIAL,
                    "presence signature does not verify with the credential's public key");
        }
        PresenceRecord record = PresenceRecords.record(credential, node.advertised(), register.getCandidatesList(),
                signedAt, signature, node.clock().millis());
        return new Session(register.getCredential().getUsername(), channel, record);
    }

    /**
     * Checks that a re-registration on a registered connection continues {@code current}: the same
     * user, and a presence signed after the current one (so an older {@code Register} cannot be replayed).
     *
     * @throws ProtocolException {@link ErrorCode#BAD_REQUEST} for another user,
     *     {@link ErrorCode#INVALID_CREDENTIAL} for a presence not newer than the current one
     */
    static void checkReregister(Session current, Session fresh) throws ProtocolException {
        if (!fresh.username().equals(current.username())) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, "re-register as '" + fresh.username()
                    + "' (expected: '" + current.username() + "', this connection's user)");
        }
        long before = current.record().getSignedAtMs();
        if (fresh.record().getSignedAtMs() <= before) {
            throw new ProtocolException(ErrorCode.INVALID_CREDENTIAL, String.format(
                    "presence_signed_at_ms: %d (expected: > %d, the current registration's)",
                    fresh.record().getSignedAtMs(), before));
        }
    }

    /** @return the {@code Registered} answer listing up to {@value #MAX_REGISTERED_SUPER_NODES} peers */
    static Envelope registered(long requestId, List<HostPort> peers) {
        Registered.Builder registered = Registered.newBuilder();
        peers.stream().limit(MAX_REGISTERED_SUPER_NODES).forEach(p -> registered.addSuperNodes(p.toAddress()));
        return Envelopes.builder(requestId).setRegistered(registered).build();
    }

    /** @return the {@code SearchResult} answer for an outcome */
    static Envelope searchResult(long requestId, SearchOutcome outcome, long elapsedMs) {
        SearchResult.Builder result = SearchResult.newBuilder()
                .setFound(outcome.location().isPresent())
                .setSupernodesContacted(outcome.superNodesContacted())
                .setElapsedMs((int) Math.max(0, Math.min(elapsedMs, Integer.MAX_VALUE)))
                .setFromCache(outcome.fromCache());
        outcome.location().ifPresent(l -> result.setRecord(l.record()).addAllDevices(l.devices()));
        return Envelopes.builder(requestId).setSearchResult(result).build();
    }

    /** A device id is its credential's Ed25519 key (32 bytes). */
    static final int MAX_DEVICE_ID_BYTES = 32;

    /**
     * Checks a client's call signal and fills in canonical names.
     *
     * @param signal as sent by the client
     * @param sender the canonical username of the sending session
     * @return the signal with {@code from} = sender and canonical {@code to}
     * @throws ProtocolException {@link ErrorCode#BAD_REQUEST} for a missing/oversized call id, neither a
     *     kind nor a sealed body (an end-to-end sealed signal carries its kind inside {@code sealed},
     *     which the super node cannot read and routes as is), an oversized sealed body or {@code to_device}, or a {@code from}
     *     other than the sender; {@link ErrorCode#INVALID_USERNAME} for an invalid {@code to}
     */
    static CallSignal normalize(CallSignal signal, String sender) throws ProtocolException {
        if (signal.getCallId().isEmpty() || signal.getCallId().length() > MAX_CALL_ID_LENGTH) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, String.format(
                    "call_id: %d characters (expected: 1..%d)", signal.getCallId().length(), MAX_CALL_ID_LENGTH));
        }
        if (signal.getKindCase() == CallSignal.KindCase.KIND_NOT_SET && signal.getSealed().isEmpty()) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST,
                    "call signal: no kind and nothing sealed (expected: a sealed signal, docs/protocol.md)");
        }
        if (signal.getSealed().size() > CallSignalSeals.MAX_SEALED_BYTES) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, String.format("call signal: sealed %d bytes (expected: <= %d)",
                    signal.getSealed().size(), CallSignalSeals.MAX_SEALED_BYTES));
        }
        if (signal.getToDevice().size() > MAX_DEVICE_ID_BYTES) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, String.format("call signal: to_device %d bytes (expected: <= %d)",
                    signal.getToDevice().size(), MAX_DEVICE_ID_BYTES));
        }
        if (!signal.getFrom().isEmpty() && !signal.getFrom().equalsIgnoreCase(sender)) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST,
                    "from: '" + signal.getFrom() + "' (expected: '" + sender + "', the registered user)");
        }
        return signal.toBuilder().setFrom(sender).setTo(Usernames.canonical(signal.getTo())).build();
    }
}
