package dev.parley.codec.audio;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Builds WAV files byte by byte (independently of the code under test). */
final class TestWavs {
    static final int PCM = 1;
    static final int FLOAT = 3;

    private TestWavs() {
    }

    /**
     * @param channels per-channel samples in [-1, 1], equal lengths
     */
    static byte[] build(int formatTag, int rate, int bits, double[][] channels, boolean extensible, boolean extraChunks) {
        int n = channels[0].length;
        int ch = channels.length;
        int blockAlign = ch * bits / 8;
        ByteBuffer data = ByteBuffer.allocate(n * blockAlign).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            for (double[] channel : channels) {
                double v = channel[i];
                if (formatTag == FLOAT) {
                    if (bits == 32) {
                        data.putFloat((float) v);
                    } else {
                        data.putDouble(v);
                    }
                } else {
                    long max = (1L << (bits - 1)) - 1;
                    long q = Math.round(Math.max(-1, Math.min(1, v)) * max);
                    switch (bits) {
                        case 8 -> data.put((byte) (q + 128));
                        case 16 -> data.putShort((short) q);
                        case 24 -> data.put((byte) q).put((byte) (q >> 8)).put((byte) (q >> 16));
                        default -> data.putInt((int) q);
                    }
                }
            }
        }
        ByteBuffer fmt = ByteBuffer.allocate(extensible ? 40 : 16).order(ByteOrder.LITTLE_ENDIAN);
        fmt.putShort((short) (extensible ? 0xFFFE : formatTag)).putShort((short) ch).putInt(rate)
                .putInt(rate * blockAlign).putShort((short) blockAlign).putShort((short) bits);
        if (extensible) {
            fmt.putShort((short) 22).putShort((short) bits).putInt(ch == 1 ? 4 : 3).putShort((short) formatTag)
                    .put(new byte[] {0, 0, 0, 0, 0x10, 0, (byte) 0x80, 0, 0, (byte) 0xAA, 0, 0x38, (byte) 0x9B, 0x71});
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes("WAVE".getBytes(StandardCharsets.US_ASCII));
        if (extraChunks) {
            chunk(body, "LIST", "INFOISFT\u0005\0\0\0sox!".getBytes(StandardCharsets.ISO_8859_1)); // odd size: padded
        }
        chunk(body, "fmt ", fmt.array());
        if (extraChunks) {
            chunk(body, "fact", new byte[] {(byte) n, (byte) (n >> 8), (byte) (n >> 16), (byte) (n >> 24)});
        }
        chunk(body, "data", data.array());
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        file.writeBytes("RIFF".getBytes(StandardCharsets.US_ASCII));
        file.writeBytes(le32(body.size()));
        file.writeBytes(body.toByteArray());
        return file.toByteArray();
    }

    static void chunk(ByteArrayOutputStream out, String id, byte[] content) {
        out.writeBytes(id.getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(le32(content.length));
        out.writeBytes(content);
        if (content.length % 2 == 1) {
            out.write(0);
        }
    }

    static byte[] le32(int v) {
        return new byte[] {(byte) v, (byte) (v >> 8), (byte) (v >> 16), (byte) (v >> 24)};
    }
}
