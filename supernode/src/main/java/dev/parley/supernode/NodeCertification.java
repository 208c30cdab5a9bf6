package dev.parley.supernode;

import dev.parley.protocol.HostPort;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.SuperNodeCertificates;
import dev.parley.protocol.wire.Envelope;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.SuperNodeCertificate;
import java.time.Instant;
import java.time.InstantSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link LoginLink}'s part in this super node's certificate (docs/security.md "Certified super
 * nodes"): which request to send ({@code EnrollSuperNode} with the operator's one-time token on the
 * first start, else {@code RenewSuperNode}; both signed with the node key, {@link SuperNodeCertificates}),
 * whether the answer is usable (signed by the login server's key, unexpired, naming this super
 * node's address), when to renew (at half-life) and, while it cannot, an error in the log at most
 * every {@value #EXPIRY_WARNING_INTERVAL_MS} ms once the certificate expired. Times are the given
 * clock's, in ms since the epoch. Confined to the link's event loop.
 */
final class NodeCertification {
    private static final Logger log = LoggerFactory.getLogger(NodeCertification.class);
    /** Least time between two "certificate expired" errors in the log. */
    static final long EXPIRY_WARNING_INTERVAL_MS = 60_000;

    private final NodeIdentity identity;
    private final @Nullable String enrollToken;
    private final HostPort self;
    private final InstantSource clock;
    private long lastExpiryWarningMs = Long.MIN_VALUE;

    /**
     * @param identity this super node's keys and certificate (renewed here)
     * @param enrollToken the operator's one-time token, used when there is no certificate yet
     * @param self this super node's advertised address: the one its certificate must name
     * @param clock time of requests, of the certificate checks and of the renewal schedule
     */
    NodeCertification(NodeIdentity identity, @Nullable String enrollToken, HostPort self, InstantSource clock) {
        this.identity = identity;
        this.enrollToken = enrollToken;
        this.self = self;
        this.clock = clock;
    }

    /** @return whether the next request is an enrolment (no certificate yet, and a token) rather than a renewal */
    boolean enrols() {
        return identity.certificate() == null && enrollToken != null;
    }

    /** @return the signed enrolment (with the token) or renewal request, dated now */
    Envelope.Builder request(boolean enrol) {
        long nowMs = clock.millis();
        return enrol
                ? Envelope.newBuilder().setEnrollSupernode(SuperNodeCertificates.enrolRequest(identity.nodeKey(),
                        identity.meshKey(), self, enrollToken, nowMs))
                : Envelope.newBuilder().setRenewSupernode(SuperNodeCertificates.renewRequest(identity.nodeKey(),
                        identity.meshKey(), self, nowMs));
    }

    /**
     * Verifies the login server's answer and makes it this super node's certificate.
     *
     * @param serverKey the login server's raw Ed25519 public key (32 bytes)
     * @throws ProtocolException if it does not verify, or names another address (INVALID_CREDENTIAL)
     * @throws IllegalArgumentException if its address is malformed
     */
    void accept(byte[] serverKey, SuperNodeCertificate cert) throws ProtocolException {
        HostPort named = SuperNodeCertificates.verify(serverKey, cert, clock.instant());
        if (!named.equals(self)) {
            throw new ProtocolException(ErrorCode.INVALID_CREDENTIAL, "certificate names " + named);
        }
        identity.certified(cert);
    }

    /** @return whether the certificate is past half its lifetime (or missing): renew before the next heartbeat */
    boolean renewalDue() {
        SuperNodeCertificate held = identity.certificate();
        if (held == null) {
            return true;
        }
        long halfLife = held.getIssuedAtMs() + (held.getExpiresAtMs() - held.getIssuedAtMs()) / 2;
        return clock.millis() >= halfLife;
    }

    /** Says loudly, at most once a minute, that clients and peers refuse this super node (its certificate expired). */
    void warnIfExpired(HostPort login) {
        SuperNodeCertificate held = identity.certificate();
        long nowMs = clock.millis();
        if (held != null && nowMs > held.getExpiresAtMs() && nowMs - lastExpiryWarningMs >= EXPIRY_WARNING_INTERVAL_MS) {
            lastExpiryWarningMs = nowMs;
            log.error("the certificate of super node {} expired at {} and login server {} cannot renew it: clients and "
                    + "peers refuse this super node until it can", self, Instant.ofEpochMilli(held.getExpiresAtMs()), login);
        }
    }
}
