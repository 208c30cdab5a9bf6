package dev.parley.supernode;

import com.google.protobuf.ByteString;
import dev.parley.protocol.Credentials;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.SuperNodeCertificates;
import dev.parley.protocol.wire.SuperNodeCertificate;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Peers' super-node certificates for the mesh: verification with the login server's key, cached,
 * and lookups of the peers' verified certificates by address and by key id (for authenticated mesh
 * datagrams: pairwise keys from the certificates' mesh keys).
 *
 * <p>Gossip repeats the same certificates every round: a certificate verified once is remembered by
 * its signature (up to {@value #CACHE_ENTRIES}, least recently used dropped), and a later copy that
 * is byte-for-byte equal costs no Ed25519 verification, only the validity check against the clock.
 *
 * <p>Confined to the mesh event loop.
 */
final class PeerCertificates {
    /** Verified certificates remembered. */
    static final int CACHE_ENTRIES = 4096;

    /**
     * A certificate that verified, and the address it names.
     *
     * @param address the certified address
     * @param certificate the certificate
     */
    record Verified(HostPort address, SuperNodeCertificate certificate) {}

    private final PeerTable table;
    private final Supplier<byte @Nullable []> loginKey;
    private final InstantSource clock;
    private final NodeIdentity self;
    private final LinkedHashMap<ByteString, SuperNodeCertificate> verified = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<ByteString, SuperNodeCertificate> eldest) {
            return size() > CACHE_ENTRIES;
        }
    };
    private long verifications;

    /**
     * @param table the peer table whose entries hold the peers' certificates
     * @param loginKey the login server's key (none while unknown: nothing verifies)
     * @param clock time of validity checks
     * @param self this super node's identity
     */
    PeerCertificates(PeerTable table, Supplier<byte @Nullable []> loginKey, InstantSource clock, NodeIdentity self) {
        this.table = table;
        this.loginKey = loginKey;
        this.clock = clock;
        this.self = self;
    }

    /**
     * @param certificate a certificate from the network (directory, gossip)
     * @return it with its address if it is valid now, else null (forged, expired, malformed, or the
     *     login server's key not known yet)
     */
    @Nullable Verified verify(SuperNodeCertificate certificate) {
        byte[] key = loginKey.get();
        if (key == null) {
            return null;
        }
        ByteString signature = certificate.getSignature();
        SuperNodeCertificate known = verified.get(signature);
        long nowMs = clock.millis();
        if (known != null && known.equals(certificate)) {
            return stillValid(known, nowMs) ? new Verified(HostPort.of(known.getAddress()), known) : null;
        }
        verifications++;
        try {
            HostPort address = SuperNodeCertificates.verify(key, certificate, clock.instant());
            verified.put(signature, certificate);
            return new Verified(address, certificate);
        } catch (ProtocolException e) {
            return null;
        }
    }

    private static boolean stillValid(SuperNodeCertificate c, long nowMs) {
        long skewMs = Credentials.CLOCK_SKEW.toMillis();
        return nowMs <= c.getExpiresAtMs() + skewMs && nowMs + skewMs >= c.getIssuedAtMs();
    }

    /** @return whether {@code c} has expired (past its validity and the clock skew) */
    boolean expired(SuperNodeCertificate c) {
        return !stillValid(c, clock.millis());
    }

    /** @return Ed25519 verifications done so far (cache misses) */
    long verifications() {
        return verifications;
    }

    /** @return the verified certificate of the peer at {@code address} in the table, if any */
    @Nullable SuperNodeCertificate byAddress(HostPort address) {
        PeerTable.Peer p = table.get(address);
        return p == null ? null : p.certificate;
    }

    /**
     * @param keyId {@link SuperNodeCertificates#keyId} of a node key ({@value SuperNodeCertificates#KEY_ID_BYTES} bytes)
     * @return the verified certificate of the peer in the table with that key, if any
     */
    @Nullable SuperNodeCertificate byKeyId(byte[] keyId) {
        PeerTable.Peer p = table.byKeyId(ByteString.copyFrom(keyId));
        return p == null ? null : p.certificate;
    }

    /** @return this super node's identity (node key, mesh key, current certificate) */
    NodeIdentity self() {
        return self;
    }
}
