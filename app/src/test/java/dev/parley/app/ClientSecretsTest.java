package dev.parley.app;

import static dev.parley.protocol.SplittableRandomPredictor.unmix64;
import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.client.ParleyClient;
import dev.parley.client.call.CallListener;
import dev.parley.client.call.IncomingCallPolicy;
import dev.parley.protocol.SplittableRandomPredictor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Call ids, SSRCs and ICE credentials are secrets: the CLI must draw them from a CSPRNG. The attack:
 * a peer that saw one call id recovers a {@link SplittableRandom}'s state from it and predicts the
 * caller's next call id (and the SSRCs and ICE passwords drawn in between).
 */
class ClientSecretsTest {
    @Test
    void cliClientDrawsSecretsFromSecureRandom(@TempDir Path dir) throws Exception {
        Path password = Files.writeString(dir.resolve("pw"), "alice-password\n");
        ClientCommand command = new ClientCommand();
        new CommandLine(command).parseArgs("--user", "alice", "--password-file", password.toString(),
                "--data", dir.resolve("alice").toString());

        RandomGenerator random = command.options((id, caller) -> new IncomingCallPolicy.Ring(), CallListener.NONE).random();

        assertThat(random).isInstanceOf(SecureRandom.class);
        byte[] observed = callId(random);
        assertThat(callId(random)).as("next call id, predicted from the observed one").isNotEqualTo(predictNext(observed));
    }

    @Test
    void oneObservedCallIdPredictsTheNextFromASeededSplittableRandom() {
        // The old wiring: SplittableRandom seeded once from SecureRandom. The seed does not matter.
        RandomGenerator random = new SplittableRandom(new SplittableRandom(77).nextLong());
        byte[] observed = callId(random);
        assertThat(callId(random)).isEqualTo(predictNext(observed));
    }

    /** As {@code CallEngine}: 12 random bytes. */
    private static byte[] callId(RandomGenerator random) {
        byte[] id = new byte[12];
        random.nextBytes(id);
        return id;
    }

    /** Inverts SplittableRandom's output function on the id's first 8 bytes and replays the generator. */
    private static byte[] predictNext(byte[] observedId) {
        long first = 0;
        for (int i = 7; i >= 0; i--) {
            first = first << 8 | (observedId[i] & 0xff); // nextBytes fills little-endian from nextLong()
        }
        // The observed id consumed two nextLong() calls (8 + 4 bytes); the next id starts at the third.
        SplittableRandom replay = SplittableRandomPredictor.replayAfter(first);
        replay.nextLong();
        byte[] next = new byte[12];
        replay.nextBytes(next);
        return next;
    }

    @Test
    void predictorIsExactOnItsOwnTerms() {
        long[] samples = new SplittableRandom(5).longs(4).toArray();
        for (long s : samples) {
            assertThat(unmix64(new SplittableRandom(s).nextLong())).isEqualTo(s + SplittableRandomPredictor.GOLDEN_GAMMA);
        }
    }
}
