package dev.parley.supernode.meshauth;

import dev.parley.protocol.HostPort;
import dev.parley.protocol.wire.SuperNodeCertificate;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What this super node knows of one certified peer (one node key): its newest verified certificate,
 * the keys derived with it, a replay window per boot of the peer, and what the sender side has
 * learned (the peer's current boot, whether the peer knows this node's certificate). Every map is
 * bounded. Owned by {@link MeshKeys}, confined to the mesh loop.
 */
final class MeshPeer {
    /** Derived keys kept per peer: its boots × (this boot, "unknown") inbound, plus outbound. */
    private static final int MAX_KEYS = 8;
    /** Peer boots whose replay windows are kept (a peer restarting more often loses the oldest). */
    private static final int MAX_BOOTS = 4;

    /** Which key: direction, the peer's boot and the receiver boot named in the datagram. */
    private record KeyRef(boolean inbound, long peerBoot, long receiverBoot) {}

    final long keyId;
    SuperNodeCertificate certificate;
    byte[] certificateBytes;
    HostPort address;
    InetSocketAddress socket;
    private byte @Nullable [] sharedSecret;
    private final Map<KeyRef, DatagramKey> keys = lru(MAX_KEYS);
    private final Map<Long, ReplayWindow> windows = lru(MAX_BOOTS);
    /** The peer's boot as last learned from an authenticated datagram; 0: unknown. */
    long peerBoot;
    /** sentAtMs of the datagram that taught {@link #peerBoot} (a late datagram of an older boot does not undo it). */
    long peerBootSentAtMs = Long.MIN_VALUE;
    /** The own-certificate epoch the peer has shown it knows (a datagram to this boot); -1: none. */
    long knowsUsEpoch = -1;

    MeshPeer(long keyId, SuperNodeCertificate certificate, byte[] certificateBytes, HostPort address,
            InetSocketAddress socket) {
        this.keyId = keyId;
        this.certificate = certificate;
        this.certificateBytes = certificateBytes;
        this.address = address;
        this.socket = socket;
    }

    /** Takes a newer certificate of the same node key; keys derived from another mesh key are dropped. */
    void replace(SuperNodeCertificate newer, byte[] newerBytes, HostPort newAddress, InetSocketAddress newSocket) {
        if (!newer.getMeshKey().equals(certificate.getMeshKey())) {
            sharedSecret = null;
            keys.clear();
        }
        certificate = newer;
        certificateBytes = newerBytes;
        address = newAddress;
        socket = newSocket;
    }

    /** @return whether the certificate is past its expiry (with {@code skewMs} of grace) at {@code nowMs} */
    boolean expired(long nowMs, long skewMs) {
        return nowMs > certificate.getExpiresAtMs() + skewMs;
    }

    /**
     * @return the key for datagrams between this peer's boot {@code peerBoot} and this node, in the
     *     given direction, derived once and cached
     * @throws IllegalArgumentException if the certified mesh key is a low-order point
     */
    DatagramKey key(boolean inbound, long peerBoot, long receiverBoot, MeshIdentity self, long selfBoot) {
        KeyRef ref = new KeyRef(inbound, peerBoot, receiverBoot);
        DatagramKey key = keys.get(ref);
        if (key == null) {
            if (sharedSecret == null) {
                sharedSecret = self.meshKey().agree(certificate.getMeshKey().toByteArray());
            }
            byte[] peerMesh = certificate.getMeshKey().toByteArray();
            byte[] selfMesh = self.meshKey().publicKey();
            key = inbound
                    ? DatagramKey.derive(sharedSecret, keyId, peerBoot, peerMesh, self.keyId(), receiverBoot, selfMesh)
                    : DatagramKey.derive(sharedSecret, self.keyId(), selfBoot, selfMesh, keyId, receiverBoot, peerMesh);
            keys.put(ref, key);
        }
        return key;
    }

    /** @return the replay window of the peer's boot, if it has one */
    @Nullable ReplayWindow window(long peerBoot) {
        return windows.get(peerBoot);
    }

    /** @return the replay window of the peer's boot, made if needed */
    ReplayWindow windowOrNew(long peerBoot) {
        return windows.computeIfAbsent(peerBoot, b -> new ReplayWindow());
    }

    private static <K, V> Map<K, V> lru(int max) {
        return new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
                return size() > max;
            }
        };
    }

    @Override
    public String toString() {
        return "MeshPeer[" + address + ", key id " + Long.toHexString(keyId) + "]";
    }
}
