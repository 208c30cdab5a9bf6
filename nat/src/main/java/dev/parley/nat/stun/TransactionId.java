package dev.parley.nat.stun;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.random.RandomGenerator;

/** A 96-bit STUN transaction id (RFC 8489 §5), compared by value. */
public final class TransactionId {
    /** Length in bytes. */
    public static final int LENGTH_BYTES = 12;
    private final byte[] bytes;

    private TransactionId(byte[] bytes) {
        this.bytes = bytes;
    }

    /**
     * @param bytes exactly 12 bytes (copied)
     * @throws IllegalArgumentException on another length
     */
    public static TransactionId of(byte[] bytes) {
        if (bytes == null || bytes.length != LENGTH_BYTES) {
            throw new IllegalArgumentException(String.format("transactionId: %d bytes (expected: %d)",
                    bytes == null ? 0 : bytes.length, LENGTH_BYTES));
        }
        return new TransactionId(bytes.clone());
    }

    /** @param random source of the 96 random bits (RFC 8489 §6: uniformly random) */
    public static TransactionId random(RandomGenerator random) {
        byte[] b = new byte[LENGTH_BYTES];
        for (int i = 0; i < LENGTH_BYTES; i += 4) {
            int r = random.nextInt();
            b[i] = (byte) (r >>> 24);
            b[i + 1] = (byte) (r >>> 16);
            b[i + 2] = (byte) (r >>> 8);
            b[i + 3] = (byte) r;
        }
        return new TransactionId(b);
    }

    /** @return a copy of the 12 bytes */
    public byte[] bytes() {
        return bytes.clone();
    }

    byte byteAt(int i) {
        return bytes[i];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TransactionId t && Arrays.equals(bytes, t.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return HexFormat.of().formatHex(bytes);
    }
}
