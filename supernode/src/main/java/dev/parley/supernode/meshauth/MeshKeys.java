package dev.parley.supernode.meshauth;

import dev.parley.protocol.Credentials;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.SuperNodeCertificates;
import dev.parley.protocol.wire.SuperNodeCertificate;
import dev.parley.supernode.meshauth.MeshDatagramException.Reason;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.security.SecureRandom;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The keys of authenticated mesh datagrams ({@link MeshSeal}): this node's identity and boot id,
 * the datagram counter, and the certified peers it knows, by key id and by certified address.
 *
 * <p>Peer certificates come from three places: {@link #learn}, the {@link CertificateSource} (the
 * peer table, fed by the login server's directory and gossip) when the store has none for an
 * address or key id, and the certificate a datagram may carry. Each is verified with the pinned
 * login server key ({@link SuperNodeCertificates#verify}); verdicts are cached by the certificate's
 * SHA-256 ({@link CertificateCheck}), so a certificate seen again costs a hash, not an Ed25519
 * verification. New certificates arriving in datagrams, which anyone can replay from a spoofed
 * address, are verified at most {@link Limits#verificationsPerSecond} a second (token bucket).
 * Every map is bounded: peers by {@link Limits#maxPeers} (least recently used out), verdicts by
 * twice that, and per peer a few keys and replay windows ({@link MeshPeer}).
 *
 * <p>The boot id is 8 random bytes per start (never 0, which names an unknown boot). Keys are
 * derived per pair of boots, so the counter, which starts at 1 each boot and only grows, never
 * repeats a nonce under one key, whatever the clock does.
 *
 * <p>Not thread-safe: one owner, the mesh loop.
 */
public final class MeshKeys {
    /**
     * Bounds of the store.
     *
     * @param maxPeers certified peers remembered (≥ 1); more evict the least recently used
     * @param verificationsPerSecond new certificates from datagrams verified per second (> 0)
     * @param verificationBurst bucket size of those verifications (> 0)
     */
    public record Limits(int maxPeers, double verificationsPerSecond, double verificationBurst) {
        /** 1024 peers; 100 verifications/s, burst 256 (a whole default peer table learns this node at once). */
        public static final Limits DEFAULTS = new Limits(1024, 100, 256);

        /** @throws IllegalArgumentException for out-of-range values */
        public Limits {
            if (maxPeers < 1 || !(verificationsPerSecond > 0) || !(verificationBurst > 0)) {
                throw new IllegalArgumentException(String.format(
                        "limits: maxPeers %d, %s verifications/s, burst %s (expected: >= 1, > 0, > 0)", maxPeers,
                        verificationsPerSecond, verificationBurst));
            }
        }
    }

    /**
     * Where peers' certificates already known to the node are looked up when the store has none
     * for an address or key id (the peer table, fed by the directory and gossip). What it returns
     * is verified again here (cached), not taken on trust.
     */
    public interface CertificateSource {
        /** @return the certificate held for the peer at this UDP address, if any */
        @Nullable SuperNodeCertificate byAddress(InetSocketAddress socket);

        /** @return the certificate held for the node key with this key id, if any */
        @Nullable SuperNodeCertificate byKeyId(long keyId);
    }


    private final MeshIdentity self;
    private final long selfKeyId;
    private final long boot;
    private final InstantSource clock;
    private final Map<Long, MeshPeer> byKeyId;
    private final Map<InetSocketAddress, MeshPeer> bySocket = new HashMap<>();
    private final CertificateCheck check;
    private long counter;
    private @Nullable SuperNodeCertificate ownCertificate;
    private byte @Nullable [] ownCertificateBytes;
    private long ownEpoch;
    private CertificateSource source = new CertificateSource() {
        @Override
        public @Nullable SuperNodeCertificate byAddress(InetSocketAddress socket) {
            return null;
        }

        @Override
        public @Nullable SuperNodeCertificate byKeyId(long keyId) {
            return null;
        }
    };

    /**
     * @param self this node's keys and certificate
     * @param loginKey the pinned login server key (raw Ed25519), or null while unknown (then no
     *     certificate verifies)
     * @param clock wall clock (certificate validity, datagram times)
     * @param random source of the boot id (a {@code SecureRandom}; tests pass a seeded one)
     * @param limits store bounds
     */
    public MeshKeys(MeshIdentity self, Supplier<byte @Nullable []> loginKey, InstantSource clock, SecureRandom random,
            Limits limits) {
        this.self = self;
        this.selfKeyId = self.keyId();
        this.clock = clock;
        long b;
        do {
            b = random.nextLong();
        } while (b == 0);
        this.boot = b;
        this.byKeyId = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, MeshPeer> eldest) {
                if (size() <= limits.maxPeers()) {
                    return false;
                }
                bySocket.remove(eldest.getValue().socket, eldest.getValue());
                return true;
            }
        };
        this.check = new CertificateCheck(loginKey, clock, 2 * limits.maxPeers(), limits.verificationsPerSecond(),
                limits.verificationBurst());
    }

    /** Sets where certificates missing from the store are looked up (call on the owner's thread). */
    public void setCertificateSource(CertificateSource source) {
        this.source = source;
    }

    /** @return this node's boot id (never 0) */
    public long boot() {
        return boot;
    }

    /** @return this node's key id */
    public long keyId() {
        return selfKeyId;
    }

    /**
     * Adds or renews a peer's certificate from a trusted channel (the login server's directory,
     * gossip over certified links). Verified like any other, but not rate-limited.
     *
     * @param certificate the peer's certificate
     * @return the certified address
     * @throws MeshDatagramException {@link Reason#BAD_CERTIFICATE} if it does not verify or names
     *     no IP literal
     */
    public HostPort learn(SuperNodeCertificate certificate) throws MeshDatagramException {
        byte[] bytes = certificate.toByteArray();
        CertificateCheck.Verdict v = check.verdict(bytes, false);
        if (v.certificate() == null) {
            throw new MeshDatagramException(v.reason(), v.error());
        }
        MeshPeer p = install(v.certificate(), bytes);
        if (p == null) {
            throw new MeshDatagramException(Reason.BAD_CERTIFICATE, "certificate address " + v.certificate().getAddress()
                    + " is not an IP literal");
        }
        return p.address;
    }

    /**
     * The sender side learned nothing from this peer for too long (e.g. a request timed out): it
     * may have restarted or lost this node's certificate, so the next datagrams to it name no
     * receiver boot and carry the certificate again.
     *
     * @param peer the peer's certified UDP address
     */
    public void forgetBoot(InetSocketAddress peer) {
        MeshPeer p = bySocket.get(peer);
        if (p != null) {
            p.peerBoot = 0;
            p.peerBootSentAtMs = Long.MIN_VALUE;
            p.knowsUsEpoch = -1;
        }
    }

    /** @return the certified peer at a UDP address, if one with a current certificate is known */
    @Nullable MeshPeer peerAt(InetSocketAddress socket) {
        MeshPeer p = bySocket.get(socket);
        if (p == null || p.expired(clock.millis(), Credentials.CLOCK_SKEW.toMillis())) {
            p = fromSource(source.byAddress(socket));
        }
        return p != null && p.socket.equals(socket) ? p : null;
    }

    /** @return the source's certificate installed, if it verifies and is current; else null */
    private @Nullable MeshPeer fromSource(@Nullable SuperNodeCertificate c) {
        if (c == null) {
            return null;
        }
        try {
            learn(c);
        } catch (MeshDatagramException e) {
            return null;
        }
        MeshPeer p = byKeyId.get(MeshIdentity.keyIdOf(c.getNodeKey().toByteArray()));
        return p == null || p.expired(clock.millis(), Credentials.CLOCK_SKEW.toMillis()) ? null : p;
    }

    /**
     * Finds who sealed a datagram: its key id's stored certificate, or the one it carries (verified,
     * rate-limited when new, then stored). The sender must send from its certified address.
     *
     * @throws MeshDatagramException {@link Reason#UNKNOWN_SENDER}, {@link Reason#BAD_CERTIFICATE},
     *     {@link Reason#RATE_LIMITED} or {@link Reason#WRONG_ADDRESS}
     */
    MeshPeer sender(SealedHeader h, InetSocketAddress from) throws MeshDatagramException {
        long nowMs = clock.millis();
        MeshPeer p = byKeyId.get(h.senderKeyId());
        if (p != null && p.expired(nowMs, Credentials.CLOCK_SKEW.toMillis())) {
            p = null;
        }
        byte[] offered = h.certificate();
        if (p == null && offered == null) {
            p = fromSource(source.byKeyId(h.senderKeyId()));
        }
        if (offered != null && (p == null || !Arrays.equals(p.certificateBytes, offered))) {
            CertificateCheck.Verdict v = check.verdict(offered, true);
            SuperNodeCertificate c = v.certificate();
            if (c == null || MeshIdentity.keyIdOf(c.getNodeKey().toByteArray()) != h.senderKeyId()) {
                if (p == null) { // a usable stored certificate still lets the AEAD tag decide
                    throw c == null ? new MeshDatagramException(v.reason(), v.error())
                            : new MeshDatagramException(Reason.BAD_CERTIFICATE, "certificate of another key id");
                }
            } else {
                MeshPeer installed = install(c, offered);
                p = installed != null ? installed : p;
            }
        }
        if (p == null) {
            throw new MeshDatagramException(Reason.UNKNOWN_SENDER, "no certificate for key id "
                    + Long.toHexString(h.senderKeyId()));
        }
        if (!p.socket.equals(from)) {
            throw new MeshDatagramException(Reason.WRONG_ADDRESS, "from " + from + ", certified " + p.address);
        }
        return p;
    }

    /** @return the next datagram counter (1, 2, …; unique for this boot) */
    long nextCounter() {
        return ++counter;
    }

    /** @return this node's identity */
    MeshIdentity self() {
        return self;
    }

    /** @return the wall clock */
    InstantSource clock() {
        return clock;
    }

    /**
     * @return this node's current certificate, encoded, if the peer has not yet shown it knows it
     *     (no datagram from its current boot to this boot since the certificate last changed)
     */
    byte @Nullable [] certificateFor(MeshPeer p) {
        SuperNodeCertificate current = self.certificate().get();
        if (current != ownCertificate) {
            if (current == null || !current.equals(ownCertificate)) {
                ownEpoch++; // renewed: every peer gets it again
                ownCertificateBytes = current == null ? null : current.toByteArray();
            }
            ownCertificate = current;
        }
        return p.knowsUsEpoch == ownEpoch ? null : ownCertificateBytes;
    }

    /** Records an authenticated datagram: its counter, and what it tells of the peer's boot. */
    void authenticated(MeshPeer p, SealedHeader h) {
        p.windowOrNew(h.senderBoot()).accept(h.counter());
        if (h.senderBoot() != p.peerBoot && h.sentAtMs() >= p.peerBootSentAtMs) {
            p.peerBoot = h.senderBoot(); // restarted (or first heard): it may not know this node
            p.knowsUsEpoch = -1;
        }
        if (h.senderBoot() == p.peerBoot) {
            p.peerBootSentAtMs = Math.max(p.peerBootSentAtMs, h.sentAtMs());
            if (h.receiverBoot() == boot && p.knowsUsEpoch == -1) {
                p.knowsUsEpoch = ownEpoch; // it opened one of ours, certificate included
            }
        }
    }

    /** Stores a verified certificate unless an equal or newer one of that key is held; null if its address is no IP. */
    private @Nullable MeshPeer install(SuperNodeCertificate c, byte[] bytes) {
        HostPort address = HostPort.of(c.getAddress());
        InetSocketAddress socket = socketOf(address);
        if (socket == null) {
            return null;
        }
        long keyId = MeshIdentity.keyIdOf(c.getNodeKey().toByteArray());
        MeshPeer p = byKeyId.get(keyId);
        if (p == null) {
            p = new MeshPeer(keyId, c, bytes, address, socket);
            byKeyId.put(keyId, p);
        } else if (c.getExpiresAtMs() > p.certificate.getExpiresAtMs()) {
            bySocket.remove(p.socket, p);
            p.replace(c, bytes, address, socket);
        }
        MeshPeer atSocket = bySocket.get(p.socket);
        if (atSocket == null || atSocket.certificate.getIssuedAtMs() <= p.certificate.getIssuedAtMs()) {
            bySocket.put(p.socket, p); // the newest certificate for an address names its key
        }
        return p;
    }

    /**
     * @param address a certified or gossiped address
     * @return its UDP address if the host is an IP literal (parsed, never resolved: no DNS lookup
     *     on a peer's word), else null
     */
    public static @Nullable InetSocketAddress socketOf(HostPort address) {
        byte[] ip = NetUtil.createByteArrayFromIpAddressString(address.host());
        try {
            return ip == null ? null : new InetSocketAddress(InetAddress.getByAddress(ip), address.port());
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
