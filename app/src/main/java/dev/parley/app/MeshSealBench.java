package dev.parley.app;

import dev.parley.protocol.Ed25519KeyPair;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.SuperNodeCertificates;
import dev.parley.protocol.X25519KeyPair;
import dev.parley.protocol.wire.SuperNodeCertificate;
import dev.parley.supernode.meshauth.MeshDatagramException;
import dev.parley.supernode.meshauth.MeshIdentity;
import dev.parley.supernode.meshauth.MeshKeys;
import dev.parley.supernode.meshauth.MeshSeal;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * {@code parley bench mesh}: the CPU cost of authenticated mesh datagrams ({@link MeshSeal}) on one
 * thread: seal and open per datagram at the mesh's typical sizes (a ping or lookup, a lookup answer,
 * a full 8 KiB presence digest), and the one-off cost of a first datagram from a peer never heard
 * of (certificate verification, X25519 and key derivation).
 */
final class MeshSealBench {
    /** Payload sizes measured, bytes: ping/lookup, lookup answer with a record, full digest. */
    static final int[] SIZES = {64, 512, 8192};

    private MeshSealBench() {}

    /**
     * @param datagrams datagrams sealed and opened per size (after as many to warm up)
     * @param peers distinct first contacts measured
     * @return figures: {@code seal_us_<size>}, {@code open_us_<size>}, {@code first_contact_us}
     */
    static Map<String, Object> run(int datagrams, int peers) throws MeshDatagramException {
        SecureRandom random = new SecureRandom();
        Ed25519KeyPair login = Ed25519KeyPair.generate(random);
        InstantSource clock = InstantSource.system();
        Node receiver = new Node(login, new HostPort("10.0.0.1", 7000), clock, random);
        Node sender = new Node(login, new HostPort("10.0.0.2", 7000), clock, random);
        sender.keys.learn(receiver.certificate);
        receiver.keys.learn(sender.certificate);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("datagrams", datagrams);
        for (int size : SIZES) {
            byte[] payload = new byte[size];
            random.nextBytes(payload);
            byte[][] sealed = new byte[datagrams][];
            for (int round = 0; round < 2; round++) { // the first round warms the JIT up
                long t0 = System.nanoTime();
                for (int i = 0; i < datagrams; i++) {
                    sealed[i] = sender.seal.seal(receiver.socket, payload);
                }
                long t1 = System.nanoTime();
                for (int i = 0; i < datagrams; i++) {
                    receiver.seal.open(sealed[i], sender.socket);
                }
                long t2 = System.nanoTime();
                out.put("seal_us_" + size, Reports.round((t1 - t0) / 1e3 / datagrams, 2));
                out.put("open_us_" + size, Reports.round((t2 - t1) / 1e3 / datagrams, 2));
            }
        }
        byte[] ping = new byte[64];
        long firstContactNs = 0;
        for (int i = 0; i < peers; i++) {
            Node stranger = new Node(login, new HostPort("10.1." + (i / 250) + "." + (i % 250 + 1), 7000), clock, random);
            stranger.keys.learn(receiver.certificate);
            byte[] d = stranger.seal.seal(receiver.socket, ping);
            long t0 = System.nanoTime();
            receiver.seal.open(d, stranger.socket);
            firstContactNs += System.nanoTime() - t0;
        }
        out.put("first_contact_peers", peers);
        out.put("first_contact_us", Reports.round(firstContactNs / 1e3 / peers, 1));
        return out;
    }

    static String table(Map<String, Object> r) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-14s %10s %10s%n", "payload", "seal µs", "open µs"));
        for (int size : SIZES) {
            sb.append(String.format(Locale.ROOT, "%-14s %10s %10s%n", size + " B", r.get("seal_us_" + size),
                    r.get("open_us_" + size)));
        }
        sb.append(String.format(Locale.ROOT, "first datagram from an unknown peer (verify + X25519 + HKDF): %s µs%n",
                r.get("first_contact_us")));
        return sb.toString();
    }

    private static final class Node {
        final SuperNodeCertificate certificate;
        final InetSocketAddress socket;
        final MeshKeys keys;
        final MeshSeal seal;

        Node(Ed25519KeyPair login, HostPort address, InstantSource clock, SecureRandom random) {
            Ed25519KeyPair nodeKey = Ed25519KeyPair.generate(random);
            X25519KeyPair mesh = X25519KeyPair.derive(nodeKey, SuperNodeCertificates.MESH_KEY_LABEL);
            certificate = SuperNodeCertificates.issue(login, nodeKey.publicKey(), mesh.publicKey(), address,
                    clock.instant(), Duration.ofHours(1));
            socket = MeshKeys.socketOf(address);
            keys = new MeshKeys(new MeshIdentity(nodeKey.publicKey(), mesh, () -> certificate), login::publicKey, clock,
                    random, new MeshKeys.Limits(1024, 1e9, 1e9));
            seal = new MeshSeal(keys);
        }
    }
}
