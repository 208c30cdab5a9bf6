package dev.parley.codec.audio;

/** G.711 expansion (ITU-T G.711 §3-4): one 8-bit μ-law or A-law code to a 16-bit linear sample. */
final class G711 {
    private G711() {}

    /** @return the μ-law code's linear value, -32124..32124 */
    static int muLaw(byte code) {
        int u = ~code & 0xFF; // codes are sent inverted
        int magnitude = ((((u & 0x0F) << 3) + 0x84) << ((u >> 4) & 0x07)) - 0x84;
        return (u & 0x80) != 0 ? -magnitude : magnitude;
    }

    /** @return the A-law code's linear value, -32256..32256 */
    static int aLaw(byte code) {
        int a = (code & 0xFF) ^ 0x55; // even bits are sent inverted
        int mantissa = (a & 0x0F) << 4;
        int exponent = (a >> 4) & 0x07;
        int magnitude = exponent == 0 ? mantissa + 8 : (mantissa + 0x108) << (exponent - 1);
        return (a & 0x80) != 0 ? magnitude : -magnitude;
    }
}
