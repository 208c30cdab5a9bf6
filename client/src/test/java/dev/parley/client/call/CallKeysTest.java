package dev.parley.client.call;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.codec.srtp.SrtpKeys;
import dev.parley.protocol.Credentials;
import dev.parley.protocol.Ed25519KeyPair;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.X25519KeyPair;
import dev.parley.protocol.wire.Credential;
import dev.parley.protocol.wire.ErrorCode;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class CallKeysTest {
    private static final Instant T0 = Instant.parse("2026-11-27T12:00:00Z");
    private final SplittableRandom random = new SplittableRandom(1127);
    private final Ed25519KeyPair server = Ed25519KeyPair.fromSeed(new byte[32]);
    private final Ed25519KeyPair aliceId = key();
    private final Ed25519KeyPair bobId = key();
    private final Credential alice = credential("alice", aliceId);
    private final Credential bob = credential("bob", bobId);

    private Ed25519KeyPair key() {
        byte[] seed = new byte[32];
        random.nextBytes(seed);
        return Ed25519KeyPair.fromSeed(seed);
    }

    private Credential credential(String name, Ed25519KeyPair id) {
        return Credentials.issue(server, name, id.publicKey(), CallKeys.encryptionKey(id).publicKey(), T0, Duration.ofHours(1));
    }

    private record Both(CallKeys.Secrets caller, CallKeys.Secrets callee) {}

    private Both call(String callId, X25519KeyPair a, X25519KeyPair b) throws ProtocolException {
        return new Both(CallKeys.derive(true, callId, alice, bob, a.publicKey(), b.publicKey(), a),
                CallKeys.derive(false, callId, alice, bob, a.publicKey(), b.publicKey(), b));
    }

    @Test
    void bothSidesDeriveMirroredSrtpKeysAndTheSameSas() throws Exception {
        Both k = call("c1", CallKeys.newShare(random), CallKeys.newShare(random));
        assertThat(k.caller().srtp().send()).isEqualTo(k.callee().srtp().receive());
        assertThat(k.caller().srtp().receive()).isEqualTo(k.callee().srtp().send());
        assertThat(k.caller().srtp().send()).as("per direction").isNotEqualTo(k.caller().srtp().receive());
        assertThat(k.caller().sas()).isEqualTo(k.callee().sas()).matches("\\d{3} \\d{3}");
    }

    @Test
    void differentCallsSharesOrIdentitiesGiveDifferentKeysAndSas() throws Exception {
        X25519KeyPair a = CallKeys.newShare(random);
        X25519KeyPair b = CallKeys.newShare(random);
        Both base = call("c1", a, b);
        Set<SrtpKeys> keys = new HashSet<>();
        Set<String> sas = new HashSet<>();
        for (Both k : new Both[] {base, call("c2", a, b), call("c1", CallKeys.newShare(random), b),
                call("c1", a, CallKeys.newShare(random))}) {
            keys.add(k.caller().srtp());
            sas.add(k.caller().sas());
        }
        // a man in the middle with his own certified keys (a compromised login server) changes the transcript
        Credential mallory = credential("bob", key());
        keys.add(CallKeys.derive(true, "c1", alice, mallory, a.publicKey(), b.publicKey(), a).srtp());
        sas.add(CallKeys.derive(true, "c1", alice, mallory, a.publicKey(), b.publicKey(), a).sas());
        assertThat(keys).hasSize(5);
        assertThat(sas).hasSize(5);
    }

    @Test
    void aShareThatIsNotAValidPointIsRefused() {
        X25519KeyPair a = CallKeys.newShare(random);
        for (byte[] bad : new byte[][] {new byte[32], new byte[31], new byte[0]}) {
            assertThatThrownBy(() -> CallKeys.derive(true, "c1", alice, bob, a.publicKey(), bad, a))
                    .isInstanceOf(ProtocolException.class)
                    .satisfies(e -> assertThat(((ProtocolException) e).code()).isEqualTo(ErrorCode.BAD_REQUEST))
                    .hasMessageStartingWith("key share: ");
        }
    }

    @Test
    void aCredentialWithoutEncryptionKeyCannotTakePart() {
        Credential v1 = Credentials.issue(server, "bob", bobId.publicKey(), T0, Duration.ofHours(1));
        X25519KeyPair a = CallKeys.newShare(random);
        X25519KeyPair b = CallKeys.newShare(random);
        assertThatThrownBy(() -> CallKeys.derive(true, "c1", alice, v1, a.publicKey(), b.publicKey(), a))
                .satisfies(e -> assertThat(((ProtocolException) e).code()).isEqualTo(ErrorCode.INVALID_CREDENTIAL));
    }

    @Test
    void fingerprintsAreStableAndGrouped() {
        assertThat(CallKeys.fingerprint(aliceId.publicKey())).matches("([0-9a-f]{4} ){4}[0-9a-f]{4}")
                .isEqualTo(CallKeys.fingerprint(aliceId.publicKey())).isNotEqualTo(CallKeys.fingerprint(bobId.publicKey()));
    }
}
