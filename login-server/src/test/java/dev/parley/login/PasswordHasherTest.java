package dev.parley.login;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;
import org.junit.jupiter.api.Test;

class PasswordHasherTest {
    private final PasswordHasher hasher = new PasswordHasher(TestSupport.CHEAP, TestSupport.seededRandom(1));

    @Test
    void verifiesTheRightPasswordOnly() {
        PasswordHash stored = hasher.hash("correct horse battery staple");

        assertThat(hasher.verify("correct horse battery staple", stored)).isTrue();
        assertThat(hasher.verify("correct horse battery stapl", stored)).isFalse();
        assertThat(hasher.verify("Correct horse battery staple", stored)).isFalse();
    }

    @Test
    void recordsParametersSaltAndVersion() {
        PasswordHash stored = hasher.hash("pw-123456");

        assertThat(stored.params()).isEqualTo(TestSupport.CHEAP);
        assertThat(stored.version()).isEqualTo(0x13);
        assertThat(stored.salt()).hasSize(PasswordHasher.SALT_BYTES);
        assertThat(stored.hash()).hasSize(PasswordHasher.HASH_BYTES);
    }

    @Test
    void producesStandardArgon2idOutput() {
        PasswordHash stored = hasher.hash("pw-123456");
        // Independent recomputation with the raw BouncyCastle API and the recorded inputs.
        Argon2BytesGenerator generator = new Argon2BytesGenerator();
        generator.init(new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id).withVersion(0x13)
                .withSalt(stored.salt()).withMemoryAsKB(256).withIterations(1).withParallelism(1).build());
        byte[] expected = new byte[32];
        generator.generateBytes("pw-123456".getBytes(StandardCharsets.UTF_8), expected);

        assertThat(stored.hash()).isEqualTo(expected);
    }

    @Test
    void saltsDifferPerHash() {
        PasswordHash a = hasher.hash("same password");
        PasswordHash b = hasher.hash("same password");

        assertThat(a.salt()).isNotEqualTo(b.salt());
        assertThat(a.hash()).isNotEqualTo(b.hash());
    }

    @Test
    void hashMadeWithOldParametersVerifiesUnderNewOnes() {
        Argon2Params old = new Argon2Params(128, 2, 1);
        PasswordHash stored = new PasswordHasher(old, TestSupport.seededRandom(2)).hash("pw-123456");
        PasswordHasher upgraded = new PasswordHasher(new Argon2Params(512, 1, 2), TestSupport.seededRandom(3));

        assertThat(upgraded.verify("pw-123456", stored)).isTrue();
        assertThat(upgraded.verify("wrong", stored)).isFalse();
    }

    @Test
    void verificationUsesTheRecordedParameters() {
        PasswordHash stored = hasher.hash("pw-123456");
        PasswordHash otherMemory = new PasswordHash(stored.hash(), stored.salt(), new Argon2Params(512, 1, 1), 0x13);
        PasswordHash otherIterations = new PasswordHash(stored.hash(), stored.salt(), new Argon2Params(256, 2, 1), 0x13);
        PasswordHash otherVersion = new PasswordHash(stored.hash(), stored.salt(), stored.params(), 0x10);

        assertThat(hasher.verify("pw-123456", otherMemory)).isFalse();
        assertThat(hasher.verify("pw-123456", otherIterations)).isFalse();
        assertThat(hasher.verify("pw-123456", otherVersion)).isFalse();
    }

    @Test
    void rejectsInvalidParameters() {
        assertThatThrownBy(() -> new Argon2Params(7, 1, 1)).hasMessageContaining("memoryKiB: 7");
        assertThatThrownBy(() -> new Argon2Params(64, 0, 1)).hasMessageContaining("iterations: 0");
        assertThatThrownBy(() -> new Argon2Params(64, 1, 0)).hasMessageContaining("parallelism: 0");
    }
}
