package dev.parley.supernode;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Optional;

/**
 * A Bloom filter over canonical usernames: the compact summary of a super node's presence that
 * peers use to send the first search wave to the likely holder (wire {@code PresenceDigest}).
 *
 * <p>Sizing: m = the next power of two ≥ 16 bits per entry (at least {@value #MIN_BYTES} bytes,
 * at most {@value #MAX_BYTES}), k = {@value #HASHES}: about 0.05 % false positives while the filter
 * is not full. Hashing: 64-bit FNV-1a of the UTF-8 name, then double hashing
 * (h1 + i·h2, Kirsch–Mitzenmacher) — stable across JVMs and versions, as it is on the wire.
 * Immutable.
 */
final class PresenceDigest {
    /** Number of hash functions k. */
    static final int HASHES = 11;
    /** Smallest filter, in bytes. */
    static final int MIN_BYTES = 64;
    /** Largest filter, in bytes (fits a UDP datagram easily). */
    static final int MAX_BYTES = 8192;
    private static final int MAX_HASHES = 16;

    private final byte[] bits;
    private final int hashes;
    private final long version;
    private final int entries;

    private PresenceDigest(byte[] bits, int hashes, long version, int entries) {
        this.bits = bits;
        this.hashes = hashes;
        this.version = version;
        this.entries = entries;
    }

    /** @return a digest of {@code usernames} (canonical) tagged with {@code version} */
    static PresenceDigest of(Collection<String> usernames, long version) {
        int wantedBytes = Math.max(MIN_BYTES, usernames.size() * 2); // 16 bits per entry
        int bytes = Math.min(MAX_BYTES, Integer.highestOneBit(wantedBytes - 1) << 1);
        byte[] bits = new byte[bytes];
        long m = bytes * 8L;
        for (String u : usernames) {
            long h = fnv1a(u);
            long h1 = h & 0xffffffffL;
            long h2 = (h >>> 32) | 1;
            for (int i = 0; i < HASHES; i++) {
                long bit = Math.floorMod(h1 + i * h2, m);
                bits[(int) (bit >>> 3)] |= (byte) (1 << (bit & 7));
            }
        }
        return new PresenceDigest(bits, HASHES, version, usernames.size());
    }

    /** @return false if {@code username} is certainly not in the digest; true if it may be */
    boolean mightContain(String username) {
        return mightContain(hash(username));
    }

    /**
     * As {@link #mightContain(String)} with the name's {@link #hash} computed once, so one search
     * can probe a hundred peers' digests without hashing the name a hundred times.
     */
    boolean mightContain(long usernameHash) {
        long h1 = usernameHash & 0xffffffffL;
        long h2 = (usernameHash >>> 32) | 1;
        long m = bits.length * 8L;
        for (int i = 0; i < hashes; i++) {
            long bit = Math.floorMod(h1 + i * h2, m);
            if ((bits[(int) (bit >>> 3)] & (1 << (bit & 7))) == 0) {
                return false;
            }
        }
        return true;
    }

    /** @return the 64-bit hash of a canonical username that digests are probed with */
    static long hash(String username) {
        return fnv1a(username);
    }

    long version() {
        return version;
    }

    int entries() {
        return entries;
    }

    int sizeBytes() {
        return bits.length;
    }

    // The wire's PresenceDigest (protobuf) has this class's name: it stays qualified in these two conversions.
    dev.parley.protocol.wire.PresenceDigest toWire() {
        return dev.parley.protocol.wire.PresenceDigest.newBuilder().setHashCount(hashes)
                .setBits(ByteString.copyFrom(bits)).setVersion(version).setEntries(entries).build();
    }

    /**
     * @return the digest, or empty if it is malformed (hash count outside 1..16, size not a power of
     *     two in {@value #MIN_BYTES}..{@value #MAX_BYTES} bytes): a peer's garbage is ignored, never trusted
     */
    static Optional<PresenceDigest> fromWire(dev.parley.protocol.wire.PresenceDigest wire) {
        int size = wire.getBits().size();
        if (wire.getHashCount() < 1 || wire.getHashCount() > MAX_HASHES || size < MIN_BYTES || size > MAX_BYTES
                || Integer.bitCount(size) != 1) {
            return Optional.empty();
        }
        return Optional.of(new PresenceDigest(wire.getBits().toByteArray(), wire.getHashCount(), wire.getVersion(),
                wire.getEntries()));
    }

    private static long fnv1a(String s) {
        long h = 0xcbf29ce484222325L;
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        // final avalanche (SplitMix64) so the two halves are independent enough for double hashing
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }
}
