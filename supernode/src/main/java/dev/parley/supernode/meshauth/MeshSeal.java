package dev.parley.supernode.meshauth;

import dev.parley.protocol.HostPort;
import dev.parley.supernode.meshauth.MeshDatagramException.Reason;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.modes.ChaCha20Poly1305;
import org.bouncycastle.crypto.params.AEADParameters;

/**
 * Seals and opens authenticated mesh datagrams between certified super nodes: ChaCha20-Poly1305
 * (RFC 8439) with pairwise, per-direction, per-boot keys ({@link DatagramKey}), a replay
 * window per sender boot ({@link ReplayWindow}, RFC 6479) and a freshness bound of
 * {@link #MAX_AGE}. No signature per datagram: one X25519 per peer and one HKDF per pair of boots,
 * then only the AEAD.
 *
 * <p>Layout (big-endian; everything before the ciphertext is the AEAD's associated data):
 * <pre>
 *  0      1      2             10            18              26          34            42
 * +------+------+-------------+-------------+---------------+-----------+-------------+
 * | 0x0D |flags | sender key  | sender boot | receiver boot | counter   | sent at, ms |
 * |      |      | id (8)      | id (8)      | id (8), 0: ?  | (8, ≥ 1)  | (8, epoch)  |
 * +------+------+-------------+-------------+---------------+-----------+-------------+
 * | if flags & 0x01: certificate length (2) | SuperNodeCertificate (1..1024 bytes)    |
 * +-------------------------------------------------------------------------------------+
 * | ChaCha20-Poly1305 ciphertext of the Envelope (its length)  | tag (16)             |
 * +-------------------------------------------------------------------------------------+
 * </pre>
 * <ul>
 *   <li>type 0x0D: in 4..15, which RFC 7983 / RFC 9443 give to no protocol (STUN 0..3, ZRTP
 *       16..19, DTLS 20..63, TURN 64..79, QUIC 80..127 and 192..255, RTP/RTCP 128..191), so the
 *       socket's STUN and relay handlers pass it on; not 0x08, the old plain envelope.</li>
 *   <li>flags: bit 0 = a certificate follows; the other bits must be 0.</li>
 *   <li>key id: first 8 bytes of SHA-256 of the sender's node key ({@code SuperNodeCertificates.keyId}).</li>
 *   <li>boot ids: 8 random bytes per process start. The receiver boot is the one the sender last
 *       saw from the receiver, or 0 before it saw any (or after the receiver went silent); a
 *       receiver accepts its own boot or 0 only, so what was sealed for its previous run does not
 *       open after a restart.</li>
 *   <li>counter: 1, 2, 3… per sender boot over all its peers; nonce = IV XOR counter. The
 *       receiver keeps a window of {@value ReplayWindow#WINDOW} counters per (sender, sender
 *       boot): a counter seen or older than that is a replay.</li>
 *   <li>sent at: the sender's wall clock; more than {@link #MAX_AGE} from the receiver's clock
 *       either way is stale (this bounds replays across a receiver's restart and of windows the
 *       bounded store forgot).</li>
 *   <li>certificate: the sender's {@code SuperNodeCertificate}, carried until the receiver has
 *       shown it knows it (a datagram from the receiver's current boot sealed to the sender's
 *       boot), so a peer that never heard of the sender can check it. The sender must send from
 *       the certificate's address.</li>
 * </ul>
 * A datagram is at most {@value #MAX_DATAGRAM_BYTES} bytes; the overhead is
 * {@value #OVERHEAD_BYTES} bytes, plus 2 and the certificate (about 170) when carried.
 *
 * <p>Checks on opening, cheapest first: header shape, receiver boot, freshness, sender
 * certificate and source address, replay window, then the tag; only an authentic datagram moves
 * the window (RFC 4303 §3.4.3). Not thread-safe: owned by the mesh loop, like its {@link MeshKeys}.
 */
public final class MeshSeal {
    /** First byte of a sealed mesh datagram. */
    public static final int TYPE = 0x0D;
    /** Largest datagram sealed or opened, in bytes. */
    public static final int MAX_DATAGRAM_BYTES = 16 * 1024;
    /** Length of the Poly1305 tag, in bytes. */
    public static final int TAG_BYTES = 16;
    /** Bytes added to an envelope without a certificate: fixed header and tag. */
    public static final int OVERHEAD_BYTES = SealedHeader.FIXED_BYTES + TAG_BYTES;
    /** Largest difference between a datagram's send time and the receiver's clock. */
    public static final Duration MAX_AGE = Duration.ofSeconds(60);

    /**
     * An authenticated datagram.
     *
     * @param payload the plaintext (an encoded {@code Envelope})
     * @param sender the sender's certified address (also the datagram's source)
     * @param senderKeyId the sender's key id
     * @param sentAtMs the sender's wall clock as it sealed the datagram, in ms since the epoch
     * @param openedAtMs this node's wall clock as it checked the datagram's freshness, in ms since the epoch
     */
    public record Opened(byte[] payload, HostPort sender, long senderKeyId, long sentAtMs, long openedAtMs) {}

    private final MeshKeys keys;
    /**
     * One AEAD re-keyed per datagram. Why BouncyCastle's ChaCha20-Poly1305 and not the JDK's
     * AES-GCM: re-keying the JDK's GCM for every datagram (every peer has its own key) allocated
     * about 1.3 KiB per datagram (AES key schedule, GHASH, AAD buffer), which under 100 super nodes
     * in one JVM doubled the young-GC rate and the search p99 (docs/benchmarks.md); ChaCha20 has no
     * key schedule and this instance keeps its state.
     */
    private final ChaCha20Poly1305 aead = new ChaCha20Poly1305();

    /** @param keys this node's keys and the peers it knows (shared with nothing on another thread) */
    public MeshSeal(MeshKeys keys) {
        this.keys = keys;
    }

    /**
     * Seals a payload for a certified peer.
     *
     * @param to the peer's certified UDP address
     * @param payload the plaintext (an encoded {@code Envelope})
     * @return the datagram
     * @throws MeshDatagramException {@link Reason#CANNOT_SEAL} if no current certificate is known
     *     for {@code to}, or the datagram would exceed {@value #MAX_DATAGRAM_BYTES} bytes
     */
    public byte[] seal(InetSocketAddress to, byte[] payload) throws MeshDatagramException {
        MeshPeer p = keys.peerAt(to);
        if (p == null) {
            throw new MeshDatagramException(Reason.CANNOT_SEAL, "no certificate known for " + to);
        }
        byte[] certificate = keys.certificateFor(p);
        int headerBytes = SealedHeader.lengthWith(certificate);
        int total = headerBytes + payload.length + TAG_BYTES;
        if (total > MAX_DATAGRAM_BYTES) {
            throw new MeshDatagramException(Reason.CANNOT_SEAL, String.format("datagram: %d bytes (expected: <= %d)",
                    total, MAX_DATAGRAM_BYTES));
        }
        SealedHeader h = new SealedHeader(certificate == null ? 0 : SealedHeader.FLAG_CERTIFICATE, keys.keyId(),
                keys.boot(), p.peerBoot, keys.nextCounter(), keys.clock().millis(), certificate, headerBytes);
        byte[] out = new byte[total];
        h.writeTo(out);
        DatagramKey key;
        try {
            key = p.key(false, p.peerBoot, p.peerBoot, keys.self(), keys.boot());
        } catch (IllegalArgumentException e) { // a low-order mesh key in a signed certificate
            throw new MeshDatagramException(Reason.CANNOT_SEAL, e.getMessage());
        }
        aead.init(true, new AEADParameters(key.key(), TAG_BYTES * 8, key.nonce(h.counter())));
        aead.processAADBytes(out, 0, headerBytes);
        int written = aead.processBytes(payload, 0, payload.length, out, headerBytes);
        try {
            aead.doFinal(out, headerBytes + written);
        } catch (InvalidCipherTextException e) {
            throw new IllegalStateException("ChaCha20-Poly1305 sealing failed", e); // a bug, not input
        }
        return out;
    }

    /**
     * Opens a datagram: authenticates it, checks freshness and replay, and learns from it (the
     * sender's certificate and boot).
     *
     * @param datagram the whole datagram as received
     * @param from its source address
     * @return the authenticated payload and sender
     * @throws MeshDatagramException with the reason it must be dropped (never answered)
     */
    public Opened open(byte[] datagram, InetSocketAddress from) throws MeshDatagramException {
        SealedHeader h = SealedHeader.parse(datagram);
        if (h.senderKeyId() == keys.keyId()) {
            throw new MeshDatagramException(Reason.NOT_FOR_US, "sealed by this node's own key");
        }
        if (h.receiverBoot() != 0 && h.receiverBoot() != keys.boot()) {
            throw new MeshDatagramException(Reason.NOT_FOR_US, "sealed for another boot of this node");
        }
        long nowMs = keys.clock().millis();
        long ageMs = nowMs - h.sentAtMs();
        if (Math.abs(ageMs) > MAX_AGE.toMillis() || ageMs == Long.MIN_VALUE) {
            throw new MeshDatagramException(Reason.STALE, String.format("sent %d ms from now (expected: within %d)",
                    ageMs, MAX_AGE.toMillis()));
        }
        MeshPeer p = keys.sender(h, from);
        ReplayWindow window = p.window(h.senderBoot());
        if (window != null && !window.check(h.counter())) {
            throw new MeshDatagramException(Reason.REPLAYED, "counter " + h.counter() + " from " + p.address);
        }
        DatagramKey key;
        try {
            key = p.key(true, h.senderBoot(), h.receiverBoot(), keys.self(), keys.boot());
        } catch (IllegalArgumentException e) {
            throw new MeshDatagramException(Reason.BAD_CERTIFICATE, e.getMessage());
        }
        int sealedBytes = datagram.length - h.length(); // >= TAG_BYTES: SealedHeader.parse checked
        byte[] payload = new byte[sealedBytes - TAG_BYTES];
        aead.init(false, new AEADParameters(key.key(), TAG_BYTES * 8, key.nonce(h.counter())));
        aead.processAADBytes(datagram, 0, h.length());
        int written = aead.processBytes(datagram, h.length(), sealedBytes, payload, 0);
        try {
            aead.doFinal(payload, written);
        } catch (InvalidCipherTextException e) { // the tag does not verify: nothing of it is used
            throw new MeshDatagramException(Reason.FORGED, "tag does not verify, from " + from);
        }
        keys.authenticated(p, h);
        return new Opened(payload, p.address, p.keyId, h.sentAtMs(), nowMs);
    }
}
