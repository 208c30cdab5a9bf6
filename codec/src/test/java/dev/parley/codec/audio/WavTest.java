package dev.parley.codec.audio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.codec.TestSignals;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class WavTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "tag {0}, {1} Hz, {2}-bit, {3} ch, extensible={4}")
    @CsvSource({
            "1, 8000, 8, 1, false, 30",
            "1, 16000, 16, 2, false, 60",
            "1, 22050, 24, 1, false, 60",
            "1, 44100, 32, 2, false, 60",
            "3, 48000, 32, 1, false, 60",
            "3, 11025, 64, 2, false, 60",
            "1, 44100, 16, 2, true, 60",
            "3, 32000, 32, 1, true, 60",
    })
    void readsCommonFormatsAs48kMono(int tag, int rate, int bits, int channels, boolean extensible, double minSnrDb)
            throws IOException {
        int n = rate / 2 + 77; // ~0.5 s, not a whole number of frames
        double[] tone = TestSignals.sine(440, 1, rate, n);
        double[][] data = new double[channels][];
        // Stereo: L = 0.6·tone, R = 0.2·tone, so the mono average is 0.4·tone.
        for (int c = 0; c < channels; c++) {
            double gain = channels == 1 ? 0.4 : (c == 0 ? 0.6 : 0.2);
            data[c] = Arrays.stream(tone).map(v -> v * gain).toArray();
        }
        Path file = dir.resolve("in.wav");
        Files.write(file, TestWavs.build(tag, rate, bits, data, extensible, true));

        short[] whole = Wav.readMono48k(file);
        assertThat(whole).hasSize((int) Math.ceil(n * 48_000.0 / rate));
        assertThat(snrDb(whole, TestSignals.sine(440, 0.4, 48_000, whole.length))).isGreaterThan(minSnrDb);

        try (WavFileSource source = WavFileSource.open(file)) {
            assertThat(source.sourceRateHz()).isEqualTo(rate);
            assertThat(source.sourceChannels()).isEqualTo(channels);
            short[] frame = new short[960];
            short[] streamed = new short[0];
            while (source.read(frame)) {
                streamed = Arrays.copyOf(streamed, streamed.length + 960);
                System.arraycopy(frame, 0, streamed, streamed.length - 960, 960);
            }
            assertThat(streamed.length).isEqualTo((whole.length + 959) / 960 * 960);
            assertThat(Arrays.copyOf(streamed, whole.length)).isEqualTo(whole);
            assertThat(Arrays.copyOfRange(streamed, whole.length, streamed.length))
                    .isEqualTo(new short[streamed.length - whole.length]); // zero padding
            assertThat(source.read(frame)).isFalse();
        }
    }

    @Test
    void sinkWritesACanonicalHeaderFinalizedOnClose() throws IOException {
        Path file = dir.resolve("out.wav");
        short[] pcm = TestSignals.toPcm16(TestSignals.sine(300, 0.5, 48_000, 960 * 10));
        WavFileSink sink = WavFileSink.create(file);
        for (int f = 0; f < 10; f++) {
            sink.write(Arrays.copyOfRange(pcm, f * 960, (f + 1) * 960));
        }
        sink.close();
        sink.close();
        assertThatThrownBy(() -> sink.write(new short[960])).isInstanceOf(IllegalStateException.class);
        byte[] bytes = Files.readAllBytes(file);
        assertThat(bytes).hasSize(44 + pcm.length * 2);
        ByteBuffer header = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(header.getInt(4)).isEqualTo(bytes.length - 8);     // RIFF size
        assertThat(header.getShort(20)).isEqualTo((short) 1);         // PCM
        assertThat(header.getShort(22)).isEqualTo((short) 1);         // mono
        assertThat(header.getInt(24)).isEqualTo(48_000);
        assertThat(header.getShort(34)).isEqualTo((short) 16);
        assertThat(header.getInt(40)).isEqualTo(pcm.length * 2);      // data size
        assertThat(Wav.readMono48k(file)).isEqualTo(pcm);
    }

    @Test
    void writeThenReadRoundTripsExactly() throws IOException {
        Path file = dir.resolve("rt.wav");
        short[] pcm = Clips.speechSample();
        Wav.writeMono48k(file, pcm);
        assertThat(Wav.readMono48k(file)).isEqualTo(pcm);
    }

    @Test
    void rejectsBadFilesWithMessagesNamingTheProblem() throws IOException {
        assertThatThrownBy(() -> WavFileSource.open(dir.resolve("missing.wav"))).isInstanceOf(NoSuchFileException.class);
        assertRejected("RIFX....WAVEfmt ".getBytes(), "wavHeader: 'RIFX…WAVE' (expected: 'RIFF…WAVE')");
        double[][] tone = {TestSignals.sine(440, 0.5, 8000, 800)};
        byte[] adpcm = TestWavs.build(2, 8000, 16, tone, false, false);
        assertRejected(adpcm, "wavFormatTag: 0x2 (expected: 0x1 PCM, 0x3 IEEE float, 0x6 A-law, 0x7 μ-law or 0xfffe extensible)");
        assertRejected("fLaC\0\0\0\"\u0010\0\u0010\0".getBytes(StandardCharsets.ISO_8859_1),
                "a FLAC file (expected: a WAV file; convert it first, e.g. 'sox in.flac out.wav')");
        assertRejected(new byte[] {(byte) 0xff, (byte) 0xfb, (byte) 0x90, 0x64, 0, 0, 0, 0, 1, 2, 3, 4},
                "wavHeader: 0xfffb9064…0x01020304 (expected: 'RIFF…WAVE')");
        byte[] twelveBit = TestWavs.build(1, 8000, 16, tone, false, false);
        twelveBit[34] = 12;
        assertRejected(twelveBit, "wavBitsPerSample: 12 for PCM (expected: 8, 16, 24 or 32)");
        byte[] truncated = Arrays.copyOf(TestWavs.build(1, 8000, 16, tone, false, false), 30);
        assertRejected(truncated, "wav: truncated header");
        byte[] badAlign = TestWavs.build(1, 8000, 16, tone, false, false);
        badAlign[32] = 4;
        assertRejected(badAlign, "wavBlockAlign: 4 (expected: 2)");
    }

    @Test
    void readsG711MuLawAndALaw() throws IOException {
        for (int tag : new int[] {6, 7}) {
            byte code = tag == 7 ? (byte) 0x80 : (byte) 0xAA; // each law's largest positive value
            int expected = tag == 7 ? 32124 : 32256;
            byte[] data = new byte[8000];
            Arrays.fill(data, code);
            Path file = dir.resolve("g711-" + tag + ".wav");
            Files.write(file, g711Wav(tag, data));
            short[] pcm = Wav.readMono48k(file);
            assertThat(pcm).hasSize(48_000);
            assertThat(pcm[24_000]).as("tag %d mid-file", tag).isBetween((short) (expected - 400), (short) Math.min(32767, expected + 400));
        }
    }

    /** A mono 8 kHz WAV with 8-bit G.711 codes (format tag 6 A-law, 7 μ-law). */
    private static byte[] g711Wav(int tag, byte[] codes) {
        ByteBuffer b = ByteBuffer.allocate(44 + codes.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes(StandardCharsets.US_ASCII)).putInt(36 + codes.length).put("WAVE".getBytes(StandardCharsets.US_ASCII));
        b.put("fmt ".getBytes(StandardCharsets.US_ASCII)).putInt(16).putShort((short) tag).putShort((short) 1)
                .putInt(8000).putInt(8000).putShort((short) 1).putShort((short) 8);
        b.put("data".getBytes(StandardCharsets.US_ASCII)).putInt(codes.length).put(codes);
        return b.array();
    }

    @Test
    void garbageInputOnlyEverFailsWithIOException() {
        SplittableRandom random = new SplittableRandom(5769);
        double[][] tone = {TestSignals.sine(440, 0.5, 8000, 400)};
        byte[] valid = TestWavs.build(1, 8000, 16, tone, false, false);
        int rejected = 0;
        for (int round = 0; round < 3000; round++) {
            byte[] bytes;
            if (round % 2 == 0) {
                bytes = new byte[random.nextInt(0, 200)]; // pure noise, sometimes with a RIFF/WAVE prefix
                random.nextBytes(bytes);
                if (round % 4 == 0 && bytes.length >= 12) {
                    System.arraycopy("RIFF".getBytes(), 0, bytes, 0, 4);
                    System.arraycopy("WAVE".getBytes(), 0, bytes, 8, 4);
                }
            } else {
                bytes = valid.clone(); // a valid file with a few header bytes flipped
                for (int k = 0; k < 3; k++) {
                    bytes[random.nextInt(0, 48)] = (byte) random.nextInt(256);
                }
            }
            try {
                short[] pcm = Wav.readMono48k(new ByteArrayInputStream(bytes), "fuzz.wav");
                assertThat(pcm.length).isLessThanOrEqualTo(Wav.MAX_IN_MEMORY_SECONDS * 48_000);
            } catch (IOException expected) {
                rejected++;
            }
        }
        assertThat(rejected).as("most garbage is rejected").isGreaterThan(1500);
    }

    @Test
    void toleratesATruncatedDataChunk() throws IOException {
        double[][] tone = {TestSignals.sine(440, 0.5, 48_000, 4800)};
        byte[] full = TestWavs.build(1, 48_000, 16, tone, false, false);
        byte[] cut = Arrays.copyOf(full, full.length - 1001); // the writer died mid-file
        short[] pcm = Wav.readMono48k(new ByteArrayInputStream(cut), "cut.wav");
        assertThat(pcm).hasSize(4800 - 501);
    }

    private void assertRejected(byte[] bytes, String message) throws IOException {
        Path file = dir.resolve("bad.wav");
        Files.write(file, bytes);
        assertThatThrownBy(() -> WavFileSource.open(file)).isInstanceOf(IOException.class)
                .hasMessage(file + ": " + message);
        assertThatThrownBy(() -> Wav.readMono48k(file)).isInstanceOf(IOException.class)
                .hasMessage(file + ": " + message);
    }

    private static double snrDb(short[] actual, double[] ideal) {
        double signal = 0;
        double error = 0;
        for (int i = 2400; i < actual.length - 2400; i++) {
            double a = actual[i] / 32768.0;
            signal += ideal[i] * ideal[i];
            error += (a - ideal[i]) * (a - ideal[i]);
        }
        return 10 * Math.log10(signal / error);
    }
}
