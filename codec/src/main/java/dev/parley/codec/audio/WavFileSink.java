package dev.parley.codec.audio;

import dev.parley.codec.AudioFormats;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Writes 48 kHz mono 16-bit PCM to a canonical 44-byte-header WAV file. The RIFF and data sizes
 * are patched in on {@link #close()}; until then they read as zero. Thread-safe.
 */
public final class WavFileSink implements AudioSink {
    private static final int HEADER_BYTES = 44;
    private static final long MAX_DATA_BYTES = 0xFFFF_FFFFL - 36;

    private final Path path;
    private final FileChannel channel;
    private final ByteBuffer buffer = ByteBuffer.allocate(64 * 1024).order(ByteOrder.LITTLE_ENDIAN);
    private long dataBytes;
    private boolean closed;

    private WavFileSink(Path path, FileChannel channel) {
        this.path = path;
        this.channel = channel;
    }

    /**
     * Creates (or truncates) the file and writes a provisional header.
     *
     * @throws IOException if the file cannot be created
     */
    public static WavFileSink create(Path path) throws IOException {
        FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
        try {
            channel.write(header(0));
        } catch (IOException e) {
            channel.close();
            throw e;
        }
        return new WavFileSink(path, channel);
    }

    /** @throws UncheckedIOException if the write fails; IllegalStateException once closed */
    @Override
    public void write(short[] frame960) {
        Frames.checkFrame(frame960);
        writeSamples(frame960, 0, frame960.length);
    }

    /**
     * Appends any number of samples.
     *
     * @throws UncheckedIOException  if the write fails or the file would exceed the 4 GiB WAV limit
     * @throws IllegalStateException once closed
     */
    public synchronized void writeSamples(short[] pcm, int offset, int length) {
        if (closed) {
            throw new IllegalStateException("wavFileSink: closed (" + path + ")");
        }
        if (dataBytes + 2L * length > MAX_DATA_BYTES) {
            throw new UncheckedIOException(new IOException(path + ": wavDataBytes: " + (dataBytes + 2L * length)
                    + " (expected: <= " + MAX_DATA_BYTES + ")"));
        }
        try {
            for (int i = offset; i < offset + length; i++) {
                if (!buffer.hasRemaining()) {
                    flushBuffer();
                }
                buffer.putShort(pcm[i]);
            }
            dataBytes += 2L * length;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return the file being written */
    public Path path() {
        return path;
    }

    /**
     * Flushes buffered samples, finalizes the header and closes the file. Idempotent.
     *
     * @throws UncheckedIOException if finalizing fails
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try (channel) {
            flushBuffer();
            channel.write(header(dataBytes), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void flushBuffer() throws IOException {
        buffer.flip();
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
        buffer.clear();
    }

    private static ByteBuffer header(long dataBytes) {
        ByteBuffer h = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        int blockAlign = AudioFormats.CHANNELS * 2;
        h.put("RIFF".getBytes(StandardCharsets.US_ASCII)).putInt((int) (36 + dataBytes))
                .put("WAVE".getBytes(StandardCharsets.US_ASCII))
                .put("fmt ".getBytes(StandardCharsets.US_ASCII)).putInt(16)
                .putShort((short) 1).putShort((short) AudioFormats.CHANNELS).putInt(AudioFormats.SAMPLE_RATE_HZ)
                .putInt(AudioFormats.SAMPLE_RATE_HZ * blockAlign).putShort((short) blockAlign).putShort((short) 16)
                .put("data".getBytes(StandardCharsets.US_ASCII)).putInt((int) dataBytes);
        return h.flip();
    }
}
