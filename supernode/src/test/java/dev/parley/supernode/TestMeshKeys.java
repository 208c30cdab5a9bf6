package dev.parley.supernode;

import dev.parley.protocol.Ed25519KeyPair;
import dev.parley.protocol.SuperNodeCertificates;
import dev.parley.protocol.X25519KeyPair;
import dev.parley.protocol.wire.SuperNodeCertificate;
import dev.parley.supernode.meshauth.MeshIdentity;
import dev.parley.supernode.meshauth.MeshKeys;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/** Mesh keys for a test's own transport or fake peer, trusting the {@link FakeLoginServer}'s key and clock. */
final class TestMeshKeys {
    private TestMeshKeys() {}

    /**
     * @param key the node key
     * @param certificate its certificate (may be set after binding, once the address is known)
     * @param login whose key verifies peers' certificates and whose clock stamps datagrams
     * @param seed seed of the boot id
     */
    static MeshKeys of(Ed25519KeyPair key, Supplier<@Nullable SuperNodeCertificate> certificate, FakeLoginServer login,
            long seed) {
        return new MeshKeys(new MeshIdentity(key.publicKey(), X25519KeyPair.derive(key, SuperNodeCertificates.MESH_KEY_LABEL),
                certificate), login.key::publicKey, login.clock, TestKeys.seededSecureRandom(seed), MeshKeys.Limits.DEFAULTS);
    }
}
