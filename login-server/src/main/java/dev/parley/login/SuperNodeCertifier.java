package dev.parley.login;

import com.google.protobuf.ByteString;
import dev.parley.protocol.Ed25519KeyPair;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.SuperNodeCertificates;
import dev.parley.protocol.tls.KeyVerifier;
import dev.parley.protocol.wire.EnrollSuperNode;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.RenewSuperNode;
import dev.parley.protocol.wire.SuperNodeCertificate;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Super-node enrolment and certificates (docs/security.md "Certified super nodes"): an operator
 * makes a one-time token ({@link SuperNodeAdmin#createToken}, {@code parley login-server enroll}); a super node
 * proves possession of its node key and spends the token ({@code EnrollSuperNode}); from then on
 * the enrolled key renews its short-lived certificate ({@value #LIFETIME_HOURS} h) without a token
 * ({@code RenewSuperNode}) until the operator revokes it ({@link SuperNodeAdmin#revoke}).
 *
 * <p>Blocking (JDBC): never call on a Netty event loop. Thread-safe.
 */
public final class SuperNodeCertifier {
    private static final Logger log = LoggerFactory.getLogger(SuperNodeCertifier.class);
    static final int LIFETIME_HOURS = 6;
    /** Validity of a super-node certificate: short, renewed at half-life while the super node serves. */
    public static final Duration CERTIFICATE_LIFETIME = Duration.ofHours(LIFETIME_HOURS);
    /** Validity of a promoted client's certificate: 20 min, renewed at half-life while it serves and is not demoted. */
    public static final Duration PROMOTED_LIFETIME = Duration.ofMinutes(20);
    private static final HexFormat HEX = HexFormat.of();

    private final SuperNodeStore store;
    private final Ed25519KeyPair loginKey;
    private final InstantSource clock;
    private final SuperNodeRegistry directory;

    /**
     * @param store the enrolment tables
     * @param loginKey the login server's signing key
     * @param clock time of tokens and certificates
     * @param directory the live super nodes (an address held by another live key is refused)
     */
    SuperNodeCertifier(SuperNodeStore store, Ed25519KeyPair loginKey, InstantSource clock,
            SuperNodeRegistry directory) {
        this.store = store;
        this.loginKey = loginKey;
        this.clock = clock;
        this.directory = directory;
    }

    /**
     * Enrols a super node with a token.
     *
     * @return its first certificate
     * @throws ProtocolException INVALID_CREDENTIAL (wrong, used or missing token; failed proof of
     *     possession; revoked key; address held by another live super node), EXPIRED_CREDENTIAL
     *     (token expired), BAD_REQUEST (address)
     */
    SuperNodeCertificate enrol(EnrollSuperNode request) throws ProtocolException, SQLException {
        HostPort address = LoginHandler.validSuperNodeAddress(request.getAddress());
        Instant now = clock.instant();
        SuperNodeCertificates.verifyRequest(true, request.getNodeKey(), request.getMeshKey(), request.getAddress(),
                request.getSignedAtMs(), request.getSignature(), now);
        String keyHex = HEX.formatHex(request.getNodeKey().toByteArray());
        String fingerprint = KeyVerifier.fingerprint(request.getNodeKey().toByteArray());
        refuseRevoked(store.find(keyHex), fingerprint);
        checkAddressFree(address, request.getNodeKey());
        String token = request.getToken().strip().toLowerCase(Locale.ROOT);
        if (token.isEmpty()) {
            throw new ProtocolException(ErrorCode.INVALID_CREDENTIAL, "enrolment token: missing");
        }
        switch (store.consumeToken(hashToken(token), now.toEpochMilli(), keyHex)) {
            case CONSUMED -> { }
            case UNKNOWN -> throw new ProtocolException(ErrorCode.INVALID_CREDENTIAL,
                    "enrolment token unknown (mistyped? tokens come from `parley login-server enroll` on this login server)");
            case EXPIRED -> throw new ProtocolException(ErrorCode.EXPIRED_CREDENTIAL,
                    "enrolment token expired; make a new one with `parley login-server enroll`");
            case USED -> throw new ProtocolException(ErrorCode.INVALID_CREDENTIAL,
                    "enrolment token already used (tokens are single use); make a new one with `parley login-server enroll`");
        }
        store.enrol(keyHex, fingerprint, now.toEpochMilli());
        log.info("super node {} enrolled at {}", fingerprint, address);
        return certify(request.getNodeKey(), request.getMeshKey(), address, keyHex, fingerprint, now,
                CERTIFICATE_LIFETIME);
    }

    /**
     * Renews the certificate of an enrolled, unrevoked key (the address may change).
     *
     * @throws ProtocolException INVALID_CREDENTIAL (failed proof, key not enrolled or revoked, address
     *     held by another live super node), BAD_REQUEST (address)
     */
    SuperNodeCertificate renew(RenewSuperNode request) throws ProtocolException, SQLException {
        HostPort address = LoginHandler.validSuperNodeAddress(request.getAddress());
        Instant now = clock.instant();
        SuperNodeCertificates.verifyRequest(false, request.getNodeKey(), request.getMeshKey(), request.getAddress(),
                request.getSignedAtMs(), request.getSignature(), now);
        String keyHex = HEX.formatHex(request.getNodeKey().toByteArray());
        String fingerprint = KeyVerifier.fingerprint(request.getNodeKey().toByteArray());
        Optional<SuperNodeStore.Enrolled> enrolled = store.find(keyHex);
        if (enrolled.isEmpty()) {
            throw new ProtocolException(ErrorCode.INVALID_CREDENTIAL, "super node key " + fingerprint
                    + " is not enrolled: run `parley login-server enroll` and start the super node with --enroll TOKEN");
        }
        refuseRevoked(enrolled, fingerprint);
        checkAddressFree(address, request.getNodeKey());
        SuperNodeStore.Kind kind = store.kind(keyHex).orElse(SuperNodeStore.Kind.ENROLLED);
        if (kind == SuperNodeStore.Kind.DEMOTED) {
            throw new ProtocolException(ErrorCode.INVALID_CREDENTIAL, "super node key " + fingerprint
                    + " was demoted by the login server's promotion policy; it serves again only when promoted again");
        }
        return certify(request.getNodeKey(), request.getMeshKey(), address, keyHex, fingerprint, now,
                kind == SuperNodeStore.Kind.PROMOTED ? PROMOTED_LIFETIME : CERTIFICATE_LIFETIME);
    }

    /**
     * Certifies a client the promotion policy chose ({@code PromotionPolicy}), without an operator
     * token, for {@link #PROMOTED_LIFETIME}; the key is recorded as 'promoted' (renewals then keep
     * that lifetime until it is demoted). The caller checked the proof of possession and reachability.
     *
     * @throws ProtocolException INVALID_CREDENTIAL if the key is revoked or operator-enrolled, or the
     *     address is held by another live super node
     */
    SuperNodeCertificate promote(ByteString nodeKey, ByteString meshKey, HostPort address)
            throws ProtocolException, SQLException {
        Instant now = clock.instant();
        String keyHex = HEX.formatHex(nodeKey.toByteArray());
        String fingerprint = KeyVerifier.fingerprint(nodeKey.toByteArray());
        checkAddressFree(address, nodeKey);
        if (!store.promoted(keyHex, fingerprint, now.toEpochMilli())) {
            throw new ProtocolException(ErrorCode.INVALID_CREDENTIAL, "super node key " + fingerprint
                    + " is revoked or enrolled by an operator: not promoted");
        }
        log.info("client super node {} promoted at {}", fingerprint, address);
        return certify(nodeKey, meshKey, address, keyHex, fingerprint, now, PROMOTED_LIFETIME);
    }

    /** Marks a promoted key demoted (its renewals are refused from now on). Blocking (JDBC). */
    void demote(ByteString nodeKey) throws SQLException {
        store.demoted(HEX.formatHex(nodeKey.toByteArray()));
    }

    private static void refuseRevoked(Optional<SuperNodeStore.Enrolled> enrolled, String fingerprint)
            throws ProtocolException {
        if (enrolled.isPresent() && enrolled.get().revoked()) {
            throw new ProtocolException(ErrorCode.INVALID_CREDENTIAL, "super node key " + fingerprint
                    + " was revoked by the operator; it gets no certificate (a new key needs a new enrolment)");
        }
    }

    /** A certified super node must not take over the address of another live one. */
    private void checkAddressFree(HostPort address, ByteString nodeKey) throws ProtocolException {
        Optional<SuperNodeCertificate> holder = directory.holder(address);
        if (holder.isPresent() && !holder.get().getNodeKey().equals(nodeKey)) {
            throw new ProtocolException(ErrorCode.INVALID_CREDENTIAL, String.format(
                    "address %s is served by another live super node (key %s)", address,
                    KeyVerifier.fingerprint(holder.get().getNodeKey().toByteArray())));
        }
    }

    private SuperNodeCertificate certify(ByteString nodeKey, ByteString meshKey, HostPort address, String keyHex,
            String fingerprint, Instant now, Duration lifetime) throws SQLException {
        SuperNodeCertificate certificate = SuperNodeCertificates.issue(loginKey, nodeKey.toByteArray(),
                meshKey.toByteArray(), address, now, lifetime);
        store.certified(keyHex, address.toString(), now.toEpochMilli());
        log.debug("certified super node {} at {} until {}", fingerprint, address,
                Instant.ofEpochMilli(certificate.getExpiresAtMs()));
        return certificate;
    }

    /** @return SHA-256 of the normalized token text, hex (tokens are random: no salt or slow hash needed) */
    static String hashToken(String token) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(token.strip().toLowerCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8));
            return HEX.formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
