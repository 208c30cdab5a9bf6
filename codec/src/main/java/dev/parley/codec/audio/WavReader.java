package dev.parley.codec.audio;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * Streaming RIFF/WAVE parser (Microsoft RIFF spec; WAVE_FORMAT_EXTENSIBLE per the Windows
 * multichannel note): integer PCM 8 (unsigned)/16/24/32-bit, IEEE float 32/64-bit, 8-bit μ-law and
 * A-law (ITU-T G.711, as telephony recordings come), 1..8 channels,
 * any rate 1000..384000 Hz. Unknown chunks (LIST, fact, ...) are skipped. Frames are returned
 * downmixed to mono floats in [-1, 1].
 */
final class WavReader implements Closeable {
    /** Sample encoding of the data chunk. */
    enum Encoding { PCM, FLOAT, MU_LAW, A_LAW }

    /** The fmt chunk fields we use. */
    record Format(Encoding encoding, int channels, int sampleRateHz, int bitsPerSample, int blockAlign) {
    }

    private static final int FORMAT_PCM = 1;
    private static final int FORMAT_FLOAT = 3;
    private static final int FORMAT_A_LAW = 6;
    private static final int FORMAT_MU_LAW = 7;
    private static final int FORMAT_EXTENSIBLE = 0xFFFE;
    private static final long UNKNOWN_LENGTH = 0xFFFF_FFFFL;

    private final InputStream in;
    private final String name;
    private final Format format;
    private long remainingBytes; // -1: until end of stream
    private byte[] scratch = new byte[0];

    private WavReader(InputStream in, String name, Format format, long dataBytes) {
        this.in = in;
        this.name = name;
        this.format = format;
        this.remainingBytes = dataBytes;
    }

    /**
     * Parses the header up to the start of the sample data.
     *
     * @param in   the stream (buffer it); closed by {@link #close()}
     * @param name for error messages (file name)
     * @throws IOException for non-WAVE input, unsupported encodings or a truncated header
     */
    static WavReader open(InputStream in, String name) throws IOException {
        String riff = fourCc(in, name);
        readUint32(in, name);
        String wave = fourCc(in, name);
        if (!riff.equals("RIFF") || !wave.equals("WAVE")) {
            throw new IOException(name + ": " + notWave(riff, wave));
        }
        Format format = null;
        while (true) {
            String id = fourCc(in, name);
            long size = readUint32(in, name);
            if (id.equals("fmt ")) {
                if (size < 16 || size > 1024) {
                    throw new IOException(name + ": wavFmtChunk: " + size + " bytes (expected: 16..1024)");
                }
                format = parseFormat(readExactly(in, (int) size, name), name);
                skip(in, size & 1, name);
            } else if (id.equals("data")) {
                if (format == null) {
                    throw new IOException(name + ": wav: data chunk before fmt chunk");
                }
                return new WavReader(in, name, format, size == UNKNOWN_LENGTH ? -1 : size);
            } else {
                skip(in, size + (size & 1), name);
            }
        }
    }

    Format format() {
        return format;
    }

    /**
     * Reads up to {@code maxFrames} frames, averaging channels to mono.
     *
     * @return frames read, or -1 at the end of the data
     */
    int readMono(float[] dst, int maxFrames) throws IOException {
        int block = format.blockAlign();
        long wantBytes = (long) maxFrames * block;
        if (remainingBytes >= 0) {
            wantBytes = Math.min(wantBytes, remainingBytes - remainingBytes % block);
        }
        if (wantBytes <= 0) {
            return -1;
        }
        if (scratch.length < wantBytes) {
            scratch = new byte[(int) wantBytes];
        }
        int got = in.readNBytes(scratch, 0, (int) wantBytes);
        int frames = got / block; // a truncated trailing frame is dropped
        if (remainingBytes >= 0) {
            remainingBytes -= got;
        }
        if (frames == 0) {
            remainingBytes = 0;
            return -1;
        }
        int channels = format.channels();
        int bytesPerSample = format.bitsPerSample() / 8;
        for (int f = 0; f < frames; f++) {
            double sum = 0;
            int at = f * block;
            for (int c = 0; c < channels; c++, at += bytesPerSample) {
                sum += sample(scratch, at);
            }
            dst[f] = (float) (sum / channels);
        }
        return frames;
    }

    private double sample(byte[] b, int at) {
        return switch (format.encoding()) {
            case PCM -> switch (format.bitsPerSample()) {
                case 8 -> ((b[at] & 0xFF) - 128) / 128.0;
                case 16 -> (short) ((b[at] & 0xFF) | b[at + 1] << 8) / 32768.0;
                case 24 -> ((b[at] & 0xFF) | (b[at + 1] & 0xFF) << 8 | b[at + 2] << 16) / 8388608.0;
                default -> ((b[at] & 0xFF) | (b[at + 1] & 0xFF) << 8 | (b[at + 2] & 0xFF) << 16 | b[at + 3] << 24)
                        / 2147483648.0;
            };
            case FLOAT -> format.bitsPerSample() == 32
                    ? Float.intBitsToFloat((int) le(b, at, 4))
                    : Double.longBitsToDouble(le(b, at, 8));
            case MU_LAW -> G711.muLaw(b[at]) / 32768.0;
            case A_LAW -> G711.aLaw(b[at]) / 32768.0;
        };
    }

    /** @return what the header says the file is, printable: never raw binary on a terminal */
    private static String notWave(String riff, String wave) {
        String what = switch (riff) {
            case "fLaC" -> "a FLAC file";
            case "OggS" -> "an Ogg file";
            case "FORM" -> "an AIFF file";
            default -> riff.startsWith("ID3") ? "an MP3 file" : null;
        };
        if (what != null) {
            return what + " (expected: a WAV file; convert it first, e.g. 'sox in.flac out.wav')";
        }
        String both = riff + wave;
        return "wavHeader: " + (both.chars().allMatch(c -> c >= 0x20 && c < 0x7f) ? "'" + riff + "…" + wave + "'"
                : hex(riff) + "…" + hex(wave)) + " (expected: 'RIFF…WAVE')";
    }

    private static String hex(String fourCc) {
        return "0x" + HexFormat.of().formatHex(fourCc.getBytes(StandardCharsets.ISO_8859_1));
    }

    private static long le(byte[] b, int at, int n) {
        long v = 0;
        for (int i = n - 1; i >= 0; i--) {
            v = v << 8 | (b[at + i] & 0xFF);
        }
        return v;
    }

    private static Format parseFormat(byte[] f, String name) throws IOException {
        int tag = (int) le(f, 0, 2);
        int channels = (int) le(f, 2, 2);
        long rate = le(f, 4, 4);
        int blockAlign = (int) le(f, 12, 2);
        int bits = (int) le(f, 14, 2);
        if (tag == FORMAT_EXTENSIBLE) {
            if (f.length < 40) {
                throw new IOException(name + ": wavFmtChunk: " + f.length + " bytes for WAVE_FORMAT_EXTENSIBLE (expected: >= 40)");
            }
            tag = (int) le(f, 24, 2); // first two bytes of the SubFormat GUID are the format tag
        }
        Encoding encoding;
        if (tag == FORMAT_PCM) {
            encoding = Encoding.PCM;
            if (bits != 8 && bits != 16 && bits != 24 && bits != 32) {
                throw new IOException(name + ": wavBitsPerSample: " + bits + " for PCM (expected: 8, 16, 24 or 32)");
            }
        } else if (tag == FORMAT_FLOAT) {
            encoding = Encoding.FLOAT;
            if (bits != 32 && bits != 64) {
                throw new IOException(name + ": wavBitsPerSample: " + bits + " for float (expected: 32 or 64)");
            }
        } else if (tag == FORMAT_MU_LAW || tag == FORMAT_A_LAW) {
            encoding = tag == FORMAT_MU_LAW ? Encoding.MU_LAW : Encoding.A_LAW;
            if (bits != 8) {
                throw new IOException(name + ": wavBitsPerSample: " + bits + " for G.711 (expected: 8)");
            }
        } else {
            throw new IOException(name + ": wavFormatTag: 0x" + Integer.toHexString(tag)
                    + " (expected: 0x1 PCM, 0x3 IEEE float, 0x6 A-law, 0x7 μ-law or 0xfffe extensible)");
        }
        if (channels < 1 || channels > 8) {
            throw new IOException(name + ": wavChannels: " + channels + " (expected: 1..8)");
        }
        if (rate < 1000 || rate > 384_000) {
            throw new IOException(name + ": wavSampleRate: " + rate + " Hz (expected: 1000..384000)");
        }
        if (blockAlign != channels * bits / 8) {
            throw new IOException(name + ": wavBlockAlign: " + blockAlign + " (expected: " + channels * bits / 8 + ")");
        }
        return new Format(encoding, channels, (int) rate, bits, blockAlign);
    }

    private static String fourCc(InputStream in, String name) throws IOException {
        return new String(readExactly(in, 4, name), StandardCharsets.ISO_8859_1);
    }

    private static long readUint32(InputStream in, String name) throws IOException {
        return le(readExactly(in, 4, name), 0, 4);
    }

    private static byte[] readExactly(InputStream in, int n, String name) throws IOException {
        byte[] b = in.readNBytes(n);
        if (b.length != n) {
            throw new EOFException(name + ": wav: truncated header");
        }
        return b;
    }

    private static void skip(InputStream in, long n, String name) throws IOException {
        try {
            in.skipNBytes(n);
        } catch (EOFException e) {
            throw new EOFException(name + ": wav: truncated header (no data chunk)");
        }
    }

    @Override
    public void close() throws IOException {
        in.close();
    }

    @Override
    public String toString() {
        return name + " " + format;
    }
}
