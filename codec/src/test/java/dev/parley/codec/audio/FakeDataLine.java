package dev.parley.codec.audio;

import java.io.ByteArrayOutputStream;
import java.util.ArrayDeque;
import java.util.Arrays;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioSystem;
import javax.sound.sampled.Control;
import javax.sound.sampled.DataLine;
import javax.sound.sampled.Line;
import javax.sound.sampled.LineListener;
import javax.sound.sampled.LineUnavailableException;
import javax.sound.sampled.SourceDataLine;
import javax.sound.sampled.TargetDataLine;

/** Minimal in-memory Java Sound lines for testing the device threads without sound hardware. */
abstract class FakeDataLine implements DataLine {
    volatile AudioFormat format;
    volatile boolean open;
    volatile boolean running;
    volatile boolean failOpen;
    volatile int drains;

    @Override
    public void open() throws LineUnavailableException {
        open(format, 0);
    }

    public void open(AudioFormat format) throws LineUnavailableException {
        open(format, 0);
    }

    public void open(AudioFormat format, int bufferSize) throws LineUnavailableException {
        if (failOpen) {
            throw new LineUnavailableException("device busy");
        }
        this.format = format;
        open = true;
    }

    @Override
    public synchronized void close() {
        open = false;
        running = false;
        notifyAll();
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public void drain() {
        drains++;
    }

    @Override
    public void flush() {
    }

    @Override
    public void start() {
        running = true;
    }

    @Override
    public void stop() {
        running = false;
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public boolean isActive() {
        return running;
    }

    @Override
    public AudioFormat getFormat() {
        return format;
    }

    @Override
    public int getBufferSize() {
        return 7680;
    }

    @Override
    public int available() {
        return 0;
    }

    @Override
    public int getFramePosition() {
        return 0;
    }

    @Override
    public long getLongFramePosition() {
        return 0;
    }

    @Override
    public long getMicrosecondPosition() {
        return 0;
    }

    @Override
    public float getLevel() {
        return AudioSystem.NOT_SPECIFIED;
    }

    @Override
    public Line.Info getLineInfo() {
        return new DataLine.Info(getClass(), format);
    }

    @Override
    public Control[] getControls() {
        return new Control[0];
    }

    @Override
    public boolean isControlSupported(Control.Type control) {
        return false;
    }

    @Override
    public Control getControl(Control.Type control) {
        throw new IllegalArgumentException("no controls");
    }

    @Override
    public void addLineListener(LineListener listener) {
    }

    @Override
    public void removeLineListener(LineListener listener) {
    }

    /**
     * Capture line: each read blocks until the test releases a frame with {@link #deliver}, like a
     * device producing audio in real time; close unblocks it.
     */
    static final class Target extends FakeDataLine implements TargetDataLine {
        private final ArrayDeque<byte[]> pending = new ArrayDeque<>();

        synchronized void deliver(byte[] bytes) {
            pending.add(bytes);
            notifyAll();
        }

        /** The device disappears: the line closes under the reader, as when a USB headset is pulled. */
        synchronized void unplug() {
            open = false;
            notifyAll();
        }

        @Override
        public synchronized int read(byte[] b, int off, int len) {
            while (pending.isEmpty() && open) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return 0;
                }
            }
            if (!open) {
                return 0;
            }
            byte[] next = pending.poll();
            int n = Math.min(len, next.length);
            System.arraycopy(next, 0, b, off, n);
            if (n < next.length) {
                pending.addFirst(Arrays.copyOfRange(next, n, next.length));
            }
            return n;
        }
    }

    /** Playback line recording everything written; {@link #block} makes writes stall like a stuck device. */
    static final class Source extends FakeDataLine implements SourceDataLine {
        final ByteArrayOutputStream written = new ByteArrayOutputStream();
        volatile boolean block;
        volatile boolean unplugged;

        @Override
        public int write(byte[] b, int off, int len) {
            if (unplugged) {
                throw new IllegalArgumentException("device removed");
            }
            synchronized (this) {
                while (block && open) {
                    try {
                        wait(10);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return 0;
                    }
                }
                written.write(b, off, len);
                return len;
            }
        }

        synchronized byte[] bytes() {
            return written.toByteArray();
        }
    }
}
