package dev.parley.supernode.meshauth;

import dev.parley.protocol.Ed25519KeyPair;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.SuperNodeCertificates;
import dev.parley.protocol.X25519KeyPair;
import dev.parley.protocol.wire.SuperNodeCertificate;
import java.net.InetSocketAddress;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/** Certified test super nodes sharing one login key and one movable clock (no sockets: datagrams are byte arrays). */
final class MeshNodes {
    static final Instant START = Instant.parse("2026-11-27T12:00:00Z");
    static final Duration LIFETIME = Duration.ofHours(6);

    final Ed25519KeyPair login = key(1);
    final AtomicLong nowMs = new AtomicLong(START.toEpochMilli());
    final InstantSource clock = () -> Instant.ofEpochMilli(nowMs.get());
    private long seeds = 100;

    /** One super node: its keys, its certificate (replaceable) and one boot of its mesh state. */
    final class Node {
        final Ed25519KeyPair nodeKey;
        final X25519KeyPair mesh;
        final HostPort address;
        final InetSocketAddress socket;
        final AtomicReference<SuperNodeCertificate> certificate = new AtomicReference<>();
        final MeshIdentity identity;
        MeshKeys keys;
        MeshSeal seal;

        Node(Ed25519KeyPair nodeKey, HostPort address, Ed25519KeyPair issuer, MeshKeys.Limits limits) {
            this.nodeKey = nodeKey;
            this.mesh = X25519KeyPair.derive(nodeKey, SuperNodeCertificates.MESH_KEY_LABEL);
            this.address = address;
            this.socket = MeshKeys.socketOf(address);
            this.certificate.set(SuperNodeCertificates.issue(issuer, nodeKey.publicKey(), mesh.publicKey(), address,
                    clock.instant(), LIFETIME));
            this.identity = new MeshIdentity(nodeKey.publicKey(), mesh, certificate::get);
            restart(limits);
        }

        /** A new process: new boot id, empty store, counter from 1. */
        void restart(MeshKeys.Limits limits) {
            keys = new MeshKeys(identity, login::publicKey, clock, seeded(seeds++), limits);
            seal = new MeshSeal(keys);
        }

        SuperNodeCertificate cert() {
            return certificate.get();
        }
    }

    Node node(int n) {
        return node(n, MeshKeys.Limits.DEFAULTS);
    }

    Node node(int n, MeshKeys.Limits limits) {
        return new Node(key(1000 + n), new HostPort("192.0.2." + n, 7000), login, limits);
    }

    /** @return a node certified by another login server */
    Node foreignNode(int n) {
        return new Node(key(1000 + n), new HostPort("192.0.2." + n, 7000), key(2), MeshKeys.Limits.DEFAULTS);
    }

    void advance(Duration d) {
        nowMs.addAndGet(d.toMillis());
    }

    static Ed25519KeyPair key(long seed) {
        byte[] bytes = new byte[Ed25519KeyPair.KEY_BYTES];
        new SplittableRandom(seed).nextBytes(bytes);
        return Ed25519KeyPair.fromSeed(bytes);
    }

    static SecureRandom seeded(long seed) {
        try {
            SecureRandom r = SecureRandom.getInstance("SHA1PRNG");
            r.setSeed(seed);
            return r;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
