package dev.parley.codec.sim;

import java.util.Locale;

/**
 * What an impaired network does to packets, as typed on the command line, e.g.
 * {@code loss=10%,burst=2,jitter=40ms}. Keys (any order, all optional):
 * <ul>
 *   <li>{@code loss=P%} packet loss rate, 0..90 %;</li>
 *   <li>{@code burst=B} mean loss burst length in packets (Gilbert–Elliott two-state model: the bad
 *       state loses every packet, the good state none; leave it out for independent random loss);</li>
 *   <li>{@code delay=Dms} fixed one-way delay added to every packet, 0..5000 ms;</li>
 *   <li>{@code jitter=Jms} extra delay drawn uniformly from [0, J] per packet, 0..2000 ms (packets
 *       reorder when their delays differ by more than the packet interval; the RFC 3550 jitter a
 *       receiver measures is then about J/3);</li>
 *   <li>{@code reorder=R%} share of packets held back an extra {@value #REORDER_HOLD_MS} ms;</li>
 *   <li>{@code dup=U%} (or {@code duplicate=}) share of packets delivered twice;</li>
 *   <li>{@code seed=N} seed of the random source (default 1): the same spec gives the same packet fates.</li>
 * </ul>
 *
 * @param lossRate       0..0.9
 * @param meanBurst      mean burst length in packets, ≥ 1, or 0 for independent loss
 * @param delayMs        fixed delay, ms
 * @param jitterMs       uniform delay spread, ms
 * @param reorderRate    0..1
 * @param duplicateRate  0..1
 * @param seed           random seed
 */
public record ImpairmentSpec(double lossRate, double meanBurst, int delayMs, int jitterMs, double reorderRate,
                             double duplicateRate, long seed) {
    /** Extra delay of a packet chosen for reordering, ms. */
    public static final int REORDER_HOLD_MS = 50;
    /** No impairment. */
    public static final ImpairmentSpec NONE = new ImpairmentSpec(0, 0, 0, 0, 0, 0, 1);

    /** @throws IllegalArgumentException if a value is out of range */
    public ImpairmentSpec {
        check("loss", lossRate, 0, 0.9);
        if (meanBurst != 0) {
            check("burst", meanBurst, 1, 100);
            if (lossRate / (meanBurst * (1 - lossRate)) > 1) {
                throw new IllegalArgumentException(String.format(Locale.ROOT,
                        "burst: %.2f (expected: >= %.2f for loss %.0f%%)", meanBurst, lossRate / (1 - lossRate), lossRate * 100));
            }
        }
        check("delay", delayMs, 0, 5000);
        check("jitter", jitterMs, 0, 2000);
        check("reorder", reorderRate, 0, 1);
        check("dup", duplicateRate, 0, 1);
    }

    /**
     * Parses {@code key=value[,key=value...]}; percentages take an optional {@code %}, times an
     * optional {@code ms}. An empty string or {@code none} means no impairment.
     *
     * @throws IllegalArgumentException naming the offending item, e.g. {@code "impair: 'los=1%' (unknown key 'los'; expected: loss, burst, delay, jitter, reorder, dup, seed)"}
     */
    public static ImpairmentSpec parse(String text) {
        String s = text == null ? "" : text.strip();
        if (s.isEmpty() || s.equalsIgnoreCase("none")) {
            return NONE;
        }
        double loss = 0;
        double burst = 0;
        int delay = 0;
        int jitter = 0;
        double reorder = 0;
        double dup = 0;
        long seed = 1;
        for (String item : s.split(",")) {
            String[] kv = item.strip().split("=", 2);
            if (kv.length != 2 || kv[1].isBlank()) {
                throw new IllegalArgumentException("impair: '" + item.strip() + "' (expected: key=value)");
            }
            String key = kv[0].strip().toLowerCase(Locale.ROOT);
            String value = kv[1].strip().toLowerCase(Locale.ROOT);
            try {
                switch (key) {
                    case "loss" -> loss = percent(value);
                    case "burst" -> burst = Double.parseDouble(value);
                    case "delay" -> delay = millis(value);
                    case "jitter" -> jitter = millis(value);
                    case "reorder" -> reorder = percent(value);
                    case "dup", "duplicate" -> dup = percent(value);
                    case "seed" -> seed = Long.parseLong(value);
                    default -> throw new IllegalArgumentException("impair: '" + item.strip() + "' (unknown key '" + key
                            + "'; expected: loss, burst, delay, jitter, reorder, dup, seed)");
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("impair: '" + item.strip() + "' (expected a number)", e);
            }
        }
        return new ImpairmentSpec(loss, burst, delay, jitter, reorder, dup, seed);
    }

    /** @return true if this spec changes nothing */
    public boolean isNone() {
        return lossRate == 0 && delayMs == 0 && jitterMs == 0 && reorderRate == 0 && duplicateRate == 0;
    }

    /** @return the canonical text form, parseable by {@link #parse} */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        append(sb, lossRate > 0, "loss=" + fmt(lossRate * 100) + "%");
        append(sb, meanBurst > 0, "burst=" + fmt(meanBurst));
        append(sb, delayMs > 0, "delay=" + delayMs + "ms");
        append(sb, jitterMs > 0, "jitter=" + jitterMs + "ms");
        append(sb, reorderRate > 0, "reorder=" + fmt(reorderRate * 100) + "%");
        append(sb, duplicateRate > 0, "dup=" + fmt(duplicateRate * 100) + "%");
        append(sb, !isNone(), "seed=" + seed);
        return sb.isEmpty() ? "none" : sb.toString();
    }

    private static void append(StringBuilder sb, boolean when, String item) {
        if (when) {
            sb.append(sb.isEmpty() ? "" : ",").append(item);
        }
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.2f", v);
    }

    private static double percent(String v) {
        return Double.parseDouble(v.endsWith("%") ? v.substring(0, v.length() - 1) : v) / 100;
    }

    private static int millis(String v) {
        return Integer.parseInt(v.endsWith("ms") ? v.substring(0, v.length() - 2) : v);
    }

    private static void check(String name, double v, double min, double max) {
        if (!(v >= min && v <= max)) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "%s: %s (expected: %s..%s)", name, fmt(v), fmt(min), fmt(max)));
        }
    }
}
