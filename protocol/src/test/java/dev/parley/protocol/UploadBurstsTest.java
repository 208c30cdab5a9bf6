package dev.parley.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.protocol.wire.ServeBurst;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The upload burst's datagrams and answer: round trips, bounds, and seeded fuzzing of both decoders. */
class UploadBurstsTest {
    private static final byte[] NONCE = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    @Test
    void datagramsAndAnswersRoundTrip() {
        byte[] d = UploadBursts.datagram(NONCE, 41, true, 1_200);
        assertThat(d).hasSize(1_200);
        UploadBursts.Datagram parsed = UploadBursts.parseDatagram(d);
        assertThat(parsed).isNotNull();
        assertThat(parsed.nonce()).isEqualTo(NONCE);
        assertThat(parsed.sequence()).isEqualTo(41);
        assertThat(parsed.last()).isTrue();
        assertThat(UploadBursts.parseDatagram(UploadBursts.datagram(NONCE, 7, false, 64)).last()).isFalse();
        byte[] a = UploadBursts.answer(NONCE, 2_000, 104);
        assertThat(a).hasSize(UploadBursts.ANSWER_BYTES);
        UploadBursts.Answer answer = UploadBursts.parseAnswer(a);
        assertThat(answer.nonce()).isEqualTo(NONCE);
        assertThat(answer.kbps()).isEqualTo(2_000);
        assertThat(answer.datagrams()).isEqualTo(104);
        assertThat(UploadBursts.ANSWER_BYTES).as("an answer is smaller than any burst datagram it answers")
                .isLessThanOrEqualTo(UploadBursts.HEADER_BYTES + 4);
    }

    @Test
    void aCandidateRefusesABurstBeyondTheBoundsWhoeverAsks() {
        assertThatThrownBy(() -> UploadBursts.check(ServeBurst.newBuilder().setMaxDatagrams(100_000).setDatagramBytes(1_200)
                .setDurationMs(500).build())).isInstanceOf(ProtocolException.class).hasMessageContaining("100000 datagrams");
        assertThatThrownBy(() -> UploadBursts.check(ServeBurst.newBuilder().setMaxDatagrams(10).setDatagramBytes(65_000)
                .setDurationMs(500).build())).isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> UploadBursts.check(ServeBurst.newBuilder().setMaxDatagrams(10).setDatagramBytes(1_200)
                .setDurationMs(60_000).build())).isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> UploadBursts.check(ServeBurst.getDefaultInstance())).isInstanceOf(ProtocolException.class);
    }

    @Test
    void fuzzedDatagramsParseOrAreRejectedWithoutThrowing() {
        Random random = new Random(2026);
        byte[] datagram = UploadBursts.datagram(NONCE, 3, false, 1_200);
        byte[] answer = UploadBursts.answer(NONCE, 500, 9);
        int datagrams = 0;
        int answers = 0;
        for (int i = 0; i < 20_000; i++) {
            byte[] base = i % 2 == 0 ? datagram : answer;
            byte[] d = random.nextInt(4) == 0 ? Arrays.copyOf(base, random.nextInt(1_600)) : base.clone();
            for (int k = 0, n = random.nextInt(4); k < n && d.length > 0; k++) {
                int at = random.nextInt(Math.min(d.length, 40));
                d[at] = (byte) (d[at] ^ (1 + random.nextInt(255)));
            }
            UploadBursts.Datagram parsed = UploadBursts.parseDatagram(d);
            if (parsed != null) {
                datagrams++;
                assertThat(d.length).isBetween(UploadBursts.HEADER_BYTES, UploadBursts.MAX_DATAGRAM_BYTES);
                assertThat(parsed.sequence()).isNotNegative();
            }
            if (UploadBursts.parseAnswer(d) != null) {
                answers++;
                assertThat(d).hasSize(UploadBursts.ANSWER_BYTES);
            }
        }
        assertThat(datagrams).as("some mutations keep the magic").isPositive();
        assertThat(answers).isPositive();
    }
}
