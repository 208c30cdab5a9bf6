package dev.parley.codec.audio;

import dev.parley.codec.AudioFormats;
import java.io.IOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.DataLine;
import javax.sound.sampled.LineUnavailableException;
import javax.sound.sampled.SourceDataLine;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Live playback to a Java Sound device. {@link #write} copies the frame into a small queue
 * (at most {@value #QUEUE_FRAMES} frames; when full the oldest is dropped) and returns at once;
 * a dedicated thread feeds the device, blocking on it. Mono frames are duplicated for stereo devices.
 */
public final class JavaSoundSink implements AudioSink {
    static final int QUEUE_FRAMES = 8;
    private static final Logger log = LoggerFactory.getLogger(JavaSoundSink.class);
    private static final short[] END = new short[0];

    private final SourceDataLine line;
    private final int channels;
    private final String name;
    private final BlockingQueue<short[]> queue = new ArrayBlockingQueue<>(QUEUE_FRAMES + 1);
    private final AtomicLong overflows = new AtomicLong();
    private final AtomicLong framesPlayed = new AtomicLong();
    private final Thread thread;
    private volatile boolean closed;
    private volatile String problem;

    private JavaSoundSink(SourceDataLine line, AudioFormat format, String name) {
        this.line = line;
        this.channels = format.getChannels();
        this.name = name;
        this.thread = Thread.ofPlatform().daemon().name("parley-playback").unstarted(this::playbackLoop);
    }

    /**
     * Opens and starts a playback device.
     *
     * @param deviceName substring of the device name (see {@link AudioDevices#list()}); without one, the first device
     * @throws IOException if no device matches (the message lists the available ones), none exists,
     *                     or the device cannot be opened
     */
    public static JavaSoundSink open(@Nullable String deviceName) throws IOException {
        AudioDevices.Choice choice = AudioDevices.find(SourceDataLine.class, deviceName);
        SourceDataLine line;
        try {
            line = (SourceDataLine) choice.mixer().getLine(new DataLine.Info(SourceDataLine.class, choice.format()));
        } catch (LineUnavailableException | IllegalArgumentException e) {
            throw new IOException("playbackDevice: '" + choice.mixer().getMixerInfo().getName() + "' unavailable: " + e.getMessage(), e);
        }
        return open(line, choice.format(), choice.mixer().getMixerInfo().getName());
    }

    /** Opens the given line (tests inject a fake). */
    static JavaSoundSink open(SourceDataLine line, AudioFormat format, String name) throws IOException {
        try {
            line.open(format, JavaSoundSource.frameBytes(format) * 4);
        } catch (LineUnavailableException | IllegalArgumentException | SecurityException e) {
            throw new IOException("playbackDevice: '" + name + "' cannot be opened: " + e.getMessage(), e);
        }
        JavaSoundSink sink = new JavaSoundSink(line, format, name);
        line.start();
        sink.thread.start();
        return sink;
    }

    @Override
    public void write(short[] frame960) {
        Frames.checkFrame(frame960);
        if (closed) {
            return;
        }
        short[] copy = frame960.clone();
        while (queue.size() >= QUEUE_FRAMES || !queue.offer(copy)) {
            if (queue.poll() != null) {
                overflows.incrementAndGet();
            }
        }
    }

    /** @return frames dropped because the device fell behind */
    public long overflows() {
        return overflows.get();
    }

    /** @return frames handed to the device */
    public long framesPlayed() {
        return framesPlayed.get();
    }

    @Override
    public String problem() {
        return problem;
    }

    /** @return the device name */
    public String deviceName() {
        return name;
    }

    private void playbackLoop() {
        byte[] bytes = new byte[AudioFormats.FRAME_SAMPLES * 2 * channels];
        try {
            while (true) {
                short[] frame = queue.poll(100, TimeUnit.MILLISECONDS);
                if (frame == END || (frame == null && closed)) {
                    line.drain();
                    return;
                }
                if (frame == null) {
                    continue;
                }
                for (int i = 0; i < frame.length; i++) {
                    for (int c = 0; c < channels; c++) {
                        int at = (i * channels + c) * 2;
                        bytes[at] = (byte) frame[i];
                        bytes[at + 1] = (byte) (frame[i] >> 8);
                    }
                }
                line.write(bytes, 0, bytes.length);
                framesPlayed.incrementAndGet();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            if (!closed) {
                problem = "playback device '" + name + "' failed (" + e.getMessage() + "); received audio is dropped";
            }
            log.warn("playback to '{}' failed; further frames are dropped", name, e);
        }
    }

    /** Plays out queued frames (bounded wait), then closes the device. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        queue.offer(END); // capacity reserves room for it
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        line.stop();
        line.close();
    }
}
