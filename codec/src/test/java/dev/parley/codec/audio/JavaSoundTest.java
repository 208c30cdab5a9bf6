package dev.parley.codec.audio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import javax.sound.sampled.AudioFormat;
import org.junit.jupiter.api.Test;

class JavaSoundTest {
    private static final AudioFormat MONO = AudioDevices.FORMATS.get(0);
    private static final AudioFormat STEREO = AudioDevices.FORMATS.get(1);

    @Test
    void listingNeverFailsAndUnknownDevicesGiveAClearError() {
        AudioDeviceList devices = AudioDevices.list();
        assertThat(devices.capture()).doesNotContainNull();
        String absent = "no-such-device-7f3a";
        assertThatThrownBy(() -> JavaSoundSource.open(absent)).isInstanceOf(IOException.class)
                .hasMessageMatching(devices.capture().isEmpty()
                        ? "captureDevice: none available \\(.*\\)"
                        : "captureDevice: '" + absent + "' not found \\(available: .*\\)");
        assertThatThrownBy(() -> JavaSoundSink.open(absent)).isInstanceOf(IOException.class)
                .hasMessageMatching(devices.playback().isEmpty()
                        ? "playbackDevice: none available \\(.*\\)"
                        : "playbackDevice: '" + absent + "' not found \\(available: .*\\)");
    }

    @Test
    void headlessMachineReportsNoDefaultDevice() {
        AudioDeviceList devices = AudioDevices.list();
        if (devices.capture().isEmpty()) {
            assertThatThrownBy(() -> JavaSoundSource.open(null)).isInstanceOf(IOException.class)
                    .hasMessageStartingWith("captureDevice: none available");
        }
        if (devices.playback().isEmpty()) {
            assertThatThrownBy(() -> JavaSoundSink.open(null)).isInstanceOf(IOException.class)
                    .hasMessageStartingWith("playbackDevice: none available");
        }
    }

    @Test
    void captureNeverBlocksTheClockAndDownmixesStereo() throws IOException {
        FakeDataLine.Target line = new FakeDataLine.Target();
        try (JavaSoundSource source = JavaSoundSource.open(line, STEREO, "fake")) {
            short[] frame = new short[960];
            frame[0] = 99;
            // Nothing captured yet: read returns silence at once instead of waiting for the device.
            assertThat(source.read(frame)).isTrue();
            assertThat(frame).isEqualTo(new short[960]);
            assertThat(source.underruns()).isEqualTo(1);

            byte[] stereo = new byte[960 * 4];
            for (int i = 0; i < 960; i++) {
                putLe16(stereo, i * 4, 1000 + i);      // left
                putLe16(stereo, i * 4 + 2, 3000 + i);  // right
            }
            line.deliver(stereo);
            awaitTrue(() -> {
                source.read(frame);
                return frame[0] != 0;
            });
            for (int i = 0; i < 960; i++) {
                assertThat(frame[i]).isEqualTo((short) (2000 + i));
            }
        }
        assertThat(line.isOpen()).isFalse();
    }

    @Test
    void captureDropsOldFramesToBoundLatency() throws IOException {
        FakeDataLine.Target line = new FakeDataLine.Target();
        try (JavaSoundSource source = JavaSoundSource.open(line, MONO, "fake")) {
            for (int f = 1; f <= 6; f++) {
                byte[] mono = new byte[1920];
                for (int i = 0; i < 960; i++) {
                    putLe16(mono, i * 2, f);
                }
                line.deliver(mono);
            }
            short[] frame = new short[960];
            // Wait until the capture thread has queued all six frames (the fake line is then empty).
            awaitTrue(() -> source.queuedFrames() == 6);
            source.read(frame);
            // Only the newest MAX_LATENCY_FRAMES were kept: frames 1..3 were dropped.
            assertThat(frame[0]).isEqualTo((short) (6 - JavaSoundSource.MAX_LATENCY_FRAMES + 1));
            assertThat(source.overruns()).isEqualTo(6 - JavaSoundSource.MAX_LATENCY_FRAMES);
        }
    }

    @Test
    void playbackQueuesWithoutBlockingAndFlushesOnClose() throws IOException {
        FakeDataLine.Source line = new FakeDataLine.Source();
        line.block = true; // a stalled device must not stall write()
        JavaSoundSink sink = JavaSoundSink.open(line, STEREO, "fake");
        short[] frame = new short[960];
        for (int f = 0; f < 20; f++) {
            frame[0] = (short) f;
            sink.write(frame);
        }
        assertThat(sink.overflows()).isGreaterThanOrEqualTo(20 - JavaSoundSink.QUEUE_FRAMES - 1);
        line.block = false;
        sink.close();
        sink.close();
        byte[] bytes = line.bytes();
        assertThat(bytes.length % (960 * 4)).isZero();
        int frames = bytes.length / (960 * 4);
        assertThat(frames).isBetween(JavaSoundSink.QUEUE_FRAMES, JavaSoundSink.QUEUE_FRAMES + 1);
        // The last frame written is the last frame played, duplicated to both channels.
        int last = (frames - 1) * 960 * 4;
        assertThat(le16(bytes, last)).isEqualTo(19);
        assertThat(le16(bytes, last + 2)).isEqualTo(19);
        assertThat(line.drains).isEqualTo(1);
        assertThat(line.isOpen()).isFalse();
    }

    @Test
    void unpluggedDevicesReportAProblemAndKeepTheClockFed() throws IOException {
        FakeDataLine.Target mic = new FakeDataLine.Target();
        FakeDataLine.Source speaker = new FakeDataLine.Source();
        try (JavaSoundSource source = JavaSoundSource.open(mic, MONO, "USB Headset");
             JavaSoundSink sink = JavaSoundSink.open(speaker, MONO, "USB Headset")) {
            assertThat(source.problem()).isNull();
            assertThat(sink.problem()).isNull();
            mic.unplug();
            speaker.unplugged = true;
            sink.write(new short[960]);
            awaitTrue(() -> source.problem() != null && sink.problem() != null);
            assertThat(source.problem()).isEqualTo("capture device 'USB Headset' closed (unplugged?); sending silence");
            assertThat(sink.problem()).isEqualTo("playback device 'USB Headset' failed (device removed); received audio is dropped");
            short[] frame = new short[960];
            frame[0] = 1;
            assertThat(source.read(frame)).as("the call goes on with silence").isTrue();
            assertThat(frame).containsOnly((short) 0);
            sink.write(new short[960]); // never throws, never blocks
        }
    }

    @Test
    void aDeviceThatCannotOpenGivesAClearError() {
        FakeDataLine.Target line = new FakeDataLine.Target();
        line.failOpen = true;
        assertThatThrownBy(() -> JavaSoundSource.open(line, MONO, "Busy Mic"))
                .isInstanceOf(IOException.class).hasMessage("captureDevice: 'Busy Mic' cannot be opened: device busy");
    }

    private static void awaitTrue(BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 5 s");
            }
            LockSupport.parkNanos(1_000_000);
        }
    }

    private static void putLe16(byte[] b, int at, int v) {
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >> 8);
    }

    private static int le16(byte[] b, int at) {
        return (short) ((b[at] & 0xFF) | b[at + 1] << 8);
    }
}
