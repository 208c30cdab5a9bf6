package dev.parley.codec.audio;

import dev.parley.codec.AudioFormats;
import java.io.IOException;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.DataLine;
import javax.sound.sampled.LineUnavailableException;
import javax.sound.sampled.TargetDataLine;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Live capture from a Java Sound device. A dedicated thread blocks on the device and queues 20 ms
 * frames (at most {@value #QUEUE_FRAMES}); {@link #read} never blocks: it returns the oldest queued
 * frame, or silence when the device has nothing yet (an underrun). To keep latency low, frames
 * beyond {@value #MAX_LATENCY_FRAMES} queued are dropped oldest first (an overrun). Stereo devices are
 * averaged to mono. The source ends only when closed.
 */
public final class JavaSoundSource implements AudioSource {
    static final int QUEUE_FRAMES = 8;
    static final int MAX_LATENCY_FRAMES = 3;
    private static final Logger log = LoggerFactory.getLogger(JavaSoundSource.class);

    private final TargetDataLine line;
    private final int channels;
    private final String name;
    private final BlockingQueue<short[]> queue = new ArrayBlockingQueue<>(QUEUE_FRAMES);
    private final AtomicLong underruns = new AtomicLong();
    private final AtomicLong overruns = new AtomicLong();
    private final Thread thread;
    private volatile boolean closed;
    private volatile String problem;

    private JavaSoundSource(TargetDataLine line, AudioFormat format, String name) {
        this.line = line;
        this.channels = format.getChannels();
        this.name = name;
        this.thread = Thread.ofPlatform().daemon().name("parley-capture").unstarted(this::captureLoop);
    }

    /**
     * Opens and starts a capture device.
     *
     * @param deviceName substring of the device name (see {@link AudioDevices#list()}); without one, the first device
     * @throws IOException if no device matches (the message lists the available ones), none exists,
     *                     or the device cannot be opened
     */
    public static JavaSoundSource open(@Nullable String deviceName) throws IOException {
        AudioDevices.Choice choice = AudioDevices.find(TargetDataLine.class, deviceName);
        TargetDataLine line;
        try {
            line = (TargetDataLine) choice.mixer().getLine(
                    new DataLine.Info(TargetDataLine.class, choice.format()));
        } catch (LineUnavailableException | IllegalArgumentException e) {
            throw new IOException("captureDevice: '" + choice.mixer().getMixerInfo().getName() + "' unavailable: " + e.getMessage(), e);
        }
        return open(line, choice.format(), choice.mixer().getMixerInfo().getName());
    }

    /** Opens the given line (tests inject a fake). */
    static JavaSoundSource open(TargetDataLine line, AudioFormat format, String name) throws IOException {
        try {
            line.open(format, frameBytes(format) * 4);
        } catch (LineUnavailableException | IllegalArgumentException | SecurityException e) {
            throw new IOException("captureDevice: '" + name + "' cannot be opened: " + e.getMessage(), e);
        }
        JavaSoundSource source = new JavaSoundSource(line, format, name);
        line.start();
        source.thread.start();
        return source;
    }

    @Override
    public boolean read(short[] frame960) {
        Frames.checkFrame(frame960);
        if (closed) {
            return false;
        }
        while (queue.size() > MAX_LATENCY_FRAMES && queue.poll() != null) {
            overruns.incrementAndGet();
        }
        short[] frame = queue.poll();
        if (frame == null) {
            underruns.incrementAndGet();
            Arrays.fill(frame960, (short) 0);
        } else {
            System.arraycopy(frame, 0, frame960, 0, frame960.length);
        }
        return true;
    }

    /** @return frames replaced by silence because the device had not delivered in time */
    public long underruns() {
        return underruns.get();
    }

    /** @return captured frames dropped to bound latency */
    public long overruns() {
        return overruns.get();
    }

    /** @return captured frames waiting to be read */
    int queuedFrames() {
        return queue.size();
    }

    @Override
    public String problem() {
        return problem;
    }

    /** @return the device name */
    public String deviceName() {
        return name;
    }

    private void captureLoop() {
        byte[] bytes = new byte[AudioFormats.FRAME_SAMPLES * 2 * channels];
        try {
            while (!closed) {
                int got = 0;
                while (got < bytes.length && !closed) {
                    int n = line.read(bytes, got, bytes.length - got);
                    if (n <= 0 && !line.isOpen()) {
                        if (!closed) {
                            problem = "capture device '" + name + "' closed (unplugged?); sending silence";
                        }
                        return;
                    }
                    got += Math.max(n, 0);
                }
                if (closed) {
                    return;
                }
                short[] frame = new short[AudioFormats.FRAME_SAMPLES];
                for (int i = 0; i < frame.length; i++) {
                    int sum = 0;
                    for (int c = 0; c < channels; c++) {
                        int at = (i * channels + c) * 2;
                        sum += (short) ((bytes[at] & 0xFF) | bytes[at + 1] << 8);
                    }
                    frame[i] = (short) (sum / channels);
                }
                while (!queue.offer(frame)) {
                    if (queue.poll() != null) {
                        overruns.incrementAndGet();
                    }
                }
            }
        } catch (RuntimeException e) {
            if (!closed) {
                problem = "capture device '" + name + "' failed (" + e.getMessage() + "); sending silence";
                log.warn("capture from '{}' failed; the source now yields silence", name, e);
            }
        }
    }

    /** Stops capture, closes the device and joins the capture thread. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        line.stop();
        line.close(); // unblocks a pending read
        try {
            thread.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static int frameBytes(AudioFormat format) {
        return AudioFormats.FRAME_SAMPLES * format.getFrameSize();
    }
}
